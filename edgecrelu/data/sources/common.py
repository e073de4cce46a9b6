""":class:`RawSource`, what every data source returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgecrelu.errors import EdgeCReLUError


@dataclass(frozen=True, eq=False)
class RawSource:
    images: np.ndarray  # (N, H, W, C) float32 in raw units, resized, channels converted
    labels: np.ndarray  # (N,) int64 in 0..num_classes-1
    class_names: tuple[str, ...]  # one name per class index
    scale: float  # raw units * scale -> [0, 1]
    sha256: str  # hash of the source's raw content (files or arrays), stable across runs
    test_indices: np.ndarray | None = None  # a predefined test split (cifar10's test_batch), else None
    bad_files: tuple[str, ...] = field(default_factory=tuple)  # unreadable files skipped (--skip-bad)
    info: dict = field(default_factory=dict)  # what the data is: name, synthetic, generation options


def required_path(source: str, path: str | None) -> Path:
    """The path a ``name:PATH`` source was given (the spec parser refuses one without it)."""
    if path is None:
        raise EdgeCReLUError(f"data source '{source}' needs a path: {source}:PATH")
    return Path(path)
