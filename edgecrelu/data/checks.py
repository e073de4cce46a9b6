"""Data checks before training: finite pixels, and enough images for every split.

NaN or inf pixels would train to loss NaN and write NaN accuracies into run.json and the bundle;
a data set too small to split would "train" with no validation or test image. Both are refused
here, in one line, before any work. (Eval data inside a bundle is checked where it is read:
``Bundle.load_eval``.)
"""

from __future__ import annotations

import numpy as np

from edgecrelu.errors import EdgeCReLUError

MIN_PER_SPLIT = 1  # every split (train, val, test) needs at least this many images


def check_images(images: np.ndarray, spec: str) -> None:
    if len(images) == 0:
        raise EdgeCReLUError(f"data source {spec} has no images")
    if np.issubdtype(images.dtype, np.floating):
        bad = ~np.isfinite(images.reshape(len(images), -1)).all(axis=1)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise EdgeCReLUError(f"data source {spec}: {int(bad.sum())} image(s) hold NaN or inf pixels "
                                 f"(the first is image {first})")


def check_splits(idx: dict, spec: str, n: int) -> None:
    small = {k: len(v) for k, v in idx.items() if len(v) < MIN_PER_SPLIT}
    if small:
        sizes = ", ".join(f"{k} {len(v)}" for k, v in idx.items())
        raise EdgeCReLUError(f"data source {spec} has {n} image(s), too few to split ({sizes}); "
                             f"every split needs at least {MIN_PER_SPLIT}")
