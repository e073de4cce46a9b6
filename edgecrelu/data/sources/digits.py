"""The ``digits`` source: scikit-learn's 8x8 handwritten digits, built in (no download, no path)."""

from __future__ import annotations

import hashlib

import numpy as np

from edgecrelu.data.preprocess import to_raw
from edgecrelu.data.sources.common import RawSource, Request


def load(path: str | None, req: Request) -> RawSource:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        from edgecrelu.errors import MissingDependencyError

        raise MissingDependencyError("sklearn", "torch", "the digits data set ships with scikit-learn") from None
    d = load_digits()
    raw = d.images.astype(np.uint8)  # 16 grey levels, 0..16, exact in uint8
    labels = d.target.astype(np.int64)
    h = hashlib.sha256(b"sklearn-digits\0")
    h.update(raw.tobytes())
    h.update(labels.tobytes())
    return RawSource(
        images=to_raw(raw, req.size, req.channels or 1, req.policy),
        labels=labels,
        class_names=tuple(str(c) for c in d.target_names),
        scale=1.0 / 16.0,
        sha256=h.hexdigest(),
    )
