"""Paths and loaders shared by the report tests."""

from __future__ import annotations

import copy
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records"
CASES = ("go", "nogo_accuracy", "nogo_latency", "nogo_memory", "not_significant", "two_devices")
KNOWN_ANSWERS = ("gain3_tight", "gain_wild", "drop1_269", "drop1_20000", "unpaired_legacy")


def case_dir(name: str) -> Path:
    return FIXTURES / name


def load_case(name: str) -> list[dict]:
    from edgecrelu.results import load_records

    return copy.deepcopy(load_records([case_dir(name)]))


def write_records(directory: Path, records: list[dict]) -> Path:
    from edgecrelu.results import write_record

    for rec in records:
        write_record(directory, rec)
    return directory
