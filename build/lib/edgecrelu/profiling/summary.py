"""The table ``edgecrelu profile`` prints after a run: one row per record."""

from __future__ import annotations

from edgecrelu.results import Cell

SUMMARY_HEADERS = ("variant", "form", "precision", "backend", "batch", "p50 ms", "p99 ms", "CoV", "ips",
                   "top1", "agree")
STAGE_HEADERS = ("gpu p50 ms", "h2d p50 ms", "d2h p50 ms")  # shown when a backend times stages (GPU)


def _stage_p50(rec: dict, name: str) -> str:
    s = (rec.get("stages_ms") or {}).get(name) or {}
    return "" if s.get("p50") is None else f"{s['p50']:.4g}"


def summary_rows(records: list[dict], stages: bool = False) -> list[list]:
    rows = []
    for r in sorted(records, key=lambda r: Cell.from_dict(r["cell"])):
        c, lat, acc = r["cell"], r["latency_ms"], r.get("accuracy") or {}
        row = [c["variant"], c["form"], c["precision"], c["backend"], c["batch"],
               f"{lat['p50']:.4g}", f"{lat['p99']:.4g}", f"{lat['cov']:.1%}", f"{r['throughput_ips']:.4g}",
               "" if acc.get("top1") is None else f"{acc['top1']:.3f}",
               "" if acc.get("agreement_top1") is None else f"{acc['agreement_top1']:.3f}"]
        if stages:
            row += [_stage_p50(r, n) for n in ("compute", "h2d", "d2h")]
        rows.append(row)
    return rows


def summary_table(records: list[dict], tablefmt: str = "simple") -> str:
    from tabulate import tabulate

    stages = any(r.get("stages_ms") for r in records)
    headers = SUMMARY_HEADERS + (STAGE_HEADERS if stages else ())
    return tabulate(summary_rows(records, stages), headers=headers, tablefmt=tablefmt, disable_numparse=True)
