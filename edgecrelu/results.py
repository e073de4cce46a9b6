"""Result records: one JSON file per measured cell, written atomically as ``profile`` goes.

The fields are the model :class:`edgecrelu.schema.record.Record`; docs/contracts.md ("Result
record") has them as tables generated from it. Readers get the record as the JSON object it is on
disk (a dict), checked against the model.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import msgspec

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import atomic_write_json
from edgecrelu.schema import record as schema
from edgecrelu.schema.base import check
from edgecrelu.validate import schema_version_error
from edgecrelu.variant import split_name

SCHEMA_VERSION = schema.SCHEMA_VERSION
KIND = schema.KIND
REQUIRED = tuple(f.encode_name for f in msgspec.structs.fields(schema.Record) if f.required)


@dataclass(frozen=True, order=True)
class Cell:
    """One measured configuration."""

    variant: str  # "relu", "crelu@4", "crelu-half@4"
    form: str  # ONNX form ("graph", "folded", ...) or torch mode ("eager", "compile")
    precision: str  # fp32 | fp16 | int8 | bf16 (torch)
    backend: str  # onnxruntime | tensorrt | torch | ...
    batch: int

    @property
    def key(self) -> str:
        """Stable, filesystem-safe identifier: ``crelu-half_4.graph.fp16.onnxruntime.b8``."""
        v = self.variant.replace("@", "_")
        return f"{v}.{self.form}.{self.precision}.{self.backend}.b{self.batch}"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["kind"], d["depth"] = split_name(self.variant)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Cell:
        return cls(d["variant"], d["form"], d["precision"], d["backend"], int(d["batch"]))


def record_path(results_dir: str | os.PathLike, cell: Cell) -> Path:
    return Path(results_dir) / f"{cell.key}.json"


def write_record(results_dir: str | os.PathLike, record: dict) -> Path:
    validate(json.loads(json.dumps(record)))  # what the file will hold (numpy floats become JSON numbers)
    cell = Cell.from_dict(record["cell"])
    return atomic_write_json(record_path(results_dir, cell), record)


def validate(record: dict, source: str = "record") -> dict:
    """``record`` itself, once it is a record of this schema version that fits the model (else a
    one-line error naming ``source`` and the field)."""
    typed(record, source)
    return record


def typed(record: dict, source: str = "record") -> schema.Record:
    """The record as the typed model."""
    if not isinstance(record, dict) or record.get("kind") != KIND:
        raise EdgeCReLUError(f"{source} is not an edgecrelu result record")
    problem = schema_version_error(record.get("schema_version"), SCHEMA_VERSION)
    if problem:
        raise EdgeCReLUError(f"{source}: {problem}")
    return check(record, schema.Record, source)


def load_record(path: str | os.PathLike) -> dict:
    p = Path(path)
    if p.exists() and not p.is_file():  # a FIFO or /dev/zero named *.json: reading it never ends
        raise EdgeCReLUError(f"cannot read result record {p}: not a regular file")
    try:
        rec = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # RecursionError: JSON nested past Python's stack
        raise EdgeCReLUError(f"cannot read result record {p}: {exc}") from None
    return validate(rec, str(p))


def load_records(paths: Iterable[str | os.PathLike]) -> list[dict]:
    """Load every ``*.json`` record under the given files/directories (recursively for dirs)."""
    return [rec for _, rec in load_record_files(paths)]


def load_record_files(paths: Iterable[str | os.PathLike]) -> list[tuple[Path, dict]]:
    """(file, record) for every record under ``paths``; a file reached twice (a directory given
    twice, or a file and its directory) is loaded once."""
    out, seen = [], set()
    for path in paths:
        p = Path(path)
        if p.is_dir():
            files = _record_files(p)
            if not files:
                raise EdgeCReLUError(f"no result records (*.json) in {p}")
        elif p.is_file():
            files = [p]
        else:
            raise EdgeCReLUError(f"results not found: {p}")
        for q in files:
            key = q.resolve()
            if key not in seen:
                seen.add(key)
                out.append((q, load_record(q)))
    return out


def _record_files(root: Path) -> list[Path]:
    """Every ``*.json`` (not hidden) under ``root``. ``rglob`` skips a directory it may not read,
    silently: a report over part of the records, or "no result records" for all of them; here an
    unreadable directory is an error that names it."""
    def fail(exc: OSError):
        raise EdgeCReLUError(f"cannot read the results directory {exc.filename or root}: "
                             f"{exc.strerror or exc}") from None

    files = []
    for d, _, names in os.walk(root, onerror=fail):
        files += [Path(d) / n for n in names if n.endswith(".json") and not n.startswith(".")]
    return sorted(files)


def check_out_outside(out: str | os.PathLike[str] | None, paths: Iterable[str | os.PathLike[str]]) -> None:
    """Refuse an output directory inside a results directory: the next report would read what
    this one writes (``report.json``) as a record."""
    if out is None:
        return
    o = Path(os.path.realpath(out))  # realpath: a symlink loop is no RuntimeError
    for r in paths:
        rp = Path(os.path.realpath(r))
        if rp.is_dir() and (o == rp or rp in o.parents):
            raise EdgeCReLUError(f"report output {out} is inside the results directory {r}; choose another --out")


def load_for_verdict(paths: Iterable[str | os.PathLike]) -> list[dict]:
    """Records a verdict may be drawn from: each valid (:func:`validate`), and together one
    comparison (:func:`check_comparable`)."""
    files = load_record_files(paths)
    check_comparable(files)
    return [rec for _, rec in files]


def check_comparable(files: list[tuple[Path, dict]]) -> None:
    """Refuse a set of records no verdict should be drawn from, naming the files:

    * two records of one cell measured with one device profile on one host (a cell measured twice,
      or a copy): which one is the measurement is a guess;
    * records of different bundles (``bundle.manifest_sha256``): ratios across two exports compare
      two different models;
    * records of one device profile whose embedded ``[decision]`` tables differ: which policy
      decides is a guess (pass ``--policy`` to the report, or profile again).
    """
    cells: dict = {}
    bundles: dict = {}
    policies: dict = {}
    for path, r in files:
        prof = r["device_profile"].get("name") or "?"
        host = r["environment"].get("host") or "?"
        key = (prof, host, Cell.from_dict(r["cell"]))
        if key in cells:
            raise EdgeCReLUError(
                f"two records of cell {key[2].key} on device '{prof}' host '{host}': {cells[key]} and {path}; "
                "keep one of them")
        cells[key] = path
        sha = r["bundle"].get("manifest_sha256")
        bundles.setdefault(sha, path)
        if len(bundles) > 1:
            (sha0, p0), = [(k, v) for k, v in bundles.items() if k != sha][:1]
            raise EdgeCReLUError(
                f"records from different bundles: {p0} (manifest {str(sha0)[:12]}) and {path} "
                f"(manifest {str(sha)[:12]}); report one bundle's records at a time, and compare two bundles' "
                "results with `edgecrelu compare RESULTS_A RESULTS_B`")
        pol = json.dumps(r["device_profile"].get("decision") or {}, sort_keys=True)
        if prof in policies and policies[prof][0] != pol:
            raise EdgeCReLUError(
                f"records of device '{prof}' embed different [decision] policies: {policies[prof][1]} and {path}; "
                "pass --policy to decide with one")
        policies.setdefault(prof, (pol, path))
