"""A cell's accuracy from its eval-set logits, and its agreement with the FP32 reference of the same
variant (ONNX Runtime on the CPU, computed once per bundle and cached)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from edgecrelu.backends.base import find_artifact
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import atomic_write
from edgecrelu.results import Cell
from edgecrelu.stats import encode_classes, encode_correct

if TYPE_CHECKING:
    from edgecrelu.bundle import Bundle

REFERENCE_BATCH = 64
MAX_CONFUSION = 100  # classes up to which a record carries its confusion matrix
NO_LOGITS = "no eval-set logits: accuracy not measured"


def reference_logits(bundle: Bundle, cell: Cell, cache_dir: Path,
                     eval_x: np.ndarray) -> tuple[np.ndarray | None, str | None, str | None]:
    """``(logits, name, why_not)``: FP32 logits of the cell's variant (same form where the bundle has
    it) on ONNX Runtime CPU, cached in ``cache_dir`` so each is computed once per bundle."""
    cands = [a for a in bundle.artifacts(variants=[cell.variant], precisions=["fp32"])]
    art = next((a for a in cands if a.form == cell.form), None) or \
        next((a for a in cands if a.form == "graph"), None) or (cands[0] if cands else None)
    if art is None:
        return None, None, f"no fp32 artifact of {cell.variant} in the bundle: no agreement reference"
    name = f"onnxruntime CPU fp32 {art.path}"
    cache = cache_dir / (art.path.replace("/", "__") + ".npy")
    if cache.is_file():
        return np.load(cache), name, None
    from edgecrelu.backends import get_backend
    from edgecrelu.scoring import predict_logits

    ort_backend = get_backend("onnxruntime")  # the reference is ORT CPU whatever backend ran the cell
    try:
        ort_backend.check_available()
    except EdgeCReLUError as exc:
        return None, None, f"no fp32 reference ({exc})"
    runner = ort_backend.reference_runner(bundle.path(art.path))
    with runner:
        logits = predict_logits(runner.infer, runner.input_names()[0], eval_x, REFERENCE_BATCH,
                                bundle.model.get("output_name"))
    atomic_write(cache, lambda f: np.save(f, logits), binary=True)
    return logits, name, None


def cell_accuracy(bundle: Bundle, cell: Cell, trials: list[dict], eval_set: Callable[[], tuple],
                  ref_dir: Path) -> tuple[dict | None, str | None]:
    """``(accuracy, warning)`` from the first trial's eval-set logits; ``eval_set()`` gives (x, labels)."""
    logits_path = trials[0].get("logits")
    if not (logits_path and Path(logits_path).is_file()):
        return None, NO_LOGITS
    from edgecrelu.scoring import accuracy_metrics

    logits = np.load(logits_path)
    x, labels = eval_set()
    # A file swapped for another model (its manifest hash updated) scores against the wrong classes:
    # no accuracy then, and a warning that says why; the cell's other results and other cells stay.
    k = bundle.model.get("num_classes")
    if logits.ndim != 2 or len(logits) != len(labels) or (k is not None and logits.shape[1] != k):
        art = find_artifact(bundle, cell)
        what = art.path if art is not None else f"the {cell.variant} model"
        want = f"[{len(labels)}, {k}] (the bundle's model.num_classes is {k})" if k else f"[{len(labels)}, classes]"
        return None, (f"{what} gives logits of shape {list(logits.shape)} on the eval set, not {want}: "
                      "accuracy not measured")
    ref, ref_name, why = reference_logits(bundle, cell, ref_dir, x)
    if ref is not None and ref.shape != logits.shape:
        why = (f"the fp32 reference ({ref_name}) gives logits of shape {list(ref.shape)}, not "
                          f"{list(logits.shape)}: no agreement reference")
        ref, ref_name = None, None
    acc = accuracy_metrics(logits, labels, ref, ref_name)
    acc.update(per_image(np.asarray(logits), labels))
    if np.asarray(logits).shape[1] <= 5:
        acc.pop("top5", None)  # with 5 classes or fewer every image is in the top 5: it says nothing
    return acc, why


def per_image(logits: np.ndarray, labels: ArrayLike) -> dict:
    """The record's per-image results: top-1 correctness packed to bits (n/6 characters), so the report
    can compare two models on the same images (paired test; README "How the verdict is reached"), the
    top-1 class per image (compressed), and the confusion matrix for per-class recall and precision
    (left out past :data:`MAX_CONFUSION` classes, where it would outweigh the record)."""
    y = np.asarray(labels).astype(np.int64).reshape(-1)
    pred = logits.argmax(1).astype(np.int64)
    out: dict = {"correct": encode_correct(pred == y), "predicted": encode_classes(pred)}
    k = logits.shape[1]
    if k <= MAX_CONFUSION and (y.size == 0 or (y.min() >= 0 and y.max() < k)):
        out["confusion"] = confusion_matrix(y, pred, k)
    return out


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, k: int) -> list[list[int]]:
    """Counts of eval images, row: the true class, column: the predicted one."""
    m = np.zeros((k, k), dtype=np.int64)
    np.add.at(m, (labels, predicted), 1)
    return m.tolist()
