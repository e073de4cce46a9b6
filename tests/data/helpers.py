"""Small on-disk data sets made from sklearn's digits, for the source tests."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np


def digits_uint8(n_per_class: int, classes=(0, 1, 2)):
    """(images uint8 0..255 (N,8,8), labels) with the first ``n_per_class`` digits of each class."""
    import pytest

    load_digits = pytest.importorskip("sklearn.datasets").load_digits  # digits ship with scikit-learn (the torch extra)
    d = load_digits()
    xs, ys = [], []
    for c in classes:
        idx = np.flatnonzero(d.target == c)[:n_per_class]
        xs.append(np.clip(d.images[idx] * 16, 0, 255).astype(np.uint8))
        ys.append(np.full(len(idx), c))
    return np.concatenate(xs), np.concatenate(ys)


def write_imagefolder(root: Path, n_per_class: int = 10, rgb_class: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """class folders ``digit_<c>`` of PNG (grey), one class as RGB BMP if ``rgb_class``; returns (x, y)."""
    from PIL import Image

    x, y = digits_uint8(n_per_class)
    for i, (img, c) in enumerate(zip(x, y, strict=False)):
        folder = root / f"digit_{c}"
        folder.mkdir(parents=True, exist_ok=True)
        if rgb_class is not None and c == rgb_class:
            Image.fromarray(np.stack([img] * 3, axis=-1), mode="RGB").save(folder / f"{i:03d}.bmp")
        else:
            Image.fromarray(img, mode="L").save(folder / f"{i:03d}.png")
    return x, y


def write_cifar10(root: Path, per_batch: int = 10, seed: int = 0) -> dict:
    """The six CIFAR-10 python batches (bytes keys, like the originals) with random pixels."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    made = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
        labels = [int(v) for v in np.arange(per_batch) % 10]
        with open(root / name, "wb") as f:
            pickle.dump({b"batch_label": name.encode(), b"data": data, b"labels": labels}, f, protocol=2)
        made[name] = (data, labels)
    with open(root / "batches.meta", "wb") as f:
        names = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship", b"truck"]
        pickle.dump({b"label_names": names, b"num_vis": 3072}, f, protocol=2)
    return made


FACTORY_CLASSES = ("crack", "dent", "good", "scratch", "stain")
FACTORY_CORRUPT = ("crack/crack_empty.jpg", "dent/dent_cut.png", "good/good_text.jpg")
FACTORY_IGNORED = (".DS_Store", ".thumbnails/", "crack/._crack_00.jpg", "notes.txt", "scratch/.thumbnails/")


def write_factory_folder(root: Path, per_class: int = 6) -> Path:
    """A folder like a factory's crops: 5 classes, PNG and JPEG, 90×70 and 128×128, grey and RGB,
    plus 3 corrupt files (FACTORY_CORRUPT), macOS and thumbnail litter and a notes file (FACTORY_IGNORED).
    Each class has its own brightness, so a tiny model can learn something in one epoch."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for c, cls in enumerate(FACTORY_CLASSES):
        d = root / cls
        d.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            w, h = ((90, 70), (128, 128))[i % 2]
            a = (rng.integers(0, 40, (h, w)) + 45 * c).astype(np.uint8)
            img = Image.fromarray(a, "L") if i % 3 else Image.fromarray(np.stack([a, a, a // 2], -1), "RGB")
            img.save(d / f"{cls}_{i:02d}.{'png' if i % 2 else 'jpg'}")
    (root / "crack" / "crack_empty.jpg").write_bytes(b"")
    (root / "dent" / "dent_cut.png").write_bytes((root / "dent" / "dent_01.png").read_bytes()[:60])  # truncated
    (root / "good" / "good_text.jpg").write_bytes(b"this is not a jpeg")
    (root / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (root / "crack" / "._crack_00.jpg").write_bytes(b"\0\5\26\7 AppleDouble")
    for thumbs in (root / ".thumbnails", root / "scratch" / ".thumbnails"):
        thumbs.mkdir()
        (thumbs / "scratch_01.png").write_bytes((root / "scratch" / "scratch_01.png").read_bytes())
    (root / "notes.txt").write_text("line 3 crops, March\n")
    return root
