"""Dataset sources by spec: ``digits``, ``imagefolder:PATH``, ``cifar10:PATH``, ``npz:PATH``.

A source returns :class:`RawSource`: images in raw units, already at the requested size and channel
count (so a folder of large photos never sits in memory at full resolution), labels, class names,
the ``scale`` that maps raw units to [0, 1], and a sha256 of the source's own content.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from edgecrelu.data.preprocess import to_nhwc, to_raw
from edgecrelu.errors import EdgeCReLUError, first_line, unknown
from edgecrelu.fileio import sha256_file

SPECS = ("digits", "imagefolder:PATH", "cifar10:PATH", "npz:PATH")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp")


@dataclass(frozen=True, eq=False)
class RawSource:
    images: np.ndarray  # (N, H, W, C) float32 in raw units, resized, channels converted
    labels: np.ndarray  # (N,) int64 in 0..num_classes-1
    class_names: tuple[str, ...]  # one name per class index
    scale: float  # raw units * scale -> [0, 1]
    sha256: str  # hash of the source's raw content (files or arrays), stable across runs
    test_indices: np.ndarray | None = None  # a predefined test split (cifar10's test_batch), else None
    bad_files: tuple[str, ...] = field(default_factory=tuple)  # unreadable files skipped (--skip-bad)


def parse_spec(spec: str) -> tuple[str, str | None]:
    """``"npz:/a/b.npz"`` -> ``("npz", "/a/b.npz")``; ``"digits"`` -> ``("digits", None)``."""
    name, sep, path = str(spec).partition(":")
    name = name.strip()
    if name not in LOADERS:
        raise unknown("data source", spec, SPECS)
    if name == "digits":
        if sep:
            raise EdgeCReLUError(f"data source 'digits' takes no path (got '{spec}')")
        return name, None
    if not path:
        raise EdgeCReLUError(f"data source '{name}' needs a path: {name}:PATH")
    return name, path


def load_source(spec: str, size: tuple[int, int], channels: int | None, skip_bad: bool) -> RawSource:
    name, path = parse_spec(spec)
    if path is not None and not Path(path).exists():
        raise EdgeCReLUError(f"data source {name}: {path} does not exist")
    if channels not in (None, 1, 3):
        raise EdgeCReLUError(f"channels must be 1 or 3 (got {channels})")
    return LOADERS[name](path, size, channels, skip_bad)


# --- digits -----------------------------------------------------------------------------------


def _digits(path, size, channels, skip_bad) -> RawSource:
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
        images=to_raw(raw, size, channels or 1),
        labels=labels,
        class_names=tuple(str(c) for c in d.target_names),
        scale=1.0 / 16.0,
        sha256=h.hexdigest(),
    )


# --- imagefolder ------------------------------------------------------------------------------

_GREY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}


def _read_image(path: Path, want: int | None) -> np.ndarray:
    """Decode one image -> (H, W) grey or (H, W, 3) colour array in 0..255 units (float32)."""
    from PIL import Image

    with Image.open(path) as img:
        img.load()  # PIL decodes lazily; force it so a truncated file fails here
        mode = img.mode
        if mode in _GREY_MODES and want != 3:
            if mode.startswith("I"):
                arr = np.asarray(img, dtype=np.float32) / 257.0  # 16-bit -> 0..255 units
            elif mode == "F":
                arr = np.asarray(img, dtype=np.float32)
            else:
                arr = np.asarray(img.convert("L"), dtype=np.float32)
            return arr
        if mode.startswith("I") or mode == "F":
            grey = np.asarray(img, dtype=np.float32) / (257.0 if mode.startswith("I") else 1.0)
            return np.repeat(grey[:, :, None], 3, axis=2)
        return np.asarray(img.convert("RGB"), dtype=np.float32)


def _imagefolder(path, size, channels, skip_bad) -> RawSource:
    from PIL import Image, UnidentifiedImageError

    root = Path(path)
    if not root.is_dir():
        raise EdgeCReLUError(f"imagefolder: {root} is not a directory (expected one subfolder per class)")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    files: list[tuple[Path, int]] = []
    for k, cls in enumerate(classes):
        found = sorted(
            f for f in (root / cls).rglob("*")
            if f.is_file() and f.suffix.lower() in IMAGE_EXTENSIONS and not f.name.startswith(".")
        )
        if not found:
            raise EdgeCReLUError(f"imagefolder: class folder {root / cls} has no PNG/JPEG/BMP images")
        files += [(f, k) for f in found]
    if len(classes) < 2:
        raise EdgeCReLUError(f"imagefolder: {root} needs at least 2 class subfolders, found {len(classes)}")

    h = hashlib.sha256(b"imagefolder\0")
    for f, k in files:
        h.update(f"{f.relative_to(root).as_posix()}\0{k}\0".encode())
        h.update(hashlib.sha256(f.read_bytes()).digest())

    bad: list[str] = []

    def bad_file(f: Path, exc: BaseException) -> None:
        if not skip_bad:
            raise EdgeCReLUError(f"cannot read image {f}: {first_line(exc)} (use --skip-bad to skip unreadable images)")
        bad.append(str(f))

    errors = (OSError, UnidentifiedImageError, ValueError, SyntaxError, Image.DecompressionBombError)
    if channels is None:  # native: colour if any image is colour (headers only; cheap)
        channels = 1
        for f, _ in files:
            try:
                with Image.open(f) as img:
                    if img.mode not in _GREY_MODES:
                        channels = 3
                        break
            except errors:
                pass  # reported by the decoding pass below
    images, labels = [], []
    for f, k in files:
        try:
            arr = _read_image(f, channels)
        except errors as exc:
            bad_file(f, exc)
            continue
        images.append(to_raw(arr[None], size, channels)[0])  # (1,H,W) or (1,H,W,3)
        labels.append(k)
    if not images:
        raise EdgeCReLUError(f"imagefolder: no readable images under {root}")
    if bad:
        print(f"[edgecrelu] skipped {len(bad)} unreadable image(s), e.g. {bad[0]}", file=sys.stderr)
    return RawSource(
        images=np.stack(images).astype(np.float32),
        labels=np.asarray(labels, dtype=np.int64),
        class_names=tuple(classes),
        scale=1.0 / 255.0,
        sha256=h.hexdigest(),
        bad_files=tuple(bad),
    )


# --- cifar10 (python pickle batches) ----------------------------------------------------------

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


def _cifar10(path, size, channels, skip_bad) -> RawSource:
    root = Path(path)
    if (root / "cifar-10-batches-py").is_dir():
        root = root / "cifar-10-batches-py"
    missing = [b for b in CIFAR10_BATCHES if not (root / b).is_file()]
    if missing:
        raise EdgeCReLUError(f"cifar10: {root} lacks {', '.join(missing)} (the python version's pickle batches)")
    h = hashlib.sha256(b"cifar10\0")
    xs, ys = [], []
    for b in CIFAR10_BATCHES:
        h.update(hashlib.sha256((root / b).read_bytes()).digest())
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
    names = CIFAR10_NAMES
    if (root / "batches.meta").is_file():
        meta = _unpickle(root / "batches.meta")
        got = meta.get("label_names")
        if got is not None and len(got) == 10:
            names = tuple(n.decode() if isinstance(n, bytes) else str(n) for n in got)
    n_test = len(xs[-1])
    x = np.concatenate(xs)
    return RawSource(
        images=to_raw(x, size, channels or 3),
        labels=np.concatenate(ys),
        class_names=names,
        scale=1.0 / 255.0,
        sha256=h.hexdigest(),
        test_indices=np.arange(len(x) - n_test, len(x), dtype=np.int64),
    )


# --- npz --------------------------------------------------------------------------------------


def _npz(path, size, channels, skip_bad) -> RawSource:
    p = Path(path)
    try:
        with np.load(p, allow_pickle=False) as z:
            if "x" not in z or "y" not in z:
                raise EdgeCReLUError(f"npz: {p} must hold arrays 'x' and 'y' (has: {', '.join(z.files)})")
            x, y = z["x"], z["y"]
            names = [str(n) for n in z["class_names"]] if "class_names" in z else None
    except EdgeCReLUError:
        raise
    except Exception as exc:
        raise EdgeCReLUError(f"npz: cannot read {p}: {first_line(exc)}") from None
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise EdgeCReLUError(f"npz: 'y' must be a 1-D integer array (got {y.dtype} {tuple(y.shape)})")
    if len(x) != len(y):
        raise EdgeCReLUError(f"npz: 'x' has {len(x)} images but 'y' has {len(y)} labels")
    if x.dtype == np.uint8:
        scale = 1.0 / 255.0
    elif x.dtype == np.uint16:
        scale = 1.0 / 65535.0
    else:
        scale = 1.0  # floats are taken as already in [0, 1]
    y = y.astype(np.int64)
    if names is not None:
        if y.min() < 0 or y.max() >= len(names):
            raise EdgeCReLUError(f"npz: labels must lie in 0..{len(names) - 1} to match 'class_names'")
    else:
        values = np.unique(y)
        names = [str(v) for v in values]
        y = np.searchsorted(values, y).astype(np.int64)  # compact labels 0..K-1, named by value
    nhwc = to_nhwc(x, what="npz 'x'")
    return RawSource(
        images=to_raw(nhwc, size, channels or nhwc.shape[-1]),
        labels=y,
        class_names=tuple(names),
        scale=scale,
        sha256=sha256_file(p),
    )


LOADERS: dict[str, Callable[..., RawSource]] = {
    "digits": _digits,
    "imagefolder": _imagefolder,
    "cifar10": _cifar10,
    "npz": _npz,
}
