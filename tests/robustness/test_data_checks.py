"""Data that would give a number without meaning is refused before training and before scoring:
NaN/inf pixels, too few images to split, and in a bundle's eval set NaN pixels, float labels,
labels outside the model's classes, zero images, or a shape other than the model's input."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from edgecrelu.bundle import Bundle
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import sha256_file
from tests.fixtures.tiny_bundle import cached_tiny_bundle


def _npz(tmp_path, x, y):
    p = tmp_path / "d.npz"
    np.savez(p, x=x, y=y)
    return f"npz:{p}"


def test_nan_pixels_are_refused_before_training(tmp_path):
    from edgecrelu.data.dataset import load_dataset

    x = np.random.default_rng(0).random((60, 8, 8)).astype(np.float32)
    x[7, 3, 3] = np.nan
    with pytest.raises(EdgeCReLUError, match=r"1 image\(s\) hold NaN or inf pixels \(the first is image 7\)"):
        load_dataset(_npz(tmp_path, x, np.arange(60) % 2), size=8)


def test_too_few_images_to_split(tmp_path):
    from edgecrelu.data.dataset import load_dataset

    x = np.random.default_rng(0).random((4, 8, 8)).astype(np.float32)
    with pytest.raises(EdgeCReLUError, match="too few to split"):
        load_dataset(_npz(tmp_path, x, np.array([0, 1, 0, 1])), size=8)


def _bundle_with_eval(tmp_path, x, y) -> Bundle:
    """A copy of the tiny bundle whose eval set is (x, y), with the manifest's hash updated (so
    verification passes and the eval check itself is what refuses it)."""
    root = shutil.copytree(cached_tiny_bundle(precisions=("fp32",)), tmp_path / "b")
    m = json.loads((root / "manifest.json").read_text())
    rel = m["dataset"]["eval"]["path"]
    np.savez(root / rel, x=x, y=y)
    m["files"][rel] = sha256_file(root / rel)
    (root / "manifest.json").write_text(json.dumps(m))
    return Bundle.open(root)


def _good():
    x, y = Bundle.open(cached_tiny_bundle(precisions=("fp32",))).load_eval()
    return x.copy(), y.copy()


@pytest.mark.parametrize("case, words", [
    ("nan", "x must be finite floats"),
    ("inf", "x must be finite floats"),
    ("float-labels", "y must be 50 integer labels"),
    ("label-out-of-range", "labels must lie in 0..9"),
    ("negative-label", "labels must lie in 0..9"),
    ("zero-images", "x must be (N >= 1, 1, 8, 8)"),
    ("wrong-shape", "x must be (N >= 1, 1, 8, 8)"),
])
def test_bad_eval_data_is_refused_before_scoring(tmp_path, case, words):
    x, y = _good()
    if case == "nan":
        x[0, 0, 0, 0] = np.nan
    elif case == "inf":
        x[3, 0, 1, 1] = np.inf
    elif case == "float-labels":
        y = y.astype(np.float32)
    elif case == "label-out-of-range":
        y[0] = 10
    elif case == "negative-label":
        y[0] = -1
    elif case == "zero-images":
        x, y = x[:0], y[:0]
    elif case == "wrong-shape":
        x = np.zeros((len(y), 1, 9, 9), np.float32)
    b = _bundle_with_eval(tmp_path, x, y)
    with pytest.raises(EdgeCReLUError) as e:
        b.load_eval()
    assert words in str(e.value) and "\n" not in str(e.value)


def test_good_eval_data_loads():
    x, y = _good()
    assert len(x) == len(y) == 50
