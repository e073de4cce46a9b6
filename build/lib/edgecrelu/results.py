"""Result records: one JSON file per measured cell, written atomically as ``profile`` goes.

Schema (docs/contracts.md), ``schema_version`` 1::

    schema_version, kind="edgecrelu-result", run_id, created_utc, edgecrelu_version,
    device_profile  {name, path, description, decision{...}}
    environment     {host, cpu{...}, gpu, libraries{...}, jetson{...} | null, ...}
    bundle          {path, manifest_sha256, model{arch, input_shape, num_classes}, dataset_sha256}
    cell            {variant, kind, depth, form, precision, backend, batch}
    settings        {warmup_s, min_duration_s, min_iterations, trials, threads, backend{...}}
    latency_ms      {n, min, mean, p50, p90, p95, p99, max, std, cov}   (end to end, per batch)
    stages_ms       {h2d{...}, compute{...}, d2h{...}} | null           (where the backend can tell)
    trials          [{p50, p99, n}, ...]                                (one per interleaved trial)
    throughput_ips  images per second (batch / mean latency)
    memory          {model_bytes, params, macs, peak_rss_bytes, device_bytes, ...}
    accuracy        {top1, top5, n, agreement_top1, max_abs_diff, reference}
    power           {mean_mw, rails_mw{...}, mj_per_inference, source, samples} | null
    warnings        [str, ...]
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import atomic_write_json
from edgecrelu.validate import is_num, is_pos_int, is_text, numbers, want
from edgecrelu.variant import split_name

SCHEMA_VERSION = 1
KIND = "edgecrelu-result"
REQUIRED = (
    "schema_version", "run_id", "created_utc", "device_profile", "environment", "bundle",
    "cell", "latency_ms", "throughput_ips", "memory", "accuracy", "warnings",
)


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
    def from_dict(cls, d: dict) -> "Cell":
        return cls(d["variant"], d["form"], d["precision"], d["backend"], int(d["batch"]))


def record_path(results_dir: str | os.PathLike, cell: Cell) -> Path:
    return Path(results_dir) / f"{cell.key}.json"


def write_record(results_dir: str | os.PathLike, record: dict) -> Path:
    validate(record)
    cell = Cell.from_dict(record["cell"])
    return atomic_write_json(record_path(results_dir, cell), record)


def validate(record: dict, source: str = "record") -> dict:
    if not isinstance(record, dict) or record.get("kind") != KIND:
        raise EdgeCReLUError(f"{source} is not an edgecrelu result record")
    if record.get("schema_version") != SCHEMA_VERSION:
        raise EdgeCReLUError(
            f"{source}: schema_version {record.get('schema_version')} is not supported (expected {SCHEMA_VERSION})"
        )
    missing = [k for k in REQUIRED if k not in record]
    if missing:
        raise EdgeCReLUError(f"{source}: missing field(s): {', '.join(missing)}")
    _check_types(record, source)
    return record


# -- field types: a hand-edited or truncated record must fail here, in one line, not deep in report --
def _check_types(r: dict, source: str) -> None:
    cell = r["cell"]
    want(isinstance(cell, dict), source, "cell", "an object", cell)
    for k in ("variant", "form", "precision", "backend"):
        want(is_text(cell.get(k)), source, f"cell.{k}", "a non-empty string", cell.get(k))
    b = cell.get("batch")
    want(is_pos_int(b), source, "cell.batch", "a positive integer", b)
    for k in ("device_profile", "environment", "bundle"):
        want(isinstance(r[k], dict), source, k, "an object", r[k])
    decision = r["device_profile"].get("decision")
    want(decision is None or isinstance(decision, dict), source, "device_profile.decision", "an object", decision)
    numbers(r["latency_ms"], source, "latency_ms")
    want(r["throughput_ips"] is None or is_num(r["throughput_ips"]), source, "throughput_ips", "a number or null",
         r["throughput_ips"])
    numbers(r["memory"], source, "memory", ("model_bytes", "params", "macs", "peak_rss_bytes", "device_bytes"))
    numbers(r["accuracy"], source, "accuracy", ("top1", "top5", "n", "agreement_top1", "max_abs_diff"))
    stages = r.get("stages_ms")
    want(stages is None or isinstance(stages, dict), source, "stages_ms", "an object or null", stages)
    for name, st in (stages or {}).items():
        numbers(st, source, f"stages_ms.{name}")
    trials = r.get("trials")
    want(trials is None or isinstance(trials, list), source, "trials", "a list", trials)
    for i, t in enumerate(trials or []):
        numbers(t, source, f"trials[{i}]", ("p50", "p99", "n"))
    power = r.get("power")
    numbers(power, source, "power", ("mean_mw", "mj_per_inference"))
    if power is not None:
        numbers(power.get("rails_mw"), source, "power.rails_mw")
    train = r["bundle"].get("train")  # per-seed accuracies the noise rule reads
    if isinstance(train, dict) and train.get("test_acc") is not None:
        accs = train["test_acc"]
        want(isinstance(accs, list) and all(is_num(a) for a in accs), source, "bundle.train.test_acc",
             "a list of numbers", accs)
    w = r["warnings"]
    want(isinstance(w, list) and all(isinstance(x, str) for x in w), source, "warnings", "a list of strings", w)


def load_record(path: str | os.PathLike) -> dict:
    p = Path(path)
    try:
        rec = json.loads(p.read_text())
    except (OSError, ValueError) as exc:
        raise EdgeCReLUError(f"cannot read result record {p}: {exc}") from None
    return validate(rec, str(p))


def load_records(paths: Iterable[str | os.PathLike]) -> list[dict]:
    """Load every ``*.json`` record under the given files/directories (recursively for dirs)."""
    out = []
    for path in paths:
        p = Path(path)
        if p.is_dir():
            files = sorted(q for q in p.rglob("*.json") if not q.name.startswith("."))
            if not files:
                raise EdgeCReLUError(f"no result records (*.json) in {p}")
            out.extend(load_record(q) for q in files)
        elif p.is_file():
            out.append(load_record(p))
        else:
            raise EdgeCReLUError(f"results not found: {p}")
    return out
