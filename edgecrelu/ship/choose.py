"""Which configuration to ship: the one a GO verdict chose, or the cell ``--cell`` names."""

from __future__ import annotations

from dataclasses import dataclass

from edgecrelu.errors import EdgeCReLUError, unknown
from edgecrelu.results import Cell


@dataclass(frozen=True)
class Choice:
    record: dict  # the record of the shipped cell
    cell: Cell
    verdict: str  # GO | NO-GO | INCONCLUSIVE (of the records' device)
    sentence: str  # the verdict sentence
    chosen_by: str  # "verdict" | "--cell"
    device: str  # the section's label (device profile on host)
    row: object = None  # the report's table.Row of the cell (intervals)


def choose(results: tuple, cell_key: str | None = None, policy: str | None = None) -> Choice:
    from edgecrelu.report import ReportConfig, build_report

    res = build_report(ReportConfig(results=tuple(results), out=None, formats=(), policy=policy))
    assert res.report is not None  # build_report always analyses
    sections = res.report.sections
    if cell_key is not None:
        for sec in sections:
            for row in sec.rows:
                c = Cell.from_dict(row.record["cell"])
                if c.key == cell_key:
                    return Choice(row.record, c, sec.verdict.verdict, sec.verdict.sentence, "--cell",
                                  sec.section.label, row)
        keys = sorted({Cell.from_dict(r.record["cell"]).key for s in sections for r in s.rows})
        raise unknown("cell", cell_key, keys)
    if len(sections) > 1:
        raise EdgeCReLUError(f"the records hold {len(sections)} devices ({', '.join(s.section.label for s in sections)}); "
                             "ship one device's results at a time")
    (sec,) = sections
    v = sec.verdict
    if v.verdict != "GO" or v.best_crelu is None:
        best = v.best_overall
        hint = (f"; the best deployable configuration is {best.label}: --cell {Cell.from_dict(best.at.record['cell']).key}"
                if best is not None else "")
        raise EdgeCReLUError(f"the verdict is {v.verdict}, so no configuration was chosen to ship; pass --cell KEY to "
                             f"ship one anyway{hint}")
    rec = v.best_crelu.at.record
    return Choice(rec, Cell.from_dict(rec["cell"]), v.verdict, v.sentence, "verdict", sec.section.label,
                  v.best_crelu.at)
