"""μ per filter and the random baseline (numpy only: runs without torch)."""

import numpy as np
import pytest

from edgecrelu.analysis.phase_pairing import mu_of, partners, random_baseline, summary
from edgecrelu.errors import EdgeCReLUError


def _pm_pairs(n_pairs, shape, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n_pairs, *shape))
    scales = rng.uniform(0.5, 2.0, size=(n_pairs, 1, 1, 1))
    return np.concatenate([base, -scales * base])  # phi and a scaled -phi


def test_exact_plus_minus_pairs_give_mu_minus_one_for_every_filter():
    w = _pm_pairs(8, (3, 3, 3))
    mu = mu_of(w)
    assert mu.shape == (16,)
    np.testing.assert_allclose(mu, -1.0, atol=1e-12)
    part = partners(w)
    assert list(part[:8]) == list(range(8, 16)) and list(part[8:]) == list(range(8))
    s = summary(mu)
    assert s["share_below"] == 1.0 and s["hist"][0] == 16 and sum(s["hist"]) == 16


def test_without_partners_mu_is_not_minus_one():
    rng = np.random.default_rng(3)
    w = np.abs(rng.standard_normal((12, 2, 3, 3)))  # all in one orthant: no opposite filters at all
    assert (mu_of(w) > 0).all()


@pytest.mark.parametrize("shape", [(32, 1, 3, 3), (48, 16, 3, 3), (16, 3, 5, 5)])
def test_random_filters_match_the_random_baseline(shape):
    base = random_baseline(shape, draws=8, seed=0)
    rng = np.random.default_rng(12345)
    means = [mu_of(rng.standard_normal(shape)).mean() for _ in range(8)]
    # independent draws: their mean agrees within a few standard errors of the baseline's spread
    assert abs(np.mean(means) - base["mean"]) < 4 * base["mean_std"] / np.sqrt(8) + 0.01
    assert -1 < base["mean"] < 0 and base["mean_std"] > 0 and base["draws"] == 8
    # scaling filters changes nothing (cosines); pairs built from them sit far below the baseline
    assert mu_of(rng.standard_normal(shape) * 7.0).mean() > base["mean"] - 6 * base["mean_std"]
    assert mu_of(_pm_pairs(shape[0] // 2, shape[1:])).mean() < base["mean"] - 0.2


def test_baseline_depends_on_the_shape():
    few_dims = random_baseline((48, 1, 3, 3))["mean"]
    many_dims = random_baseline((48, 48, 3, 3))["mean"]
    assert few_dims < -0.5 < many_dims < 0  # 9-D filters: any random set has near-opposite members


def test_one_filter_is_refused():
    with pytest.raises(EdgeCReLUError, match="at least 2 filters"):
        mu_of(np.ones((1, 3, 3, 3)))


def test_zero_filter_has_mu_zero():
    w = np.concatenate([np.zeros((1, 9)), np.eye(9)[:3], -np.eye(9)[:3]])
    mu = mu_of(w)
    assert mu[0] == 0.0
    np.testing.assert_allclose(mu[1:], -1.0)
