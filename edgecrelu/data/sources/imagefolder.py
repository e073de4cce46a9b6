"""The ``imagefolder:PATH`` source: one sub-folder of PNG / JPEG / BMP images per class."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np

from edgecrelu.data.preprocess import to_raw
from edgecrelu.data.sources.common import RawSource, required_path
from edgecrelu.errors import EdgeCReLUError, first_line

logger = logging.getLogger(__name__)

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp")

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


def load(path: str | None, size: tuple[int, int], channels: int | None, skip_bad: bool) -> RawSource:
    from PIL import Image, UnidentifiedImageError

    root = required_path("imagefolder", path)
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
        logger.warning(f"[edgecrelu] skipped {len(bad)} unreadable image(s), e.g. {bad[0]}")
    return RawSource(
        images=np.stack(images).astype(np.float32),
        labels=np.asarray(labels, dtype=np.int64),
        class_names=tuple(classes),
        scale=1.0 / 255.0,
        sha256=h.hexdigest(),
        bad_files=tuple(bad),
    )
