"""The ``cifar10:PATH`` source: the CIFAR-10 python pickle batches (read by a numpy-only unpickler)."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import numpy as np

from edgecrelu.data.preprocess import to_raw
from edgecrelu.data.sources.common import RawSource, Request, SourceFile, required_path
from edgecrelu.errors import EdgeCReLUError, first_line

CIFAR10_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)
CIFAR10_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """The CIFAR batches are pickles; refuse anything but dicts, lists, bytes and numpy arrays."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
        ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
    }

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def _unpickle(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            obj = _NumpyOnlyUnpickler(f, encoding="bytes").load()
    except Exception as exc:  # any corruption: pickle, EOF, numpy
        raise EdgeCReLUError(f"cifar10: cannot read {path}: {first_line(exc)}") from None
    if not isinstance(obj, dict):
        raise EdgeCReLUError(f"cifar10: {path} is not a CIFAR python batch (not a dict)")
    return {(k.decode() if isinstance(k, bytes) else k): v for k, v in obj.items()}


def load(path: str | None, req: Request) -> RawSource:
    root = required_path("cifar10", path)
    if (root / "cifar-10-batches-py").is_dir():
        root = root / "cifar-10-batches-py"
    missing = [b for b in CIFAR10_BATCHES if not (root / b).is_file()]
    if missing:
        raise EdgeCReLUError(f"cifar10: {root} lacks {', '.join(missing)} (the python version's pickle batches)")
    h = hashlib.sha256(b"cifar10\0")
    xs, ys = [], []
    files = []
    for b in CIFAR10_BATCHES:
        digest = hashlib.sha256((root / b).read_bytes())
        h.update(digest.digest())
        files.append(SourceFile(b, digest.hexdigest()))
        d = _unpickle(root / b)
        try:
            x = np.asarray(d["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
            y = np.asarray(d["labels"], dtype=np.int64).reshape(-1)
        except (KeyError, ValueError) as exc:
            raise EdgeCReLUError(f"cifar10: {root / b} has no valid data/labels ({first_line(exc)})") from None
        if len(x) != len(y) or (len(y) and (y.min() < 0 or y.max() > 9)):
            raise EdgeCReLUError(f"cifar10: {root / b} has {len(x)} images but {len(y)} labels in 0..9")
        xs.append(x)
        ys.append(y)
    names: tuple[str, ...] = CIFAR10_NAMES
    if (root / "batches.meta").is_file():
        meta = _unpickle(root / "batches.meta")
        got = meta.get("label_names")
        if got is not None and len(got) == 10:
            names = tuple(n.decode() if isinstance(n, bytes) else str(n) for n in got)
    n_test = len(xs[-1])
    x = np.concatenate(xs)
    return RawSource(
        images=to_raw(x, req.size, req.channels or 3, req.policy),
        labels=np.concatenate(ys),
        class_names=names,
        scale=1.0 / 255.0,
        sha256=h.hexdigest(),
        test_indices=np.arange(len(x) - n_test, len(x), dtype=np.int64),
        files=tuple(files),
    )
