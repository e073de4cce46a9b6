"""Each data source loads: digits, imagefolder (digits PNGs), cifar10 pickle batches, npz."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from edgecrelu.data import load_dataset, preprocess
from edgecrelu.errors import EdgeCReLUError

from .helpers import write_cifar10, write_imagefolder


def _total(ds) -> int:
    return len(ds.y_train) + len(ds.y_val) + len(ds.y_test)


def test_digits_is_the_real_sklearn_set():
    pytest.importorskip("sklearn")
    ds = load_dataset("digits", size=8)
    assert _total(ds) == 1797 and ds.class_names == tuple(str(i) for i in range(10))
    assert ds.x_train.dtype == np.float32 and ds.x_train.shape[1:] == (1, 8, 8)
    assert ds.y_train.dtype == np.int64 and ds.preprocessing["scale"] == 1 / 16
    again = load_dataset("digits", size=8)
    assert again.sha256 == ds.sha256 and len(ds.sha256) == 64
    assert np.array_equal(again.x_test, ds.x_test)


def test_digits_resized_to_size():
    pytest.importorskip("sklearn")
    ds = load_dataset("digits", size=20)
    assert ds.x_val.shape[1:] == (1, 20, 20) and ds.preprocessing["size"] == [20, 20]
    assert load_dataset("digits", size=20, channels=3).x_val.shape[1:] == (3, 20, 20)


def test_imagefolder_from_digit_pngs(tmp_path):
    x, y = write_imagefolder(tmp_path / "folder", n_per_class=10)
    ds = load_dataset(f"imagefolder:{tmp_path / 'folder'}", size=8)
    assert ds.class_names == ("digit_0", "digit_1", "digit_2") and _total(ds) == 30
    assert ds.preprocessing["channels"] == 1 and ds.preprocessing["scale"] == 1 / 255
    # files are read in sorted order, which is the order they were written in
    assert np.array_equal(ds.x_test, preprocess(x[ds.indices["test"]], ds.preprocessing))
    assert np.array_equal(ds.y_test, y[ds.indices["test"]])


def test_imagefolder_mixed_grey_and_rgb_resized(tmp_path):
    write_imagefolder(tmp_path / "f", n_per_class=8, rgb_class=2)
    ds = load_dataset(f"imagefolder:{tmp_path / 'f'}", size=12)
    assert ds.x_train.shape[1:] == (3, 12, 12)  # any colour image makes the set RGB
    grey = load_dataset(f"imagefolder:{tmp_path / 'f'}", size=12, channels=1)
    assert grey.x_train.shape[1:] == (1, 12, 12) and grey.sha256 == ds.sha256


def test_imagefolder_bad_images_are_skipped_and_every_one_listed(tmp_path):
    root = tmp_path / "f"
    write_imagefolder(root, n_per_class=6)
    clean = load_dataset(f"imagefolder:{root}", size=8)
    good = (root / "digit_1" / "006.png").read_bytes()
    (root / "digit_1" / "zz_truncated.png").write_bytes(good[: len(good) // 2])  # valid header, cut data
    (root / "digit_0" / "zz_garbage.jpg").write_bytes(b"not an image at all")
    ds = load_dataset(f"imagefolder:{root}", size=8)
    assert ds.n_bad == 2 and _total(ds) == 18
    assert sorted(os.path.basename(f) for f in ds.bad_files) == ["zz_garbage.jpg", "zz_truncated.png"]
    reasons = {s.path: s.reason for s in ds.skipped}
    assert reasons["digit_0/zz_garbage.jpg"].startswith("unreadable: not an image PIL can identify")
    assert reasons["digit_1/zz_truncated.png"].startswith("unreadable: ")
    assert ds.sha256 == clean.sha256  # the hash covers the files used, not the ones skipped


def test_imagefolder_needs_class_folders(tmp_path):
    (tmp_path / "only").mkdir()
    write_imagefolder(tmp_path / "one", n_per_class=2)
    with pytest.raises(EdgeCReLUError, match="has no PNG/JPEG/BMP images"):
        load_dataset(f"imagefolder:{tmp_path}", size=8)  # 'only' is an empty class folder


def test_cifar10_pickle_batches(tmp_path):
    made = write_cifar10(tmp_path / "cifar-10-batches-py", per_batch=20)
    ds = load_dataset(f"cifar10:{tmp_path}", size=32)  # the parent folder works too
    assert ds.class_names[0] == "airplane" and ds.x_train.shape[1:] == (3, 32, 32)
    assert _total(ds) == 120 and len(ds.y_test) == 20  # the official test batch is the test split
    data, labels = made["test_batch"]
    assert np.array_equal(ds.y_test, labels)
    raw = data.reshape(-1, 3, 32, 32)
    assert np.array_equal(ds.x_test, preprocess(raw, ds.preprocessing))  # (N,C,H,W) raw accepted
    small = load_dataset(f"cifar10:{tmp_path / 'cifar-10-batches-py'}", size=16, channels=1)
    assert small.x_val.shape[1:] == (1, 16, 16)


def test_cifar10_refuses_code_in_pickles_and_missing_batches(tmp_path):
    write_cifar10(tmp_path, per_batch=10)

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    with open(tmp_path / "data_batch_3", "wb") as f:
        pickle.dump({b"data": Evil(), b"labels": [0]}, f)
    with pytest.raises(EdgeCReLUError, match="data_batch_3.*refusing to load"):
        load_dataset(f"cifar10:{tmp_path}", size=32)
    (tmp_path / "test_batch").unlink()
    with pytest.raises(EdgeCReLUError, match="lacks test_batch"):
        load_dataset(f"cifar10:{tmp_path}", size=32)


@pytest.mark.parametrize("layout", ["nhw", "nhwc", "nchw"])
def test_npz_layouts(tmp_path, layout):
    rng = np.random.default_rng(0)
    n = 40
    y = np.repeat([3, 7], n // 2)  # labels need not start at 0: compacted, named by value
    if layout == "nhw":
        x = rng.integers(0, 256, (n, 10, 10), dtype=np.uint8)
    elif layout == "nhwc":
        x = rng.random((n, 10, 10, 3), dtype=np.float32)
    else:
        x = rng.random((n, 3, 10, 10), dtype=np.float32)
    np.savez(tmp_path / "d.npz", x=x, y=y)
    ds = load_dataset(f"npz:{tmp_path / 'd.npz'}", size=10)
    assert ds.class_names == ("3", "7") and set(ds.y_train.tolist()) == {0, 1}
    assert ds.x_train.shape[1:] == ((1, 10, 10) if layout == "nhw" else (3, 10, 10))
    assert ds.preprocessing["scale"] == (1 / 255 if layout == "nhw" else 1.0)
    assert np.array_equal(ds.x_val, preprocess(x[ds.indices["val"]], ds.preprocessing))


def test_npz_bad_contents(tmp_path):
    np.savez(tmp_path / "noy.npz", x=np.zeros((4, 8, 8)))
    with pytest.raises(EdgeCReLUError, match="must hold arrays 'x' and 'y'"):
        load_dataset(f"npz:{tmp_path / 'noy.npz'}", size=8)
    np.savez(tmp_path / "len.npz", x=np.zeros((4, 8, 8)), y=np.zeros(3, dtype=int))
    with pytest.raises(EdgeCReLUError, match="4 images but 'y' has 3"):
        load_dataset(f"npz:{tmp_path / 'len.npz'}", size=8)
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(EdgeCReLUError, match="cannot read"):
        load_dataset(f"npz:{tmp_path / 'junk.npz'}", size=8)


def test_unknown_and_malformed_specs(tmp_path):
    with pytest.raises(EdgeCReLUError, match=r"unknown data source 'mnist'; choose one of: cifar10:PATH, digits"):
        load_dataset("mnist", size=8)
    with pytest.raises(EdgeCReLUError, match="needs a path"):
        load_dataset("imagefolder", size=8)
    with pytest.raises(EdgeCReLUError, match="does not exist"):
        load_dataset(f"npz:{tmp_path / 'missing.npz'}", size=8)
    with pytest.raises(EdgeCReLUError, match="takes no path"):
        load_dataset("digits:/x", size=8)
