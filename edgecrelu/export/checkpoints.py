"""Reading a ``train`` run (docs/contracts.md "Train run"): which checkpoint to export per variant,
verified against its training record before anything is exported. No torch here.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from edgecrelu.errors import EdgeCReLUError, unknown
from edgecrelu.fileio import read_json_object, sha256_file
from edgecrelu.runfile import RUN_KIND, SCHEMA_VERSION, check_run
from edgecrelu.validate import in_range, is_int, is_safe_relpath, is_text, schema_version_error, want


@dataclass(frozen=True)
class Checkpoint:
    """The checkpoint chosen for one variant, with the training figures over all its seeds."""

    variant: str  # "crelu-half@4"
    seed: int  # the training seed taken
    dir: Path  # runs/NAME/<variant>/seed<k>
    weights_sha256: str  # checked equal to record.json's weights_sha256
    arch: dict  # arch.json
    record: dict  # record.json
    train: dict  # {seeds, val_acc, test_acc, test_acc_mean, test_acc_std} over every seed of the run

    @property
    def weights(self) -> Path:
        return self.dir / "weights.pt"


def read_run(run_dir: str | Path) -> dict:
    """``run.json`` of a train run, checked for kind and for at least one checkpoint."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise EdgeCReLUError(f"train run directory not found: {run_dir}")
    run = read_json_object(run_dir / "run.json", "train run file")
    if run.get("kind") != RUN_KIND:
        raise EdgeCReLUError(f"{run_dir / 'run.json'} is not an edgecrelu train run (kind {run.get('kind')!r})")
    problem = schema_version_error(run.get("schema_version", SCHEMA_VERSION), SCHEMA_VERSION)
    if problem:  # another version (or "1", a string): refused
        raise EdgeCReLUError(f"{run_dir / 'run.json'}: {problem}")
    if not run.get("checkpoints"):
        raise EdgeCReLUError(f"train run {run_dir} has no checkpoints; run `edgecrelu train` to completion first")
    src = f"corrupt train run file {run_dir / 'run.json'}"
    want(isinstance(run["checkpoints"], list), src, "checkpoints", "a list", run["checkpoints"])
    for i, e in enumerate(run["checkpoints"]):
        if not isinstance(e, dict) or not all(k in e for k in ("variant", "seed", "dir")):
            raise EdgeCReLUError(f"{src}: a checkpoint lacks variant, seed or dir")
        want(is_text(e["variant"]), src, f"checkpoints[{i}].variant", "a non-empty string",
             e["variant"])
        want(is_int(e["seed"]), src, f"checkpoints[{i}].seed",
             "an integer", e["seed"])
        want(is_safe_relpath(e["dir"]), src, f"checkpoints[{i}].dir", "a folder inside the run", e["dir"])
        for k in ("val_acc", "test_acc"):  # NaN here would become the bundle's accuracy
            if e.get(k) is not None:
                in_range(e[k], src, f"checkpoints[{i}].{k}", 0, 1)
    if not isinstance(run.get("data"), dict) or "spec" not in run["data"] or "size" not in run["data"]:
        raise EdgeCReLUError(f"{src}: no data spec and size")
    model = run.get("model", {})
    want(isinstance(model, dict), src, "model", "an object", model)
    check_run(run, src)  # the model of run.json: types, and no field it does not know
    return run


def _train_stats(entries: list[dict]) -> dict:
    test = [float(e["test_acc"]) for e in entries if e.get("test_acc") is not None]
    return {
        "seeds": [int(e["seed"]) for e in entries],
        "val_acc": [e.get("val_acc") for e in entries],
        "test_acc": [e.get("test_acc") for e in entries],
        "test_acc_mean": statistics.fmean(test) if test else None,
        # sample std over seeds; 0 with one seed (nothing to vary)
        "test_acc_std": statistics.stdev(test) if len(test) > 1 else 0.0,
    }


def select_checkpoints(run_dir: str | Path, run: dict, variants: Iterable[str] | None = None, seed: int | None = None) -> list[Checkpoint]:
    """One verified checkpoint per variant (run order): ``seed`` if given, else the variant's first."""
    run_dir = Path(run_dir)
    by_variant: dict[str, list[dict]] = {}
    for e in run["checkpoints"]:
        by_variant.setdefault(e["variant"], []).append(e)
    names = list(variants) if variants else list(by_variant)
    for v in names:
        if v not in by_variant:
            raise unknown("variant", v, by_variant)
    out = []
    for v in names:
        entries = by_variant[v]
        if seed is None:
            entry = entries[0]
        else:
            match = [e for e in entries if int(e["seed"]) == int(seed)]
            if not match:
                have = ", ".join(str(e["seed"]) for e in entries)
                raise EdgeCReLUError(f"variant {v} has no checkpoint for seed {seed} (seeds: {have})")
            entry = match[0]
        d = run_dir / entry["dir"]
        weights = d / "weights.pt"
        if not weights.is_file():
            raise EdgeCReLUError(f"checkpoint weights not found: {weights}")
        record = read_json_object(d / "record.json", "training record")
        arch = read_json_object(d / "arch.json", "architecture file")
        want = record.get("weights_sha256")
        got = sha256_file(weights)
        if want != got:
            raise EdgeCReLUError(
                f"checkpoint {weights} does not match its training record (sha256 {got[:12]}..., "
                f"record says {str(want)[:12]}...); it was modified or belongs to another run"
            )
        stats = _train_stats(entries)
        if isinstance(record.get("distill"), dict):  # carried to the manifest and every result record
            stats["distill"] = record["distill"]
        out.append(Checkpoint(v, int(entry["seed"]), d, got, arch, record, stats))
    return out
