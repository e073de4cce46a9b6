"""Where the time goes: per-op-type shares of kernel time (ONNX Runtime's profiler, a separate short
run after each cell's timed trials) and, for INT8 on the CPU, how many convs run as QLinearConv."""

from __future__ import annotations

from edgecrelu.report import fmt
from edgecrelu.report.markup import e, html_table, md_table

TOP = 4  # op types shown per cell


def _convs(ops: dict) -> str:
    c = ops.get("convs")
    return f"{c['qlinear']} / {c['qlinear'] + c['float']}" if c else "—"


def cells(sr) -> tuple[list[str], list[list[str]]]:
    headers = ["variant", "form", "precision", "batch", "p50 ms", "QLinearConv / convs", "time by op type"]
    body = []
    for r in sr.rows:
        ops = r.record.get("ops")
        if not ops or not ops.get("shares"):
            continue
        # records are written with sorted keys: order by share again, largest first
        by_share = sorted(ops["shares"].items(), key=lambda kv: -kv[1])
        top = ", ".join(f"{op} {share:.0%}" for op, share in by_share[:TOP])
        body.append([r.variant, r.form, r.precision, str(r.batch), fmt.ms(r.p50), _convs(ops), top])
    return headers, body


def md(sr, report) -> list[str]:
    headers, body = cells(sr)
    if not body:
        return []
    return ["### Where the time goes (ONNX Runtime op profile)", "", md_table(headers, body), ""]


def html(sr, report) -> list[str]:
    headers, body = cells(sr)
    if not body:
        return []
    return [f"<h3>{e('Where the time goes (ONNX Runtime op profile)')}</h3>",
            html_table(headers, body, text_cols=(0, 1, 2, 5, 6))]
