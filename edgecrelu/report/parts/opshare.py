"""Where the time goes: per-op-type shares of kernel time (ONNX Runtime's profiler, a separate short
run after each cell's timed trials) and, for INT8 on the CPU, how many convs run as QLinearConv.

Under it, for each CReLU cell whose variant saves MACs (at its chosen form): how much of that saving
became time, and where the rest went, from the op profiles of the cell and of ReLU at the same
precision, batch and backend (:func:`edgecrelu.realisation.realisation_breakdown`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from edgecrelu import stats
from edgecrelu.realisation import realisation_breakdown
from edgecrelu.report import fmt
from edgecrelu.report.blocks import Column, Heading, Paragraph, Table
from edgecrelu.report.rows import table_rows

if TYPE_CHECKING:
    from edgecrelu.report.blocks import Block
    from edgecrelu.report.model import Report, SectionReport

TOP = 4  # op types shown per cell


def _convs(ops: dict) -> str:
    c = ops.get("convs")
    return f"{c['qlinear']} / {c['qlinear'] + c['float']}" if c else "—"


def _text(name: str, **kw) -> Column:
    return Column(name, text=True, **kw)


def cells(sr: SectionReport) -> Table:
    columns = [_text("variant"), _text("form"), _text("precision"), Column("batch"), Column("p50 ms"),
               _text("QLinearConv / convs"), _text("time by op type")]
    body = []
    for r in sr.rows:
        ops = r.record.get("ops")
        if not ops or not ops.get("shares"):
            continue
        # records are written with sorted keys: order by share again, largest first, equal shares by name
        by_share = sorted(ops["shares"].items(), key=lambda kv: (-kv[1], kv[0]))
        top = ", ".join(f"{op} {share:.0%}" for op, share in by_share[:TOP])
        body.append([r.variant, r.form, r.precision, str(r.batch), fmt.ms(r.p50), _convs(ops), top])
    return Table(columns, body)


def _op_ms(row) -> dict[str, float] | None:
    """The op profile's shares applied to the cell's p50: each profile is a separate short run at its
    own moment, so its absolute times wander between cells; its shares and the timed p50 do not."""
    ops = row.record.get("ops") or {}
    if not ops.get("shares") or not row.p50:
        return None
    return {op: share * row.p50 for op, share in ops["shares"].items()}


def _variant_macs(row):
    return (row.record.get("memory") or {}).get("macs")


def realisation(sr: SectionReport) -> Table:
    """One row per CReLU cell at its chosen form whose variant has fewer MACs than ReLU and that has an
    op profile, as has ReLU's cell (same backend, precision, batch)."""
    columns = [_text("variant"), _text("form"), _text("precision"), Column("batch"), Column("MAC ratio"),
               Column("p50 ratio"), Column("realised"), Column("MAC-op time ratio"),
               _text("added ops, % of ReLU's p50", wrap=True)]
    relu = {(r.backend, r.precision, r.batch): r for r in sr.rows if r.kind == "relu"}
    body = []
    for r in table_rows(sr.rows):
        base = relu.get((r.backend, r.precision, r.batch))
        if not r.is_crelu or base is None:
            continue
        mine, theirs = _op_ms(r), _op_ms(base)
        macs, base_macs = _variant_macs(r), _variant_macs(base)
        if not (mine and theirs and macs and base_macs) or macs >= base_macs:
            continue
        ratio = macs / base_macs
        b = realisation_breakdown(theirs, mine, ratio)
        paired = stats.paired_ratio(base.record, r.record, "p50")  # the same rounds: the paired estimate
        p50_ratio = paired.ratio if paired is not None else (r.p50 / base.p50 if r.p50 and base.p50 else None)
        # the breakdown's parts are in points of the saving; here they are shares of ReLU's time
        by_op = ", ".join(f"{op} {v * (1 - ratio):+.1%}" for op, v in list(b["extra_by_op"].items())[:3])
        added = f"{b['extra_ops'] * (1 - ratio):+.1%}" + (f" ({by_op})" if by_op else "")
        body.append([r.variant, r.form, r.precision, str(r.batch), f"{ratio:.3f}",
                     "—" if p50_ratio is None else f"{p50_ratio:.3f}",
                     "—" if p50_ratio is None else f"{(1 - p50_ratio) / (1 - ratio):.0%}",
                     "—" if b["mac_op_ratio"] is None else f"{b['mac_op_ratio']:.3f}", added])
    return Table(columns, body)


REALISATION_NOTE = ("Realised: the share of the MAC saving that became time, (1 − p50 ratio) / (1 − MAC ratio), "
                    "against ReLU at the same precision and batch. With each cell's op shares applied to its "
                    "p50: the time of the MAC ops (convs, GEMMs) against ReLU's, near the MAC ratio where the "
                    "kernels shrink with their MACs, and the time of the ops the form adds (negative: one it "
                    "runs less of), as a share of ReLU's p50.")


def blocks(sr: SectionReport, report: Report) -> list[Block]:
    ops = cells(sr)
    if not ops.rows:
        return []
    out: list[Block] = [Heading("Where the time goes (ONNX Runtime op profile)"), ops]
    real = realisation(sr)
    if real.rows:
        out += [Heading("How much of the MAC saving became time", 4), Paragraph(REALISATION_NOTE), real]
    return out
