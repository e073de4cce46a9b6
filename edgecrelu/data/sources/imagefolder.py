"""The ``imagefolder:PATH`` source: one sub-folder of PNG / JPEG / BMP images per class.

Every file is read once: its bytes are hashed and decoded from the same read. A file that does not
decode is skipped with its reason (never the whole load), and so are hidden files and folders
(``.DS_Store``, ``._*``, ``.thumbnails/``) and files that are not images: all of them are listed in
``RawSource.skipped`` and from there in the run's data check (docs/contracts.md "Data check").
Loading for a run (``Request.listed``) reads exactly the listed files, so a corrupt file known at
training time is simply not in the data, and one removed later changes nothing.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections import Counter
from pathlib import Path

import numpy as np

from edgecrelu.data.preprocess import convert_channels, to_raw
from edgecrelu.data.sources.common import UNREADABLE, RawSource, Request, Skipped, SourceFile, required_path
from edgecrelu.errors import EdgeCReLUError, first_line

logger = logging.getLogger(__name__)

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp")

_GREY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}


def _decode(data: bytes, want: int | None) -> np.ndarray:
    """Decode one image -> (H, W) grey or (H, W, 3) colour array in 0..255 units (float32).
    ``want`` None keeps the file's own (grey or colour)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
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


def _why(exc: BaseException) -> str:
    from PIL import UnidentifiedImageError

    if isinstance(exc, UnidentifiedImageError):  # PIL's own words name an in-memory buffer's address
        return f"{UNREADABLE}: not an image PIL can identify (corrupt, empty or another format)"
    return f"{UNREADABLE}: {first_line(exc)}"


def _hidden(name: str) -> bool:
    return name.startswith(".")


def scan(root: Path) -> tuple[list[str], list[tuple[str, int]], list[Skipped]]:
    """``(classes, [(relative path, class index)], skipped)`` of a folder, without reading any file.

    Files are in the order every run has used: by class, then by sorted path."""
    classes: list[str] = []
    skipped: list[Skipped] = []
    for p in sorted(root.iterdir()):
        if p.is_dir() and not _hidden(p.name):
            classes.append(p.name)
        else:  # a hidden folder, or a file beside the class folders
            why = ("hidden folder" if p.is_dir() else "hidden") if _hidden(p.name) else "not in a class folder"
            skipped.append(Skipped(p.name + ("/" if p.is_dir() else ""), why))
    files: list[tuple[str, int]] = []
    for k, cls in enumerate(classes):
        found = []
        hidden_dirs: set[str] = set()
        for f in sorted((root / cls).rglob("*")):
            rel = f.relative_to(root)
            parts = rel.parts
            hidden_at = next((i for i, part in enumerate(parts[1:-1], 1) if _hidden(part)), None)
            if hidden_at is not None:  # under a hidden folder (.thumbnails/): listed once, as the folder
                hidden_dirs.add("/".join(parts[: hidden_at + 1]) + "/")
                continue
            if not f.is_file():
                if _hidden(f.name):
                    hidden_dirs.add(rel.as_posix() + "/")
                continue
            if _hidden(f.name):
                skipped.append(Skipped(rel.as_posix(), "hidden"))
            elif f.suffix.lower() not in IMAGE_EXTENSIONS:
                skipped.append(Skipped(rel.as_posix(), f"not an image ({f.suffix.lower() or 'no extension'})"))
            else:
                found.append(rel.as_posix())
        skipped += [Skipped(d, "hidden folder") for d in sorted(hidden_dirs)]
        if not found:
            raise EdgeCReLUError(f"imagefolder: class folder {root / cls} has no PNG/JPEG/BMP images")
        files += [(rel, k) for rel in found]
    if len(classes) < 2:
        raise EdgeCReLUError(f"imagefolder: {root} needs at least 2 class subfolders, found {len(classes)}")
    return classes, files, sorted(skipped, key=lambda s: s.path)


def _listed(req: Request) -> tuple[list[str], list[tuple[str, int]]]:
    """The classes and files a data check listed (class k is the folder of its files)."""
    assert req.listed is not None
    names: dict[int, str] = {}
    for f in req.listed:
        if f.label is None:
            raise EdgeCReLUError(f"the data check lists {f.path} without a class: not an imagefolder check")
        names.setdefault(int(f.label), f.path.split("/", 1)[0])
    return [names[k] for k in sorted(names)], [(f.path, int(f.label or 0)) for f in req.listed]


def load(path: str | None, req: Request) -> RawSource:
    from PIL import Image, UnidentifiedImageError

    root = required_path("imagefolder", path)
    if not root.is_dir():
        raise EdgeCReLUError(f"imagefolder: {root} is not a directory (expected one subfolder per class)")
    skipped: list[Skipped] = []
    if req.listed is None:
        classes, files, skipped = scan(root)
    else:
        classes, files = _listed(req)
    errors = (OSError, UnidentifiedImageError, ValueError, SyntaxError, Image.DecompressionBombError)
    h = hashlib.sha256(b"imagefolder\0")
    read: list[SourceFile] = []
    missing: list[str] = []
    images, labels = [], []
    sizes: Counter = Counter()
    for rel, k in files:
        try:
            data = (root / rel).read_bytes()
        except FileNotFoundError:
            missing.append(rel)
            continue
        digest = hashlib.sha256(data)
        try:
            arr = _decode(data, req.channels)
        except errors as exc:
            skipped.append(Skipped(rel, _why(exc)))
            continue
        read.append(SourceFile(rel, digest.hexdigest(), k))
        h.update(f"{rel}\0{k}\0".encode())
        h.update(digest.digest())
        sizes[f"{arr.shape[1]}×{arr.shape[0]}"] += 1
        native = req.channels or (3 if arr.ndim == 3 else 1)
        images.append(to_raw(arr[None], req.size, native, req.policy)[0])
        labels.append(k)
    if not images:
        raise EdgeCReLUError(f"imagefolder: no readable images under {root}")
    if req.channels is None and len({im.shape[-1] for im in images}) > 1:
        # any colour image makes the set RGB; grey ones repeat their channel (what decoding as RGB gives)
        images = [convert_channels(im[None], 3)[0] for im in images]
    return RawSource(
        images=np.stack(images).astype(np.float32),
        labels=np.asarray(labels, dtype=np.int64),
        class_names=tuple(classes),
        scale=1.0 / 255.0,
        sha256=h.hexdigest(),
        files=tuple(read),
        skipped=tuple(sorted(skipped, key=lambda s: s.path)),
        missing=tuple(missing),
        image_sizes=dict(sorted(sizes.items(), key=lambda kv: -kv[1])),
    )


def unlisted(path: str, listed: tuple[SourceFile, ...], skipped: tuple[str, ...]) -> list[str]:
    """Images in the folder now that the data check neither used nor skipped (added since)."""
    try:
        _, files, _ = scan(Path(path))
    except EdgeCReLUError:
        return []  # a folder changed this much is refused on the listed files it lacks
    known = {f.path for f in listed} | set(skipped)
    return [rel for rel, _ in files if rel not in known]
