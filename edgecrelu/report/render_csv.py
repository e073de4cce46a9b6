"""results.csv: one row per record (every form of a CReLU cell, the chosen one marked), plain
machine-readable numbers (ms, MB, fractions)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from edgecrelu.report.context import cell_noise, latency_covered

if TYPE_CHECKING:
    from edgecrelu.report.model import Report, SectionReport
    from edgecrelu.report.rows import Row

COLUMNS = [
    "device", "machine", "variant", "kind", "form", "precision", "backend", "batch", "top1", "top1_ci_low",
    "top1_ci_high", "n", "delta_top1_pts", "delta_significant", "agreement_top1", "max_abs_diff", "p50_ms",
    "p99_ms", "p50_ms_low", "p50_ms_high", "p99_ms_low", "p99_ms_high", "gpu_p50_ms", "h2d_p50_ms",
    "d2h_p50_ms", "p50_ratio", "throughput_ips",
    "model_mb", "peak_mb", "peak_source", "params", "macs", "power_mw", "mj_per_inference", "baseline",
    "pareto_latency", "pareto_memory", "violations", "unclear", "delta_top1_low", "delta_top1_high",
    "accuracy_paired", "p50_ratio_low", "p50_ratio_high", "p99_ms_ci_low", "p99_ms_ci_high", "unsupported_percentiles",
    "macs_source", "params_source", "p50_ratio_covers_1", "unstable",
    "chosen_form", "runner_up_form", "runner_up_p50_ms", "runner_up_margin", "runner_up_significant",
]


def row_dict(sr: SectionReport, r: Row) -> dict[str, Any]:
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
        "unclear": ";".join(r.unclear),
        "delta_top1_low": r.acc_ci.lo if r.acc_ci else None, "delta_top1_high": r.acc_ci.hi if r.acc_ci else None,
        "accuracy_paired": r.acc_ci.paired if r.acc_ci else None,
        "p50_ratio_low": r.p50_ratio_ci.lo if r.p50_ratio_ci else None,
        "p50_ratio_high": r.p50_ratio_ci.hi if r.p50_ratio_ci else None,
        "p99_ms_ci_low": r.p99_ci[0] if r.p99_ci else None, "p99_ms_ci_high": r.p99_ci[1] if r.p99_ci else None,
        "unsupported_percentiles": ";".join(r.percentile_flags),
        "macs_source": r.macs_source, "params_source": r.params_source,
        "p50_ratio_covers_1": latency_covered(r) if r.p50_ratio_ci else None,
        "unstable": cell_noise(r.record)[2],
        **_choice(r),
    }


def _choice(r) -> dict:
    """Every record stays a row; ``chosen_form`` says which form stands for its CReLU cell (True /
    False; None where no choice is made, as for relu) and the chosen row carries its runner-up."""
    f = r.form_choice
    if not r.chosen or not f.runner_up:
        return {"chosen_form": r.chosen, "runner_up_form": None, "runner_up_p50_ms": None, "runner_up_margin": None,
                "runner_up_significant": None}
    return {"chosen_form": True, "runner_up_form": f.runner_up, "runner_up_p50_ms": f.runner_up_p50,
            "runner_up_margin": f.margin, "runner_up_significant": f.significant}


def render_csv(report: Report) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for sr in report.sections:
        for r in sr.rows:
            w.writerow({k: ("" if v is None else v) for k, v in row_dict(sr, r).items()})
    return buf.getvalue()
