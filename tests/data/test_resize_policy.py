"""The resize policies (edgecrelu/data/preprocess.py): stretch is what every run did before the
option; letterbox keeps the aspect ratio and pads; crop keeps it and cuts the edges; the shipped
script resizes the same way."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from edgecrelu.data.preprocess import RESIZE_POLICIES, preprocess, resize, to_raw
from edgecrelu.errors import EdgeCReLUError


def _image(h: int, w: int) -> np.ndarray:
    """(1, h, w, 1) of ones: where the picture is (value 1) and where padding is (0) show after resizing."""
    return np.ones((1, h, w, 1), dtype=np.float32)


def _old_stretch(x: np.ndarray, h: int, w: int) -> np.ndarray:
    """The resize every run used before the policy existed: PIL bilinear per channel, float mode."""
    from PIL import Image

    out = np.empty((x.shape[0], h, w, x.shape[3]), dtype=np.float32)
    for i in range(x.shape[0]):
        for c in range(x.shape[3]):
            img = Image.fromarray(np.ascontiguousarray(x[i, :, :, c]), mode="F")
            out[i, :, :, c] = np.asarray(img.resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32)
    return out


def test_stretch_is_todays_resize():
    x = np.random.default_rng(0).random((2, 70, 90, 3)).astype(np.float32)
    assert np.array_equal(resize(x, (128, 128), "stretch"), _old_stretch(x, 128, 128))
    assert np.array_equal(resize(x, (128, 128)), _old_stretch(x, 128, 128))  # the default


def test_letterbox_keeps_the_aspect_ratio_of_a_90x70_image():
    out = resize(_image(70, 90), (128, 128), "letterbox")[0, :, :, 0]
    rows = np.flatnonzero(out.max(axis=1) > 0.5)
    cols = np.flatnonzero(out.max(axis=0) > 0.5)
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    assert width == 128 and height == round(70 * 128 / 90) == 100
    assert abs(width / height - 90 / 70) < 0.02
    assert rows[0] == (128 - 100) // 2 and out[: rows[0]].max() == 0 and out[rows[-1] + 1:].max() == 0  # centred, black


def test_crop_takes_the_centre_at_the_target_aspect_ratio():
    x = np.zeros((1, 70, 90, 1), dtype=np.float32)
    x[0, :, :10] = 9.0  # a band at the left edge: crop cuts it off (90 -> 70 wide)
    x[0, :, 40:50] = 5.0  # the centre survives
    out = resize(x, (70, 70), "crop")[0, :, :, 0]
    assert out.shape == (70, 70) and out.max() == 5.0 and out[:, 30:40].min() == 5.0


@pytest.mark.parametrize("policy", RESIZE_POLICIES)
def test_a_square_image_at_a_square_size_is_the_same_under_every_policy(policy):
    x = np.random.default_rng(1).random((1, 20, 20, 1)).astype(np.float32)
    assert np.array_equal(resize(x, (32, 32), policy), _old_stretch(x, 32, 32))


def test_preprocess_applies_the_recorded_policy_and_old_records_stretch():
    raw = np.random.default_rng(2).integers(0, 256, (1, 70, 90), dtype=np.uint8)
    pre = {"size": [32, 32], "channels": 1, "mean": [0.0], "std": [1.0], "scale": 1.0, "resize": "bilinear"}
    old = preprocess(raw, pre)  # a record from before the policy: stretch
    assert np.array_equal(old, preprocess(raw, dict(pre, resize_policy="stretch")))
    boxed = preprocess(raw, dict(pre, resize_policy="letterbox"))
    assert np.array_equal(boxed[0].transpose(1, 2, 0), to_raw(raw, (32, 32), 1, "letterbox")[0])
    assert not np.array_equal(boxed, old)
    with pytest.raises(EdgeCReLUError, match="unknown resize policy 'squash'"):
        preprocess(raw, dict(pre, resize_policy="squash"))


@pytest.mark.parametrize("policy", RESIZE_POLICIES)
def test_the_shipped_script_resizes_as_training_did(policy):
    pytest.importorskip("onnxruntime")  # the script imports it at the top
    path = Path(__file__).resolve().parents[2] / "edgecrelu" / "ship" / "infer_onnxruntime.py"
    spec = importlib.util.spec_from_file_location("shipped_infer", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    x = np.random.default_rng(3).random((1, 70, 90, 3)).astype(np.float32) * 255
    assert np.array_equal(mod.resize(x[0], 64, 48, policy), resize(x, (64, 48), policy)[0])
