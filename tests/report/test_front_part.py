"""The accuracy-cost front with intervals, on hand-made points: a point leaves the front only when
another is shown better on both axes, and the sentence says whether CReLU extends the ReLU-only front."""

from edgecrelu.report.pareto import FrontPoint, extension, interval_front
from edgecrelu.report.parts.front import sentence


def P(label, crelu, acc, cost, acc_ci=None, cost_ci=None):
    return FrontPoint(label, crelu, acc, cost, acc_ci, cost_ci)


def test_a_point_leaves_the_front_only_when_shown_worse_on_both_axes():
    pts = [P("relu", False, 90.0, 10.0, (89.0, 91.0), (9.8, 10.2)),
           P("slow-worse", False, 85.0, 12.0, (84.0, 86.0), (11.8, 12.2)),  # relu's intervals exclude both values
           P("overlapping", False, 89.5, 10.5, (88.0, 91.0), (10.0, 11.0)),  # relu's accuracy interval holds 89.5
           P("cheap", False, 80.0, 5.0, (79.0, 81.0), (4.9, 5.1))]
    assert interval_front(pts) == [True, False, True, True]


def test_without_intervals_a_point_must_be_beaten_strictly_on_both_axes():
    pts = [P("a", False, 90.0, 10.0), P("b", False, 89.0, 11.0), P("c", False, 90.0, 9.0)]
    # b is beaten on both axes; a ties c on accuracy, so c is not *shown better on both* and a stays
    assert interval_front(pts) == [True, False, True]


RELU = [P("relu", False, 90.0, 10.0, (89.5, 90.5), (9.9, 10.1)),
        P("relu-w@2", False, 87.0, 8.0, (86.5, 87.5), (7.9, 8.1))]


def test_crelu_extends_the_front_below_every_relu_cost():
    pts = RELU + [P("crelu-half@2", True, 88.0, 6.0, (87.5, 88.5), (5.9, 6.1))]
    ext = extension(pts)
    assert ext.verdict == "extends" and ext.points == ("crelu-half@2",)
    assert ext.where == ("at a cost below every ReLU point's",)
    assert "extend the ReLU-only front: crelu-half@2 at a cost below" in sentence(pts, "p99 latency")


def test_crelu_between_the_relu_points_extends_where_it_beats_each_on_one_axis():
    pts = RELU + [P("crelu-half@2", True, 89.0, 9.0, (88.6, 89.4), (8.9, 9.1))]
    ext = extension(pts)
    assert ext.verdict == "extends"
    assert ext.where == ("between the ReLU points, cheaper than relu",)


def test_overlapping_intervals_leave_crelu_on_the_front_but_not_shown_to_extend_it():
    pts = RELU + [P("crelu-half@2", True, 86.8, 7.9, (85.0, 88.5), (7.0, 9.0))]
    assert interval_front(pts)[-1] is True
    ext = extension(pts)
    assert ext.verdict == "not shown" and ext.by == ("relu-w@2",)
    assert "not shown to extend" in sentence(pts, "p99 latency")


def test_crelu_shown_worse_on_both_axes_does_not_extend_it():
    pts = RELU + [P("crelu-half@2", True, 85.0, 9.0, (84.5, 85.5), (8.9, 9.1))]
    assert interval_front(pts)[-1] is False
    ext = extension(pts)
    assert ext.verdict == "no" and ext.by == ("relu-w@2",)
    assert "do not extend the ReLU-only front: each is shown worse on both axes (crelu-half@2 by relu-w@2)" in \
        sentence(pts, "p99 latency")
