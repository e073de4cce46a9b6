"""Phase pairing of the profiled model (``pairing.json`` from ``edgecrelu analyze``, docs/contracts.md
"Pairing analysis", found beside the bundle when the report is analysed: ``report/pairing_file.py``):
μ histograms against random filters, the first layer's filters as images (``report/pairing_svg.py``),
the recommended CReLU depth and, where a conversion ran, its accuracies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from edgecrelu.report.blocks import Column, Figure, Heading, Paragraph, Table
from edgecrelu.report.pairing_svg import filters_svg, histogram_svg
from edgecrelu.variant import KINDS, split_name

if TYPE_CHECKING:
    from edgecrelu.report.blocks import Block
    from edgecrelu.report.model import Report, SectionReport


def _kind_first(variant: str) -> tuple:
    """Variants by kind in the order of ``variant.KINDS`` (relu, crelu, crelu-half), then by name."""
    kind = split_name(variant)[0]
    return (KINDS.index(kind) if kind in KINDS else len(KINDS), variant)


def _fmt(v, spec=".3f") -> str:
    return "-" if v is None else format(v, spec)


def stats_rows(data: dict) -> list[list[str]]:
    """One row per (variant, conv layer): mean μ and share below the threshold, vs random."""
    body = []
    summ = data.get("summary") or {}
    for variant in sorted(summ, key=_kind_first):
        s = summ[variant]
        for layer in s["layers"]:
            body.append([variant, layer["path"], str(layer.get("site") or "-"), layer.get("act") or "-",
                         "x".join(str(d) for d in layer["shape"]),
                         f"{_fmt(layer['mean'])} ± {_fmt(layer.get('mean_std'))}", _fmt(layer["random"]["mean"]),
                         f"{layer['share_below'] * 100:.0f} %", f"{layer['random']['share_below'] * 100:.0f} %",
                         "yes" if layer.get("paired") else "no"])
    return body


# also the terminal tables of ``edgecrelu analyze`` and ``convert`` (analysis/terminal_view.py)
COLUMNS = [Column("variant", text=True), Column("conv", text=True), Column("site"), Column("act", text=True),
           Column("filters"), Column("mean μ (± seeds)"), Column("random mean μ"), Column("share μ<thr"),
           Column("random share"), Column("paired")]
CONVERSION_COLUMNS = [Column("model", text=True), Column("test acc"), Column("epochs"), Column("note", text=True)]


def conversion_rows(conv: dict) -> list[list[str]]:
    out = []
    for row in conv.get("accuracies", []):
        out.append([row["model"], _fmt(row.get("test_acc"), ".4f"), str(row.get("epochs", "-")),
                    row.get("note", "")])
    return out


def _recommend_line(data: dict) -> str:
    rec = data.get("recommendation")
    if not rec:
        return "No ReLU model was analysed, so no CReLU depth is recommended."
    return f"Recommended: {rec['variant']} (depth {rec['depth']}). Rule: {rec['rule']}."


def blocks(sr: SectionReport, report: Report) -> list[Block]:
    if sr.pairing is None:
        return []
    data = sr.pairing.data
    out: list[Block] = [Heading("Phase pairing"), Paragraph(_recommend_line(data), source=str(sr.pairing.path))]
    if data.get("filters"):
        out.append(Figure([filters_svg(data["filters"])]))
    threshold = data.get("threshold", -0.5)
    hists = [histogram_svg(layer | {"threshold": threshold}, variant)
             for variant, s in data.get("summary", {}).items() for layer in s["layers"]
             if layer.get("site") and layer["site"] <= 4]
    if hists:
        out.append(Figure(hists))
    out.append(Table(COLUMNS, stats_rows(data)))
    if data.get("conversion"):
        out += [Paragraph("ReLU -> CReLU-half conversion (test accuracy):"),
                Table(CONVERSION_COLUMNS, conversion_rows(data["conversion"]))]
    return out
