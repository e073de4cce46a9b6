"""The report's block model: a table's rows fit its named columns, and columns equal on every row
fold into a line."""

from __future__ import annotations

import pytest

from edgecrelu.report.blocks import Column, Table

COLS = [Column("variant", text=True), Column("prec", text=True), Column("p50 ms")]


def test_a_row_that_does_not_fit_the_columns_is_refused():
    with pytest.raises(ValueError, match="a row of 2 cells in a table of 3 columns"):
        Table(COLS, [["relu", "fp32", "1.00"], ["relu", "fp32"]])


def test_of_writes_each_cell_beside_its_column():
    t = Table.of([1, 22], [(Column("n"), str), (Column("double", text=True), lambda x: str(2 * x))])
    assert t.headers == ["n", "double"] and t.rows == [["1", "2"], ["22", "44"]]
    assert [c.text for c in t.columns] == [False, True]


def test_collapse_folds_constant_columns_except_those_kept():
    t = Table(COLS, [["relu", "fp32", "1.00"], ["crelu@2", "fp32", "1.00"]], row_css=["base", ""], css="x")
    folded, same = t.collapse(keep=("p50 ms",))
    assert same == ["prec: fp32"] and folded.headers == ["variant", "p50 ms"]
    assert folded.columns[0].text and not folded.columns[1].text  # columns keep their kind
    assert (folded.row_css, folded.css) == (["base", ""], "x")
    assert t.collapse()[1] == ["prec: fp32", "p50 ms: 1.00"]
    one = Table(COLS, [["relu", "fp32", "1.00"]])
    assert one.collapse() == (one, [])  # one row: nothing is "the same on every row"
