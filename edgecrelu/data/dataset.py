"""``load_dataset``: a source, split and preprocessed the same way every time for the same arguments."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from edgecrelu.data.checks import check_images, check_splits
from edgecrelu.data.preprocess import DEFAULT_RESIZE_POLICY, channel_stats, normalize
from edgecrelu.data.sources import load_source
from edgecrelu.data.sources.common import Request, Skipped, SourceFile
from edgecrelu.data.split import VAL_FRACTION, stratified_split
from edgecrelu.errors import EdgeCReLUError


@dataclass(frozen=True, eq=False)
class Dataset:
    x_train: np.ndarray  # (N, C, H, W) float32, preprocessed
    y_train: np.ndarray  # (N,) int64
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]  # index -> name
    preprocessing: dict  # {size [H,W], channels, mean [C], std [C], scale, resize, resize_policy}; stats from train only
    sha256: str  # hash of the raw source content
    spec: str  # the data spec it came from ("digits", "npz:/path/x.npz", ...)
    seed: int = 0  # the split seed
    indices: dict = field(default_factory=dict)  # split -> int64 indices into the source's order
    source: dict = field(default_factory=dict)  # {name, synthetic, ...generation options}: what the data is
    files: tuple[SourceFile, ...] = ()  # the files read, with their hashes (edgecrelu/data/datacheck.py)
    skipped: tuple[Skipped, ...] = ()  # the files not used, with the reason
    missing: tuple[str, ...] = ()  # files a data check listed that are gone (loading for a run)
    image_sizes: dict = field(default_factory=dict)  # "W×H" -> images, before resizing (image folders)

    @property
    def bad_files(self) -> tuple[str, ...]:
        """Files that looked like images and did not decode (skipped)."""
        return tuple(s.path for s in self.skipped if s.unreadable)

    @property
    def n_bad(self) -> int:
        return len(self.bad_files)

    def split_counts(self) -> dict[str, dict[str, int]]:
        """split -> class name -> images."""
        ys = {"train": self.y_train, "val": self.y_val, "test": self.y_test}
        return {k: {name: int((y == i).sum()) for i, name in enumerate(self.class_names)} for k, y in ys.items()}

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """(C, H, W) of one preprocessed image."""
        return tuple(self.x_train.shape[1:])

    def summary(self) -> dict:
        """What a record needs to identify this data (no arrays)."""
        return {
            "spec": self.spec, "sha256": self.sha256, "seed": self.seed,
            "size": list(self.preprocessing["size"]), "channels": self.preprocessing["channels"],
            "preprocessing": dict(self.preprocessing), "class_names": list(self.class_names),
            "n_train": int(len(self.y_train)), "n_val": int(len(self.y_val)), "n_test": int(len(self.y_test)),
            "n_bad": self.n_bad, "source": dict(self.source),
            "name": self.source.get("name"), "synthetic": bool(self.source.get("synthetic", False)),
            "resize_policy": self.preprocessing.get("resize_policy", DEFAULT_RESIZE_POLICY),
            "splits": self.split_counts(),
        }


def load_dataset(
    spec: str, *, size: int, channels: int | None = None, seed: int = 0, resize: str = DEFAULT_RESIZE_POLICY,
    listed: tuple[SourceFile, ...] | None = None,
) -> Dataset:
    """Load ``spec``, resize to ``size``×``size`` by the ``resize`` policy, split 70/15/15 stratified
    by ``seed``, normalise.

    The mean / std come from the training split only and are recorded in ``preprocessing``, so
    ``preprocess(raw, ds.preprocessing)`` reproduces these arrays on any machine, without torch.
    A source with its own test split (cifar10) keeps it and splits the rest into train / val.
    Unreadable files are skipped and listed (``Dataset.skipped``); ``listed`` (an image folder's
    data check) reads only those files (edgecrelu/data/datacheck.py compares what it finds).
    """
    size = int(size)
    if size < 1:
        raise EdgeCReLUError(f"image size must be a positive number of pixels (got {size})")
    src = load_source(spec, Request((size, size), channels, resize, listed))
    labels = src.labels
    check_images(src.images, spec)
    if len(np.unique(labels)) < 2:
        raise EdgeCReLUError(f"data source {spec} has fewer than 2 classes")
    if src.test_indices is None:
        idx = stratified_split(labels, seed)
    else:
        pool = np.setdiff1d(np.arange(len(labels)), src.test_indices)
        sub = stratified_split(labels[pool], seed, val=VAL_FRACTION, test=0.0)
        idx = {"train": pool[sub["train"]], "val": pool[sub["val"]], "test": np.sort(src.test_indices)}
    check_splits(idx, spec, len(labels))
    mean, std = channel_stats(src.images[idx["train"]], src.scale)
    pre = {
        "size": [size, size],
        "channels": int(src.images.shape[-1]),
        "mean": mean,
        "std": std,
        "scale": float(src.scale),
        "resize": "bilinear",
        "resize_policy": resize,
    }
    xs = {k: normalize(src.images[v], pre) for k, v in idx.items()}
    return Dataset(
        x_train=xs["train"], y_train=labels[idx["train"]],
        x_val=xs["val"], y_val=labels[idx["val"]],
        x_test=xs["test"], y_test=labels[idx["test"]],
        class_names=tuple(src.class_names),
        preprocessing=pre,
        sha256=src.sha256,
        spec=str(spec),
        seed=int(seed),
        indices={k: v.copy() for k, v in idx.items()},
        source=dict(src.info),
        files=src.files,
        skipped=src.skipped,
        missing=src.missing,
        image_sizes=dict(src.image_sizes),
    )
