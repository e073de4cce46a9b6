"""The depth rule: leading sites clearly below the random baseline."""

from edgecrelu.analysis.recommend import MARGIN, is_paired, recommend


def _site(mean, rmean=-0.3, rstd=0.01):
    return {"mean": mean, "random": {"mean": rmean, "mean_std": rstd}}


def test_leading_run_of_paired_sites():
    rec = recommend([_site(-0.8), _site(-0.6), _site(-0.31), _site(-0.9)])
    assert rec["depth"] == 2 and rec["variant"] == "crelu-half@2"
    assert rec["paired"] == [True, True, False, True]  # the 4th does not extend the leading run
    assert str(MARGIN) in rec["rule"]


def test_no_pairing_keeps_relu():
    rec = recommend([_site(-0.35), _site(-0.9)])
    assert rec["depth"] == 0 and rec["variant"] == "relu"


def test_noisy_baseline_needs_a_larger_gap():
    assert is_paired(-0.45, -0.3, 0.01)
    assert not is_paired(-0.45, -0.3, 0.06)  # 0.15 is not beyond 3 standard deviations of 0.06
    assert not is_paired(-0.35, -0.3, 0.0)  # below random, but by less than the margin
