"""The measurement part: power method, idle / dynamic energy, labelled memory, engine precision and
clocks, from the optional record fields; nothing for records without them."""

from __future__ import annotations

import pytest

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.report.model import analyze
from edgecrelu.report.parts import measurement
from edgecrelu.report.render_md import md_blocks, render_md
from edgecrelu.results import validate as validate_record
from tests.report.helpers import load_case


def _with_gpu_fields(records):
    r = records[0]
    r["power"] = {"mean_mw": 9000.0, "mj_per_inference": 3.0, "rails_mw": {"gpu_board": 9000.0}, "source": "nvml",
                  "samples": 20, "method": "energy counter", "idle_mw": 6000.0, "dynamic_mw": 3000.0,
                  "dynamic_mj_per_inference": 1.0, "sm_mhz": {"min": 1410, "max": 1980},
                  "clock_event_reasons": ["gpu_idle", "sw_power_cap"]}
    r["memory"]["device"] = {"footprint_bytes": 3_000_000, "device_bytes": 4_194_304, "activation_bytes": 1000,
                             "io_bytes": 2000, "footprint_method": "engine bytes + ..."}
    r["settings"]["backend"]["layers"] = {"available": True, "matches_name": False,
                                          "compute_precision": {"fp16": 3, "fp32": 1}, "compute_device": {"GPU": 4}}
    return records


def test_rows_with_gpu_fields_are_shown():
    records = _with_gpu_fields(load_case("go"))
    report = analyze(records)
    md = "\n".join(md_blocks(measurement.blocks(report.sections[0], report)))
    assert "### How the GPU numbers were measured" in md
    assert "energy counter" in md and "6000" in md and "3" in md
    assert "NOT as named: fp16 3, fp32 1" in md and "1410-1980 MHz (sw_power_cap)" in md
    assert "3.00" in md and "4.19" in md  # footprint and measured MB side by side
    assert "footprint = engine + activations" in md
    assert md.splitlines()[0] in render_md(report)


def test_nothing_without_the_fields():
    report = analyze(load_case("go"))
    assert measurement.blocks(report.sections[0], report) == []


def test_optional_fields_are_validated():
    rec = _with_gpu_fields(load_case("go"))[0]
    validate_record(rec, "r.json")
    rec["power"]["dynamic_mj_per_inference"] = "a lot"
    with pytest.raises(EdgeCReLUError, match="power.dynamic_mj_per_inference"):
        validate_record(rec, "r.json")
