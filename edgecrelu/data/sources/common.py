""":class:`RawSource`, what every data source returns, and :class:`Request`, what it is asked for."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgecrelu.data.preprocess import DEFAULT_RESIZE_POLICY
from edgecrelu.errors import EdgeCReLUError


@dataclass(frozen=True)
class SourceFile:
    """One file a source read: its path (relative to the source's root), sha256, and class (image
    folders: one file per image; npz / cifar10: the whole file, no class)."""

    path: str
    sha256: str
    label: int | None = None


@dataclass(frozen=True)
class Skipped:
    """A file the source did not use, and why ("unreadable: ...", "hidden", "not an image (.txt)")."""

    path: str
    reason: str

    @property
    def unreadable(self) -> bool:
        return self.reason.startswith(UNREADABLE)


UNREADABLE = "unreadable"  # the reason's first word for a file that looked like an image and did not decode


@dataclass(frozen=True)
class Request:
    """What a source is asked for: the size, the channels (None: the data's own), the resize policy
    (edgecrelu/data/preprocess.py), and, when loading for a run, the files its data check listed
    (only these are read; the others are not in the data)."""

    size: tuple[int, int]
    channels: int | None = None
    policy: str = DEFAULT_RESIZE_POLICY
    listed: tuple[SourceFile, ...] | None = None


@dataclass(frozen=True, eq=False)
class RawSource:
    images: np.ndarray  # (N, H, W, C) float32 in raw units, resized, channels converted
    labels: np.ndarray  # (N,) int64 in 0..num_classes-1
    class_names: tuple[str, ...]  # one name per class index
    scale: float  # raw units * scale -> [0, 1]
    sha256: str  # hash of the source's raw content (files or arrays), stable across runs
    test_indices: np.ndarray | None = None  # a predefined test split (cifar10's test_batch), else None
    info: dict = field(default_factory=dict)  # what the data is: name, synthetic, generation options
    files: tuple[SourceFile, ...] = ()  # what was read, with hashes (none for generated data)
    skipped: tuple[Skipped, ...] = ()  # what was not used, with the reason
    missing: tuple[str, ...] = ()  # listed files (Request.listed) no longer there
    image_sizes: dict = field(default_factory=dict)  # "W×H" -> images (image folders: before resizing)

    @property
    def bad_files(self) -> tuple[str, ...]:
        return tuple(s.path for s in self.skipped if s.unreadable)


def required_path(source: str, path: str | None) -> Path:
    """The path a ``name:PATH`` source was given (the spec parser refuses one without it)."""
    if path is None:
        raise EdgeCReLUError(f"data source '{source}' needs a path: {source}:PATH")
    return Path(path)
