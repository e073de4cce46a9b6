"""Accuracy of a model through any ``infer(feed) -> outputs`` callable (an ONNX session at export, a
cell's runner at profile), and agreement with the FP32 reference.

Batches run at the cell's batch size; the last partial batch is padded with zeros to the full batch
(engines with a fixed or minimum batch accept it) and the padded rows are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np


def predict_logits(infer: Callable[[Mapping[str, np.ndarray]], Mapping[str, Any]], input_name: str, x: np.ndarray, batch: int, output_name: str | None = None) -> np.ndarray:
    """Logits for every row of ``x``, run ``batch`` rows at a time through ``infer(feed) -> dict``."""
    batch = max(1, int(batch))
    outs = []
    for i in range(0, len(x), batch):
        chunk = x[i:i + batch]
        n = len(chunk)
        if n < batch:
            pad = np.zeros((batch - n, *x.shape[1:]), dtype=x.dtype)
            chunk = np.concatenate([chunk, pad])
        res = infer({input_name: np.ascontiguousarray(chunk)})
        out = res[output_name] if output_name and output_name in res else next(iter(res.values()))
        outs.append(np.asarray(out, dtype=np.float32)[:n])
    return np.concatenate(outs) if outs else np.zeros((0, 0), np.float32)


def topk_accuracy(logits: np.ndarray, labels: np.ndarray, k: int) -> float:
    k = min(k, logits.shape[1])
    top = np.argsort(-logits, axis=1, kind="stable")[:, :k]
    return float((top == labels[:, None]).any(axis=1).mean())


def accuracy_metrics(logits: np.ndarray, labels: np.ndarray, reference: np.ndarray | None = None,
                     reference_name: str | None = None) -> dict:
    """top1, top5, n; and top-1 agreement / max abs logit difference against ``reference``."""
    labels = np.asarray(labels).astype(np.int64).reshape(-1)
    if len(logits) != len(labels):
        raise ValueError(f"{len(logits)} logits for {len(labels)} labels")
    out = {
        "top1": topk_accuracy(logits, labels, 1),
        "top5": topk_accuracy(logits, labels, 5),
        "n": int(len(labels)),
        "agreement_top1": None,
        "max_abs_diff": None,
        "reference": reference_name,
    }
    if reference is not None:
        if reference.shape != logits.shape:
            raise ValueError(f"reference logits {reference.shape} do not match {logits.shape}")
        out["agreement_top1"] = float((logits.argmax(1) == reference.argmax(1)).mean())
        out["max_abs_diff"] = float(np.max(np.abs(logits.astype(np.float64) - reference))) if logits.size else 0.0
    return out
