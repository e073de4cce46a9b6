"""Result records: one JSON file per measured cell, written atomically as ``profile`` goes.

Schema (docs/contracts.md), ``schema_version`` 1::

    schema_version, kind="edgecrelu-result", run_id, created_utc, edgecrelu_version,
    device_profile  {name, path, description, decision{...}}
    environment     {host, cpu{...}, gpu, libraries{...}, jetson{...} | null, ...}
    bundle          {path, manifest_sha256, model{arch, arch_args?, input_shape, num_classes}, dataset_sha256,
                     dataset?{spec, eval_n, seed, synthetic?, epochs?}}
    cell            {variant, kind, depth, form, precision, backend, batch}
    settings        {warmup_s, min_duration_s, min_iterations, trials, threads, backend{...}}
    latency_ms      {n, min, mean, p50, p90, p95, p99, max, std, cov}   (end to end, per batch)
    stages_ms       {h2d{...}, compute{...}, d2h{...}} | null           (where the backend can tell)
    trials          [{p50, p99, n}, ...]                                (one per interleaved trial)
    throughput_ips  images per second (batch / mean latency)
    memory          {model_bytes, params, macs, peak_rss_bytes, device_bytes, ...,
                     artifact_macs?, artifact_params?}   (the variant's counts; the artifact's where known)
    accuracy        {top1, top5, n, agreement_top1, max_abs_diff, reference}
    power           {mean_mw, rails_mw{...}, mj_per_inference, source, samples,
                     [idle_mw, dynamic_mw, dynamic_mj_per_inference, method, sm_mhz{...}]} | null
    warnings        [str, ...]
    ops             {shares{op_type: fraction}, total_ms, runs, convs{qlinear, float} | null}   (optional;
                    ONNX Runtime cells: where the time goes, from a separate profiled run)
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import atomic_write_json
from edgecrelu.validate import in_range, is_finite, is_pos_int, is_text, numbers, schema_version_error, want
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
    problem = schema_version_error(record.get("schema_version"), SCHEMA_VERSION)
    if problem:
        raise EdgeCReLUError(f"{source}: {problem}")
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
    for k, v in (("bundle.manifest_sha256", r["bundle"].get("manifest_sha256")),
                 ("device_profile.name", r["device_profile"].get("name")),
                 ("environment.host", r["environment"].get("host"))):  # what a comparison is keyed by
        want(v is None or is_text(v), source, k, "a non-empty string", v)
    decision = r["device_profile"].get("decision")
    want(decision is None or isinstance(decision, dict), source, "device_profile.decision", "an object", decision)
    # Finite and in range: a NaN or negative latency must never reach a verdict.
    numbers(r["latency_ms"], source, "latency_ms", minimum=0)
    in_range(r["throughput_ips"], source, "throughput_ips", minimum=0, allow_none=True)
    numbers(r["memory"], source, "memory", ("model_bytes", "params", "macs", "peak_rss_bytes", "device_bytes",
                                            "artifact_macs", "artifact_params"), minimum=0)
    numbers(r["accuracy"], source, "accuracy", ("top1", "top5", "agreement_top1"))
    for k in ("top1", "top5", "agreement_top1"):
        v = (r["accuracy"] or {}).get(k)
        if v is not None and not 0 <= v <= 1:
            raise EdgeCReLUError(f"{source}: accuracy.{k} = {v} is not a fraction in [0, 1]")
    numbers(r["accuracy"], source, "accuracy", ("n", "max_abs_diff"), minimum=0)
    stages = r.get("stages_ms")
    want(stages is None or isinstance(stages, dict), source, "stages_ms", "an object or null", stages)
    for name, st in (stages or {}).items():
        numbers(st, source, f"stages_ms.{name}", minimum=0)
    trials = r.get("trials")
    want(trials is None or isinstance(trials, list), source, "trials", "a list", trials)
    for i, t in enumerate(trials or []):
        numbers(t, source, f"trials[{i}]", ("p50", "p99", "n"), minimum=0)
    power = r.get("power")
    # idle baseline: optional (records from before it simply lack the fields); dynamic power is the
    # difference of two measurements, so noise may take it a little below zero
    numbers(power, source, "power", ("mean_mw", "mj_per_inference", "idle_mw"), minimum=0)
    numbers(power, source, "power", ("dynamic_mw", "dynamic_mj_per_inference"))
    if power is not None:
        numbers(power.get("rails_mw"), source, "power.rails_mw", minimum=0)
    device_mem = r["memory"].get("device") if isinstance(r["memory"], dict) else None
    if isinstance(device_mem, dict):  # optional: footprint next to the measured device memory
        numbers(device_mem, source, "memory.device", ("footprint_bytes", "activation_bytes", "io_bytes"), minimum=0)
    ds = r["bundle"].get("dataset")  # the report's data line
    want(ds is None or isinstance(ds, dict), source, "bundle.dataset", "an object or null", ds)
    numbers(ds, source, "bundle.dataset", ("eval_n", "epochs"), minimum=0)
    train = r["bundle"].get("train")  # per-seed accuracies the noise rule reads
    if isinstance(train, dict) and train.get("test_acc") is not None:
        accs = train["test_acc"]
        want(isinstance(accs, list) and all(is_finite(a) for a in accs), source, "bundle.train.test_acc",
             "a list of numbers", accs)
    ops = r.get("ops")
    want(ops is None or isinstance(ops, dict), source, "ops", "an object or null", ops)
    if ops is not None:
        numbers(ops.get("shares"), source, "ops.shares")
        numbers(ops.get("convs"), source, "ops.convs", ("qlinear", "float"))
    w = r["warnings"]
    want(isinstance(w, list) and all(isinstance(x, str) for x in w), source, "warnings", "a list of strings", w)


def load_record(path: str | os.PathLike) -> dict:
    p = Path(path)
    try:
        rec = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
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


def check_out_outside(out, paths: Iterable[str | os.PathLike]) -> None:
    """Refuse an output directory inside a results directory: the next report would read what
    this one writes (``report.json``) as a record."""
    if out is None:
        return
    o = Path(out).resolve()
    for r in paths:
        rp = Path(r).resolve()
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
