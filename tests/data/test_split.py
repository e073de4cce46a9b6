"""The split is deterministic, disjoint, complete and stratified."""

import numpy as np
import pytest

from edgecrelu.data import load_dataset, stratified_split


def test_split_deterministic_disjoint_complete():
    labels = np.repeat(np.arange(5), [100, 40, 7, 3, 1])
    a = stratified_split(labels, seed=3)
    b = stratified_split(labels, seed=3)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    allidx = np.concatenate([a["train"], a["val"], a["test"]])
    assert len(allidx) == len(labels) and len(np.unique(allidx)) == len(labels)
    c = stratified_split(labels, seed=4)
    assert not np.array_equal(a["test"], c["test"])
    for cls in range(5):  # every class keeps a training example
        assert (labels[a["train"]] == cls).any()


def test_split_is_stratified():
    labels = np.repeat(np.arange(4), [200, 100, 60, 40])
    s = stratified_split(labels, seed=0)
    for k, frac in (("val", 0.15), ("test", 0.15), ("train", 0.70)):
        counts = np.bincount(labels[s[k]], minlength=4)
        assert np.allclose(counts, frac * np.bincount(labels), atol=1)


def test_dataset_split_same_for_same_seed_and_differs_otherwise():
    pytest.importorskip("sklearn")
    a = load_dataset("digits", size=8, seed=0)
    b = load_dataset("digits", size=8, seed=0)
    c = load_dataset("digits", size=8, seed=1)
    assert np.array_equal(a.indices["test"], b.indices["test"]) and np.array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.indices["test"], c.indices["test"])
    assert a.sha256 == c.sha256  # same source, other split
    per_class = np.bincount(a.y_test, minlength=10)
    assert per_class.min() >= 26 and per_class.max() <= 28  # 15 % of each class (~180 per class)
