"""Preprocessing: statistics from the training split only, repeatable in numpy on the target."""

import subprocess
import sys

import numpy as np
import pytest

from edgecrelu.data import load_dataset, preprocess
from edgecrelu.errors import EdgeCReLUError


@pytest.fixture(scope="module")
def digits16():
    load_digits = pytest.importorskip("sklearn.datasets").load_digits

    return load_dataset("digits", size=16), load_digits().images


def test_stats_come_from_train_split_only(digits16):
    ds, raw = digits16
    # recompute at the native 8 px (resizing changes the statistics) for the exact index sets
    ds8 = load_dataset("digits", size=8)
    train = raw[ds8.indices["train"]] / 16.0
    assert ds8.preprocessing["mean"][0] == pytest.approx(train.mean(), rel=1e-9)
    assert ds8.preprocessing["std"][0] == pytest.approx(train.std(), rel=1e-9)
    everything = raw / 16.0
    assert ds8.preprocessing["mean"][0] != pytest.approx(everything.mean(), rel=1e-6)
    assert abs(float(ds.x_train.mean())) < 1e-5 and float(ds.x_train.std()) == pytest.approx(1.0, abs=1e-4)
    assert abs(float(ds.x_test.mean())) > 1e-4  # the held-out split is not re-centred on itself


def test_preprocess_reproduces_the_dataset_exactly(digits16):
    ds, raw = digits16
    again = preprocess(raw[ds.indices["test"]], ds.preprocessing)
    assert again.dtype == np.float32 and again.shape == ds.x_test.shape
    assert np.array_equal(again, ds.x_test)
    one = preprocess(raw[ds.indices["test"][0]], ds.preprocessing)  # a single (H, W) image
    assert np.array_equal(one[0], ds.x_test[0])


def test_preprocess_layouts_and_channels():
    pre = {"size": [4, 4], "channels": 3, "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25], "scale": 1 / 255}
    rng = np.random.default_rng(0)
    nhwc = rng.integers(0, 256, (2, 4, 4, 3), dtype=np.uint8)
    a = preprocess(nhwc, pre)
    b = preprocess(nhwc.transpose(0, 3, 1, 2), pre)
    assert a.shape == (2, 3, 4, 4) and np.array_equal(a, b)
    assert np.allclose(a, (nhwc.transpose(0, 3, 1, 2) / 255 - 0.5) / 0.25, atol=1e-6)
    grey = preprocess(nhwc[..., 0], pre)  # grey -> RGB repeats the channel
    assert np.array_equal(grey[:, 0], grey[:, 2])
    to_grey = preprocess(nhwc, dict(pre, channels=1, mean=[0.5], std=[0.25]))
    luma = nhwc @ np.array([0.299, 0.587, 0.114])
    assert np.allclose(to_grey[:, 0], (luma / 255 - 0.5) / 0.25, atol=1e-5)
    with pytest.raises(EdgeCReLUError, match="malformed"):
        preprocess(nhwc, {"mean": [0]})
    with pytest.raises(EdgeCReLUError, match="expected"):
        preprocess(np.zeros((2, 5, 4, 4)), pre)


def test_data_package_runs_without_torch(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.arange(20 * 36, dtype=np.uint8).reshape(20, 6, 6), y=np.arange(20) % 2)
    code = (
        "import sys\n"
        "for m in ('torch', 'sklearn'):\n"
        "    sys.modules[m] = None\n"
        "from edgecrelu.data import load_dataset, preprocess\n"
        f"ds = load_dataset('npz:{tmp_path / 'd.npz'}', size=6)\n"
        "print(preprocess(ds.x_train[:1, 0] * 0, ds.preprocessing).shape)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(1, 1, 6, 6)"
