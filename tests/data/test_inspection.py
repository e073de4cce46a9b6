"""The synthetic ``inspection`` source: deterministic per seed, balanced, every class in every split,
pixels in range, its options checked, and generated in seconds (numpy only, no torch)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from edgecrelu.data import load_dataset
from edgecrelu.data.sources import parse_spec, specs
from edgecrelu.data.sources.inspection import CLASSES, generate, parse_options
from edgecrelu.errors import EdgeCReLUError


def test_same_seed_same_pixels_other_seed_other_pixels():
    a, ya = generate(n=100, side=32, seed=3)
    b, yb = generate(n=100, side=32, seed=3)
    c, _ = generate(n=100, side=32, seed=4)
    assert np.array_equal(a, b) and np.array_equal(ya, yb)
    assert not np.array_equal(a, c)
    d1 = load_dataset("inspection:n=100,seed=3", size=32)
    d2 = load_dataset("inspection:n=100,seed=3", size=32)
    assert d1.sha256 == d2.sha256 and np.array_equal(d1.x_test, d2.x_test)
    assert load_dataset("inspection:n=100,seed=4", size=32).sha256 != d1.sha256


def test_classes_balanced_and_every_class_in_every_split():
    ds = load_dataset("inspection:n=500", size=32)
    assert ds.class_names == CLASSES == ("good", "scratch", "spot", "crack", "stain")
    all_y = np.concatenate([ds.y_train, ds.y_val, ds.y_test])
    assert np.bincount(all_y, minlength=5).tolist() == [100] * 5
    for split in (ds.y_train, ds.y_val, ds.y_test):
        counts = np.bincount(split, minlength=5)
        assert counts.min() >= 1 and counts.max() - counts.min() <= 1, counts


def test_pixels_in_range_and_not_flat():
    x, y = generate(n=250, side=48, difficulty=1.0, seed=1)
    assert x.dtype == np.uint8 and x.shape == (250, 48, 48) and y.dtype == np.int64
    assert x.std(axis=(1, 2)).min() > 2  # every image has texture, none is blank or saturated flat
    assert 40 < x.mean() < 215
    ds = load_dataset("inspection:n=100", size=32)
    assert ds.preprocessing["scale"] == pytest.approx(1 / 255) and ds.input_shape == (1, 32, 32)
    assert np.isfinite(ds.x_train).all()


def test_defects_change_pixels_and_difficulty_lowers_contrast():
    # The same draws with and without the defect differ only where a defect is: compare a defect
    # class's mean local deviation at difficulty 0 and 1 (lower contrast when harder).
    def defect_energy(difficulty):
        x, y = generate(n=400, side=32, difficulty=difficulty, seed=0)
        hp = x.astype(np.float32) - x.astype(np.float32).mean(axis=(1, 2), keepdims=True)
        return [float(np.abs(hp[y == k]).max(axis=(1, 2)).mean()) for k in range(5)]

    easy, hard = defect_energy(0.0), defect_energy(1.0)
    assert easy[CLASSES.index("spot")] > easy[CLASSES.index("good")]
    assert easy[CLASSES.index("spot")] - easy[0] > hard[CLASSES.index("spot")] - hard[0]


def test_side_option_renders_then_resizes():
    ds = load_dataset("inspection:n=50,side=64", size=32)
    assert ds.input_shape == (1, 32, 32) and ds.summary()["source"]["side"] == 64
    assert load_dataset("inspection:n=50", size=40).summary()["source"]["side"] == 40  # default: the input size


def test_generation_takes_seconds():
    # CPU time of this process (numpy renders on one thread), not wall time: on a shared CI box the
    # wall clock measures the neighbours. about 0.8 s of CPU per 1000 images at 32 px here.
    t = time.process_time()
    generate(n=2000, side=32)  # what `edgecrelu run` renders
    assert time.process_time() - t < 10


def test_summary_says_synthetic_and_names_the_set():
    s = load_dataset("inspection:n=50", size=32).summary()
    assert s["name"] == "inspection" and s["synthetic"] is True
    assert s["source"] == {"name": "inspection", "synthetic": True, "n": 50, "side": 32, "difficulty": 0.5, "seed": 0,
                           "test": 0}


def test_spec_and_option_errors_are_one_line():
    assert "inspection[:OPTIONS]" in specs()
    assert parse_spec("inspection") == ("inspection", None)
    assert parse_spec("inspection:n=10") == ("inspection", "n=10")
    assert parse_options("n=600, difficulty=0.25")["difficulty"] == 0.25
    for bad, match in [("n=3", "n must be at least 10"), ("colour=red", "bad option 'colour=red'"),
                       ("difficulty=2", "difficulty must be in 0..1"), ("n=lots", "option n needs a number"),
                       ("side=8", "side must be 16..512")]:
        with pytest.raises(EdgeCReLUError, match=match):
            load_dataset(f"inspection:{bad}", size=32)


def test_the_test_option_renders_an_eval_split_after_the_unchanged_n():
    from edgecrelu.data.dataset import load_dataset
    from edgecrelu.data.sources.common import Request
    from edgecrelu.data.sources.inspection import load

    base = load("n=100", Request((32, 32), 1))
    more = load("n=100,test=50", Request((32, 32), 1))
    assert base.test_indices is None and list(more.test_indices) == list(range(100, 150))
    assert (more.images[:100] == base.images).all() and (more.labels[:100] == base.labels).all()
    ds = load_dataset("inspection:n=100,test=50", size=32)
    assert len(ds.y_test) == 50 and len(ds.y_train) + len(ds.y_val) == 100
    assert sorted(np.bincount(ds.y_test)) == [10] * 5


def test_a_bad_test_size_is_one_line():
    from edgecrelu.data.sources.inspection import parse_options

    with pytest.raises(EdgeCReLUError, match="test must be 0 or"):
        parse_options("test=3")
