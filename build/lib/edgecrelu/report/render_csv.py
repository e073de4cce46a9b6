"""results.csv: one row per cell, plain machine-readable numbers (ms, MB, fractions)."""

from __future__ import annotations

import csv
import io

COLUMNS = [
    "device", "machine", "variant", "kind", "form", "precision", "backend", "batch", "top1", "top1_ci_low",
    "top1_ci_high", "n", "delta_top1_pts", "delta_significant", "agreement_top1", "max_abs_diff", "p50_ms",
    "p99_ms", "p50_ms_low", "p50_ms_high", "p99_ms_low", "p99_ms_high", "gpu_p50_ms", "h2d_p50_ms",
    "d2h_p50_ms", "p50_ratio", "throughput_ips",
    "model_mb", "peak_mb", "peak_source", "params", "macs", "power_mw", "mj_per_inference", "baseline",
    "pareto_latency", "pareto_memory", "violations",
]


def row_dict(sr, r) -> dict:
    def lo_hi(rng):
        return (None, None) if rng is None else rng

    ci_lo, ci_hi = lo_hi(r.top1_ci)
    p50_lo, p50_hi = lo_hi(r.p50_range)
    p99_lo, p99_hi = lo_hi(r.p99_range)
    return {
        "device": sr.section.device, "machine": sr.section.label, "variant": r.variant, "kind": r.kind,
        "form": r.form, "precision": r.precision, "backend": r.backend, "batch": r.batch, "top1": r.top1,
        "top1_ci_low": ci_lo, "top1_ci_high": ci_hi, "n": r.n, "delta_top1_pts": r.delta_top1_pts,
        "delta_significant": r.delta_significant, "agreement_top1": r.agreement, "max_abs_diff": r.max_abs_diff,
        "p50_ms": r.p50, "p99_ms": r.p99, "p50_ms_low": p50_lo, "p50_ms_high": p50_hi, "p99_ms_low": p99_lo,
        "p99_ms_high": p99_hi, "gpu_p50_ms": r.gpu_p50, "h2d_p50_ms": r.h2d_p50,
        "d2h_p50_ms": r.d2h_p50, "p50_ratio": r.p50_ratio, "throughput_ips": r.throughput, "model_mb": r.model_mb,
        "peak_mb": r.peak_mb, "peak_source": r.peak_source, "params": r.params, "macs": r.macs,
        "power_mw": r.power_mw, "mj_per_inference": r.mj_per_inference, "baseline": r.is_baseline,
        "pareto_latency": r.pareto_latency, "pareto_memory": r.pareto_memory, "violations": ";".join(r.violations),
    }


def render_csv(report) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for sr in report.sections:
        for r in sr.rows:
            w.writerow({k: ("" if v is None else v) for k, v in row_dict(sr, r).items()})
    return buf.getvalue()
