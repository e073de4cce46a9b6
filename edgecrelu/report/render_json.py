"""report.json: the verdict, rows, policy and reproducibility, versioned."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from edgecrelu.report.context import (
    accuracy_line,
    all_records,
    data_facts,
    fallback_line,
    header_lines,
    noise_of,
    noise_of_sections,
)
from edgecrelu.report.decision import RULES
from edgecrelu.report.plain import in_plain_words
from edgecrelu.report.render_csv import row_dict

if TYPE_CHECKING:
    from edgecrelu.report.model import Report

SCHEMA_VERSION = 1
KIND = "edgecrelu-report"


def _clean(x):
    """JSON has no NaN / inf: write null."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def _candidate(c):
    if c is None:
        return None
    return {"label": c.label, "variant": c.at.variant, "form": c.at.form, "precision": c.at.precision,
            "backend": c.at.backend, "batch": c.at.batch, "value": c.value, "spread": c.spread}


def report_dict(report: Report) -> dict[str, Any]:
    secs = []
    for sr in report.sections:
        v = sr.verdict
        secs.append({
            "device": sr.section.device, "machine": sr.section.label, "key": list(sr.section.key),
            "verdict": {"verdict": v.verdict, "reason": v.reason, "sentence": v.sentence, "objective": v.objective,
                        "gain": v.gain, "significant": v.significant, "best_crelu": _candidate(v.best_crelu),
                        "best_relu": _candidate(v.best_relu), "best_overall": _candidate(v.best_overall),
                        "best_overall_sentence": v.best_overall_sentence, "crelu_total": v.crelu_total,
                        "crelu_passing": v.crelu_passing, "failures": v.failures,
                        "gain_interval": list(v.gain_ci) if v.gain_ci else None,
                        "ratio_interval": v.ratio_ci.to_dict() if v.ratio_ci else None,
                        "detectable_difference": v.detectable, "what_would_decide_it": v.decide_line or None,
                        "accuracy_interval": (v.best_crelu.row.acc_ci.to_dict()
                                              if v.best_crelu and v.best_crelu.row.acc_ci else None),
                        "in_short": in_plain_words(v, sr.policy), "measurement": list(v.measurement)},
            "recommended_forms": [dict(asdict(f), margin=f.margin) for f in v.forms],
            "policy": asdict(sr.policy),
            "baseline": {"variant": sr.baseline.variant, "form": sr.baseline.form,
                         "precision": sr.baseline.precision, "backend": sr.baseline.backend, "batch": 1},
            "cost": [asdict(c) for c in sr.costs],
            "warnings": sr.warnings,
            "noise": asdict(noise_of(sr.rows)),
            "accuracy_cannot_separate": accuracy_line(sr.rows),
            "provider_fallback": fallback_line(sr.rows),
            "reproducibility": sr.reproducibility,
        })
    return _clean({
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "created_utc": report.created_utc,
        "edgecrelu_version": report.edgecrelu_version,
        "commit": report.commit,
        "verdict": {"verdict": report.verdict, "outcome": report.verdict, "sentence": report.sentence,
                    "what_would_decide_it": [sr.verdict.decide_line for sr in report.sections if sr.verdict.decide_line],
                    "rules": list(RULES)},
        "data": data_facts(all_records(report)),
        "header": header_lines(report),
        "noise": asdict(noise_of_sections(report.sections)),
        "policy_source": report.policy_source,
        "policy": {sr.section.label: asdict(sr.policy) for sr in report.sections},
        "warnings": report.warnings,
        "sections": secs,
        "rows": [row_dict(sr, r) for sr in report.sections for r in sr.rows],
        "reproducibility": {"sections": {sr.section.label: sr.reproducibility for sr in report.sections},
                            "edgecrelu_version": report.edgecrelu_version, "commit": report.commit},
    })


def render_json(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, sort_keys=True, default=str) + "\n"
