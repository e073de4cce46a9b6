"""Deterministic stratified train / val / test splits from a seed."""

from __future__ import annotations

import numpy as np

VAL_FRACTION = 0.15
TEST_FRACTION = 0.15


def stratified_split(
    labels: np.ndarray, seed: int, val: float = VAL_FRACTION, test: float = TEST_FRACTION
) -> dict[str, np.ndarray]:
    """Indices of ``train`` / ``val`` / ``test`` (sorted), split per class with the same fractions.

    Each class is shuffled with its own stream derived from ``seed``, so the split depends only on
    the labels and the seed (not on numpy's global state or the class order). A class keeps at least
    one training example; val and test take ``round(fraction * n)`` of each class.
    """
    labels = np.asarray(labels)
    parts: dict[str, list[np.ndarray]] = {"train": [], "val": [], "test": []}
    for cls in np.unique(labels):
        idx = np.flatnonzero(labels == cls)
        rng = np.random.default_rng([int(seed), int(cls)])
        idx = idx[rng.permutation(len(idx))]
        n_val = int(round(val * len(idx)))
        n_test = int(round(test * len(idx)))
        while n_val + n_test >= len(idx) and (n_val or n_test):
            # keep a training example: trim the larger held-out share first
            if n_test >= n_val:
                n_test -= 1
            else:
                n_val -= 1
        parts["test"].append(idx[:n_test])
        parts["val"].append(idx[n_test:n_test + n_val])
        parts["train"].append(idx[n_test + n_val:])
    return {k: np.sort(np.concatenate(v)).astype(np.int64) if v else np.zeros(0, np.int64)
            for k, v in parts.items()}
