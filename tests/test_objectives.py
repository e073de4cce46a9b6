"""The objectives table: one entry per objective, and every list of objectives read from it."""

import dataclasses

import pytest

from edgecrelu import devices
from edgecrelu.objectives import NAMES, OBJECTIVES
from edgecrelu.report.rows import Row

ROW_FIELDS = {f.name for f in dataclasses.fields(Row)}


def test_the_policy_accepts_exactly_the_tables_objectives():
    assert devices.OBJECTIVES == NAMES == tuple(OBJECTIVES)
    assert devices.Decision().objective in OBJECTIVES


@pytest.mark.parametrize("name", NAMES)
def test_each_objective_reads_a_row_field_and_a_spread_it_has(name):
    o = OBJECTIVES[name]
    assert o.name == name and o.field in ROW_FIELDS
    assert o.spread in ("exact", "p50") or o.spread in ROW_FIELDS
    assert o.ratio_metric in (None, "p50", "p99") and "{pct}" in o.comparison and "{way}" in o.comparison
    assert "{pct}" in o.in_short and "{way}" in o.in_short
    assert (o.ratio_metric is None) == (o.spread == "exact")  # one measurement per cell: no latency ratio to lend an interval
