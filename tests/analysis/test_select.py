"""Choosing the kept half of a site's filters from their responses."""

import numpy as np

from edgecrelu.analysis.select import select_half


def test_exact_pairs_keep_one_of_each_and_leave_no_residual():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 500))
    y = np.concatenate([a, -np.array([[2.0], [0.5], [1.5]]) * a])  # filters 3..5 = -s * filters 0..2
    sel = select_half(y)
    assert len(sel.keep) == 3
    assert sorted(k % 3 for k in sel.keep) == [0, 1, 2]  # one filter of each pair
    assert sel.residual < 1e-12 and sel.neg_share == 1.0
    for j, (pos, phase, s) in sel.stand_in.items():
        k = sel.keep[pos]
        assert phase == "neg" and k % 3 == j % 3
        np.testing.assert_allclose(np.maximum(y[j], 0), s * np.maximum(-y[k], 0), atol=1e-9)


def test_duplicates_are_stood_in_by_the_positive_phase():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((2, 400))
    y = np.concatenate([a, 3.0 * a])
    sel = select_half(y)
    assert all(phase == "pos" for _, phase, _ in sel.stand_in.values()) and sel.residual < 1e-12


def test_unrelated_filters_leave_a_residual():
    y = np.random.default_rng(2).standard_normal((8, 2000))
    sel = select_half(y)
    assert len(sel.keep) == 4 and sel.residual > 0.3
