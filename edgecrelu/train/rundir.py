"""The run directory (docs/contracts.md "Train run"): ``run.json``, each checkpoint's files, resume checks.

Every file is written atomically and ``record.json`` last, so a checkpoint directory with a valid
record whose ``weights_sha256`` matches is finished: ``resume`` skips it, an interrupt never leaves
a half one that counts.
"""

from __future__ import annotations

import platform
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from edgecrelu import __version__
from edgecrelu.distribution import summarize
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import atomic_write, atomic_write_json, read_json_object, sha256_file, utc_now
from edgecrelu.runfile import RECORD_KIND, RUN_KIND, SCHEMA_VERSION
from edgecrelu.train.config import TrainConfig, arch_args
from edgecrelu.validate import require_finite

if TYPE_CHECKING:  # torch is imported inside the functions that run it
    from torch import nn

    from edgecrelu.data.dataset import Dataset


def variant_dir(out: Path, variant: str, seed: int) -> Path:
    return Path(out) / variant / f"seed{seed}"


def versions() -> dict:
    """Software versions recorded with each checkpoint."""
    import torch

    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
            "edgecrelu": __version__}


_HASHES: dict[tuple, str] = {}  # (path, size, mtime_ns) -> sha256: run.json is rewritten after each checkpoint


def _weights_sha256(path: Path) -> str:
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        _HASHES[key] = sha256_file(path)
    return _HASHES[key]


def load_record(out: Path, variant: str, seed: int) -> dict | None:
    """The record of a finished checkpoint, or None if missing, unreadable or its weights do not match."""
    d = variant_dir(out, variant, seed)
    try:
        rec = read_json_object(d / "record.json", "training record")
    except EdgeCReLUError:
        return None
    if rec.get("kind") != RECORD_KIND:
        return None
    w = d / "weights.pt"
    if not w.is_file() or not (d / "arch.json").is_file() or _weights_sha256(w) != rec.get("weights_sha256"):
        return None
    return rec


def save_weights(model: nn.Module, path: Path) -> str:
    """torch.save a CPU state dict atomically; return its sha256."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}

    def dump(f):
        try:
            torch.save(state, f)
        except RuntimeError as exc:  # torch's zip writer turns a failed write (disk full) into "unexpected pos"
            if isinstance(exc.__context__, OSError):
                raise OSError(exc.__context__.errno, exc.__context__.strerror, str(path)) from None
            raise

    atomic_write(path, dump, binary=True)
    return sha256_file(path)


def summarize_run(out: Path, variants: list[str], seeds: list[int]) -> tuple[list[dict], dict]:
    """(checkpoints, per-variant summary) from the finished records on disk.

    The summary gives each variant's test accuracy over seeds (mean, sample std, n) and its
    difference from the ``relu`` baseline, flagged ``within_seed_noise`` when that difference is no
    larger than the larger of the two standard deviations (None with a single seed: unknown).
    """
    checkpoints: list[dict[str, Any]] = []
    summary: dict[str, dict[str, Any]] = {}
    for v in variants:
        rows = []
        for s in seeds:
            rec = load_record(out, v, s)
            if rec is None:
                continue
            rows.append(rec)
            checkpoints.append({"variant": v, "seed": s, "dir": f"{v}/seed{s}", "val_acc": rec["val_acc"],
                                "test_acc": rec["test_acc"], "weights_sha256": rec["weights_sha256"]})
        if not rows:
            continue
        test = [r["test_acc"] for r in rows]
        val = [r["val_acc"] for r in rows]
        st = summarize(test)  # sample std (ddof=1); 0.0 for one seed, which says nothing about noise
        summary[v] = {"seeds": [r["seed"] for r in rows], "n": len(rows), "val_acc": val, "test_acc": test,
                      "test_acc_mean": st["mean"], "test_acc_std": st["std"], "val_acc_mean": float(np.mean(val)),
                      "params": rows[0]["params"], "macs": rows[0]["macs"]}
        teachers = [r["distill"]["teacher"] for r in rows if isinstance(r.get("distill"), dict)]
        if teachers:  # distilled (train --distill-from): the settings and each seed's teacher hash
            summary[v]["distill"] = {**{k: rows[0]["distill"].get(k) for k in ("from", "temperature", "weight")},
                                     "teachers": [t.get("weights_sha256") for t in teachers]}
    base = "relu" if "relu" in summary else None
    for v, row in summary.items():
        if base is None or v == base:
            continue
        b = summary[base]
        delta = row["test_acc_mean"] - b["test_acc_mean"]
        row["vs_baseline"] = {
            "baseline": base, "test_acc_delta": delta,
            "within_seed_noise": (abs(delta) <= max(row["test_acc_std"], b["test_acc_std"]))
            if min(row["n"], b["n"]) > 1 else None,
        }
    return checkpoints, summary


def run_header(cfg: TrainConfig, ds: Dataset, input_size: int, recipe: dict, variants: Iterable[str],
               seeds: Iterable[int]) -> dict:
    """The part of run.json fixed for the run (a resume must match its model, recipe and data)."""
    return {
        "schema_version": SCHEMA_VERSION, "kind": RUN_KIND, "edgecrelu_version": __version__,
        "model": {"arch": cfg.model, "arch_args": arch_args(cfg) or {}, "input_size": input_size},
        "data": ds.summary(), "recipe": recipe, "variants": list(variants), "seeds": list(seeds),
    }


def check_existing(out: Path, header: dict, resume: bool) -> tuple[list[str], list[int]]:
    """Refuse to mix runs; on resume return the variants / seeds already listed (kept in run.json)."""
    run_json = out / "run.json"
    if not run_json.exists():
        return [], []
    if not resume:
        raise EdgeCReLUError(f"{out} already holds a train run; pass --resume to continue it or choose another --out")
    try:
        old = read_json_object(run_json, "train run")
    except EdgeCReLUError as exc:
        raise EdgeCReLUError(f"cannot resume: {exc}") from None
    if old.get("kind") != RUN_KIND:
        raise EdgeCReLUError(f"cannot resume: {run_json} is not an edgecrelu train run")
    data_keys = ("spec", "sha256", "seed", "size", "channels", "resize_policy")
    for key, sub in (("model", None), ("recipe", None), ("data", data_keys)):
        a, b = old.get(key, {}), header[key]
        if sub:
            # a run from before the resize policy stretched: the default
            a, b = ({k: a.get(k, "stretch" if k == "resize_policy" else None) for k in sub},
                    {k: b.get(k) for k in sub})
        if a != b:
            diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            raise EdgeCReLUError(f"cannot resume {out}: its {key} differs ({', '.join(diff)}); use another --out")
    return list(old.get("variants", [])), list(old.get("seeds", []))


def write_run_json(out: Path, header: dict, started: str, wall: float) -> dict:
    """Rewrite run.json from ``header`` and the finished checkpoints on disk; return it."""
    checkpoints, summary = summarize_run(out, header["variants"], header["seeds"])
    run = dict(header, created_utc=started, updated_utc=utc_now(), wall_time_s=round(wall, 3),
               checkpoints=checkpoints, summary=summary,
               complete=len(checkpoints) == len(header["variants"]) * len(header["seeds"]))
    require_finite(run, str(out / "run.json"))
    atomic_write_json(out / "run.json", run)
    return run
