"""The verdict from records timed in paired rounds: the same rule that stopped the profile run.

:func:`edgecrelu.sequential.status` over every CReLU cell (each form a cell; forms dropped as shown
slower than another form are dominated) against every ReLU cell of the baseline's sequence, with the
constraint states of the trade-off table's rows. The intervals are simultaneous over that family, so
the form that wins may be quoted with its own interval (README "How the verdict is measured").
Like :func:`~edgecrelu.report.decision.decide_trials` it writes no sentence (``verdict_words`` does).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from edgecrelu import sequential, stats
from edgecrelu.devices import Decision
from edgecrelu.objectives import OBJECTIVES
from edgecrelu.report.decision import (
    Candidate,
    Facts,
    Outcome,
    Reason,
    Rounds,
    Verdict,
    best_deployable,
    candidate,
    images_needed,
    quotable_unclear,
)
from edgecrelu.report.formchoice import FormChoice
from edgecrelu.report.rows import Row
from edgecrelu.results import Cell
from edgecrelu.variant import is_relu_kind


def _key(r: Row) -> str:
    return Cell.from_dict(r.record["cell"]).key


def _state(r: Row) -> str:
    return "broken" if r.violations else "unclear" if r.unclear else "met"


def _secs(stop: dict[str, Any] | None, workers_now: int, workers_needed: int | None) -> float | None:
    if not stop or not workers_needed or not workers_now or not stop.get("elapsed_s"):
        return None
    per_worker = float(stop["elapsed_s"]) / max(1, int(stop.get("workers") or workers_now))
    return max(0, workers_needed - workers_now) * per_worker


def _more_rounds(rounds: Rounds, quoted: sequential.Interval, stop: dict[str, Any] | None) -> Rounds:
    """``rounds`` with the rounds that would tell the quoted gain from min_gain at the observed spread
    (none where that takes over 20 times the workers so far)."""
    n_need = quoted.units_to_resolve(rounds.threshold)
    secs = _secs(stop, quoted.n, n_need)
    if stop is None or n_need is None or n_need > 20 * max(quoted.n, 1) or secs is None:
        return rounds
    return dataclasses.replace(rounds, more_s=secs, workers_needed=n_need,
                               total_budget_s=math.ceil(float(stop["elapsed_s"]) + secs))


def decide_paired(
    rows: list[Row], baseline: Row, policy: Decision, forms: list[FormChoice] | None = None
) -> Verdict | None:
    """The verdict where the baseline's record was timed in paired rounds (None otherwise, or where the
    constraints alone decide: :func:`~edgecrelu.report.decision.decide_trials` says those)."""
    obj = OBJECTIVES[policy.objective]
    ref = baseline.record
    if not obj.in_rounds or not isinstance(ref.get("paired"), dict) or baseline.kind != "relu":
        return None
    rs = [r for r in rows if r is baseline or stats.same_sequence(ref, r.record)]
    crelu = [r for r in rs if r.is_crelu and not r.record["paired"].get("dropped")]
    relu = [r for r in rs if is_relu_kind(r.kind)]  # the baseline kind and the equal-cost controls
    crelu_open = [r for r in crelu if _state(r) != "broken"]
    if not crelu_open or not relu:
        return None
    stat = sequential.stat_for(obj.name)
    alpha = float(ref["paired"].get("alpha") or sequential.ALPHA)
    units = {_key(r): (stats.paired_units(r.record, stat) or {}) for r in rs}
    iv = {(_key(c), _key(r)): sequential.interval(sequential.contrast_units(units[_key(c)], units[_key(r)]), alpha)
          for c in crelu for r in relu}
    threshold = sequential.gain_threshold(obj.name, policy.min_gain)
    met = [r for r in crelu if _state(r) == "met"]
    relu_open = [r for r in relu if _state(r) != "broken"]
    relu_met = [r for r in relu if _state(r) == "met"]
    word = sequential.status(iv, [_key(r) for r in met], [_key(r) for r in crelu_open],
                             [_key(r) for r in relu_open], [_key(r) for r in relu_met], threshold)
    aa_valid = (ref["paired"].get("aa") or {}).get("valid", True)

    def cand(r: Row) -> Candidate:
        return candidate([r], obj) or Candidate(r, None, None, r)

    # The pair the sentence quotes: for GO the winning cell against its closest ReLU cell; otherwise the
    # CReLU cell with the best estimate against the ReLU cell that shows it short (or the closest one).
    if word == "GO":
        c = next(r for r in met if all(iv[(_key(r), _key(x))].hi <= threshold for x in relu_open))
        r_ = max(relu_open, key=lambda x: iv[(_key(c), _key(x))].hi) if relu_open else None
    else:
        c = min(crelu_open, key=lambda r: iv[(_key(r), _key(baseline))].mean)
        r_ = max(relu_met or relu_open or relu, key=lambda x: iv[(_key(c), _key(x))].lo)
    quoted = iv[(_key(c), _key(r_))] if r_ is not None else None
    best_c = cand(c)
    rounds = Rounds(stat, quoted, threshold, aa_valid)
    facts: Facts = {
        "objective": obj.name, "baseline": baseline, "policy": policy, "forms": list(forms or []),
        "crelu_total": len({(r.variant, r.precision, r.backend) for r in crelu}),
        "crelu_passing": len({(r.variant, r.precision, r.backend) for r in met}),
        "best_crelu": best_c, "best_relu": cand(r_) if r_ is not None else None, "rounds": rounds,
        "best_overall": best_deployable(rows, obj),
    }
    if quoted is not None and r_ is not None:
        facts.update({
            "gain": sequential.gain_of(quoted.mean, obj.name),
            "gain_ci": (sequential.gain_of(quoted.hi, obj.name), sequential.gain_of(quoted.lo, obj.name)),
            "ratio_ci": stats.paired_ratio(r_.record, c.record, "p99" if stat == "p99" else "p50"),
            "significant": quoted.lo > 0 or quoted.hi < 0,
            "detectable": math.expm1((quoted.hi - quoted.lo) / 2) if math.isfinite(quoted.hi) else None,
        })

    if not aa_valid and word is not None:
        return Verdict(Outcome.INCONCLUSIVE, Reason.INVALID_TIMING, **facts)
    if word == "GO":
        return Verdict(Outcome.GO, Reason.GO, **facts)
    if word == "NO-GO":
        return Verdict(Outcome.NO_GO, Reason.MIN_GAIN, **facts)
    reason = Reason.NOT_SIGNIFICANT
    if quotable_unclear(best_c.row) and quoted is not None and not (quoted.lo <= threshold <= quoted.hi):
        reason = Reason.UNCLEAR_CONSTRAINTS
    if quoted is not None and math.isfinite(quoted.hi):
        facts["rounds"] = _more_rounds(rounds, quoted, ref["paired"].get("stop"))
    facts["images_needed"] = images_needed(best_c.row, policy)
    return Verdict(Outcome.INCONCLUSIVE, reason, **facts)
