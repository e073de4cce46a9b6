"""A cell's top-1 on the bundle's shifted eval sets (``export --shifts``), through the backend that
runs the cell: the worker runs each set after the eval pass (:func:`predict_shifts`, accuracy only,
no timing), and the record gets one score per set with its per-image correctness
(:func:`score_shifts`), so the report compares configurations on the same shifted images."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.shifts import array_sha256, decode, key
from edgecrelu.stats import encode_correct

if TYPE_CHECKING:
    from edgecrelu.bundle import Bundle

LOGITS_FILE = "shift-logits.npz"


def entries(bundle: Bundle) -> list[dict]:
    return list((bundle.manifest.get("dataset") or {}).get("shifts") or [])


def shift_files(bundle: Bundle) -> list[str]:
    """The bundle files a worker's accuracy pass also reads."""
    return [e["path"] for e in entries(bundle)]


def shift_images(bundle: Bundle) -> int:
    """Images the shifted sets add to a cell's accuracy pass (the time estimate counts them)."""
    return sum(int(e.get("n") or 0) for e in entries(bundle))


def load_shift(bundle: Bundle, entry: dict) -> tuple[np.ndarray, np.ndarray]:
    """(x normalised as the eval set, y) of one shifted set, checked against its manifest entry."""
    d = bundle.load_npz(entry["path"])
    where = f"shifted eval set {bundle.root / entry['path']}"
    x8, y = d.get("x"), d.get("y")
    shape = tuple(bundle.model["input_shape"])
    if x8 is None or y is None or x8.dtype != np.uint8 or x8.ndim != 4 or tuple(x8.shape[1:]) != shape \
            or y.shape != (len(x8),) or len(x8) != entry.get("n"):
        raise EdgeCReLUError(f"{where} must hold x: uint8 ({entry.get('n')}, {', '.join(map(str, shape))}) and "
                             "y: its labels")
    if entry.get("x_sha256") and array_sha256(x8) != entry["x_sha256"]:
        raise EdgeCReLUError(f"{where}: its images are not the ones the manifest records (x_sha256)")
    return decode(x8, bundle.manifest.get("preprocessing") or {}), y.astype(np.int64)


def predict_shifts(bundle: Bundle, predict: Callable[[np.ndarray], np.ndarray], logits_out: str) -> str | None:
    """Logits of every shifted set (``predict(x) -> logits``: the cell's runner at its batch size),
    saved beside the eval logits; the file's path, or None when the bundle has no shifted sets."""
    todo = entries(bundle)
    if not todo:
        return None
    out = {key(e["name"], e["severity"]): predict(load_shift(bundle, e)[0]) for e in todo}
    path = str(Path(logits_out).with_name(LOGITS_FILE))
    save: Any = np.savez  # numpy's stub reads **arrays as its allow_pickle flag
    save(path, **out)
    return path


def score_shifts(bundle: Bundle, trial: dict) -> tuple[list[dict] | None, str | None]:
    """``(scores, warning)`` for the record: top-1 per shifted set with per-image correctness."""
    todo = entries(bundle)
    if not todo:
        return None, None
    path = trial.get("shift_logits")
    if not (path and Path(path).is_file()):
        return None, "no logits on the shifted eval sets: robustness not measured"
    k = bundle.model.get("num_classes")
    out = []
    with np.load(path, allow_pickle=False) as z:
        for e in todo:
            name = key(e["name"], e["severity"])
            y = bundle.load_npz(e["path"])["y"].astype(np.int64)
            logits = z[name] if name in z.files else None
            if logits is None or logits.ndim != 2 or len(logits) != len(y) or (k and logits.shape[1] != k):
                return None, f"the logits on the shifted set {name} do not fit its images: robustness not measured"
            correct = logits.argmax(1) == y
            out.append({"name": e["name"], "severity": int(e["severity"]), "top1": float(correct.mean()),
                        "n": int(len(y)), "correct": encode_correct(correct), "x_sha256": e.get("x_sha256"),
                        "params": e.get("params")})
    return out, None
