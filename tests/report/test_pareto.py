"""Pareto fronts: accuracy up, cost down."""

from edgecrelu.report.pareto import pareto_front


def test_front():
    pts = [(0.97, 1.0), (0.96, 0.5), (0.95, 0.6), (0.97, 1.2), (0.98, 3.0), (None, 0.1)]
    assert pareto_front(pts) == [True, True, False, False, True, False]


def test_ties_are_all_on_the_front():
    assert pareto_front([(0.9, 1.0), (0.9, 1.0)]) == [True, True]
