"""The verdict from records timed in paired rounds: the same rule that stopped the profile run.

:func:`edgecrelu.sequential.status` over every CReLU cell (each form a cell; forms dropped as shown
slower than another form are dominated) against every ReLU cell of the baseline's sequence, with the
constraint states of the trade-off table's rows. The intervals are simultaneous over that family, so
the form that wins may be quoted with its own interval (README "How the verdict is measured").
"""

from __future__ import annotations

import math

from edgecrelu import sequential, stats
from edgecrelu.devices import Decision
from edgecrelu.report.decision import Candidate, Verdict, _comparison, _meets, _pct, _unclear_words, candidate
from edgecrelu.report.table import Row
from edgecrelu.results import Cell


def _pct2(x: float) -> str:
    # two decimals: a bound the stop rule just moved past min_gain must not print as min_gain itself
    return _pct(x) if abs(x) > 10 else f"{x * 100:+.2f} %"


def _key(r: Row) -> str:
    return Cell.from_dict(r.record["cell"]).key


def _state(r: Row) -> str:
    return "broken" if r.violations else "unclear" if r.unclear else "met"


def _secs(stop: dict | None, workers_now: int, workers_needed: int | None) -> float | None:
    if not stop or not workers_needed or not workers_now or not stop.get("elapsed_s"):
        return None
    per_worker = float(stop["elapsed_s"]) / max(1, int(stop.get("workers") or workers_now))
    return max(0, workers_needed - workers_now) * per_worker


def measurement_lines(ref: dict, quoted: sequential.Interval | None, quoted_words: str) -> list[str]:
    """What the report states for the ratio behind the verdict: method, interval, alpha, rounds,
    workers, why it stopped, the A/A control and the spread between workers."""
    p = ref["paired"]
    stop = p.get("stop") or {}
    lines = [
        f"Measured in paired, randomised rounds: {stop.get('workers', p.get('workers'))} worker processes × "
        f"{p.get('rounds_per_worker')} rounds ({stop.get('round', p.get('rounds'))} rounds), blocks of about "
        f"{p.get('block_ms', 0):g} ms, every candidate block between two blocks of the reference "
        f"{p.get('reference')}, in a random order per round (seed {p.get('seed')}).",
        f"Intervals are anytime-valid (a t-mixture confidence sequence over the workers, each worker one replicate) "
        f"at a family-wise α of {p.get('alpha_family')}, split over {p.get('family')} contrasts (Bonferroni: "
        f"{p.get('alpha', 0):.2g} each): they hold at whatever round the run stopped and cover the chosen form too.",
    ]
    if stop.get("reason") == "decided":
        lines.append(f"Stopped: decided ({stop.get('verdict')}) at round {stop.get('round')}, "
                     f"{stop.get('elapsed_s')} s of {stop.get('budget_s'):g} s.")
    elif stop:
        lines.append(f"Stopped: the budget was spent ({stop.get('elapsed_s')} s of {stop.get('budget_s'):g} s, "
                     f"{stop.get('round')} rounds) with the question undecided; `profile --resume` with a larger "
                     "`--budget` continues the same sequence.")
    aa = p.get("aa") or {}
    if aa:
        span = (f"interval {aa['lo']:.3f}–{aa['hi']:.3f}" if math.isfinite(aa["hi"]) else
                f"no interval yet at this α after {aa.get('workers')} workers")
        lines.append(f"A/A control (the reference's file in a second session, timed as a candidate): ratio "
                     f"{aa['ratio']:.3f}, {span} — "
                     + ("contains 1, as it must." if aa.get("valid") else
                        "EXCLUDES 1: the timing of this run is not trustworthy, and the verdict says so."))
    if quoted is not None and quoted.n:
        lines.append(f"{quoted_words}: estimate {quoted.ratio:.3f}, interval {quoted.ratio_lo:.3f}–"
                     f"{quoted.ratio_hi:.3f} over {quoted.n} workers; spread between workers "
                     f"(sd of the per-worker log ratio) {quoted.sd * 100:.1f} %.")
    return lines


def decide_paired(rows: list[Row], baseline: Row, policy: Decision, forms: list | None = None) -> Verdict | None:
    """The verdict where the baseline's record was timed in paired rounds (None otherwise, or where the
    constraints alone decide: :func:`~edgecrelu.report.decision.decide_trials` says those)."""
    objective = policy.objective
    ref = baseline.record
    if objective in ("memory", "energy") or not isinstance(ref.get("paired"), dict) or baseline.kind != "relu":
        return None
    rs = [r for r in rows if r is baseline or stats.same_sequence(ref, r.record)]
    crelu = [r for r in rs if r.is_crelu and not r.record["paired"].get("dropped")]
    relu = [r for r in rs if r.kind == "relu"]
    crelu_open = [r for r in crelu if _state(r) != "broken"]
    if not crelu_open or not relu:
        return None
    stat = sequential.stat_for(objective)
    alpha = float(ref["paired"].get("alpha") or sequential.ALPHA)
    units = {_key(r): (stats.paired_units(r.record, stat) or {}) for r in rs}
    iv = {(_key(c), _key(r)): sequential.interval(sequential.contrast_units(units[_key(c)], units[_key(r)]), alpha)
          for c in crelu for r in relu}
    threshold = sequential.gain_threshold(objective, policy.min_gain)
    met = [r for r in crelu if _state(r) == "met"]
    relu_open = [r for r in relu if _state(r) != "broken"]
    relu_met = [r for r in relu if _state(r) == "met"]
    word = sequential.status(iv, [_key(r) for r in met], [_key(r) for r in crelu_open],
                             [_key(r) for r in relu_open], [_key(r) for r in relu_met], threshold)
    aa_valid = (ref["paired"].get("aa") or {}).get("valid", True)

    def cand(r: Row) -> Candidate:
        return candidate([r], objective) or Candidate(r, None, None, r)

    # The pair the sentence quotes: for GO the winning cell against its closest ReLU cell; otherwise the
    # CReLU cell with the best estimate against the ReLU cell that shows it short (or the closest one).
    if word == "GO":
        c = next(r for r in met if all(iv[(_key(r), _key(x))].hi <= threshold for x in relu_open))
        against = relu_open
        r_ = max(against, key=lambda x: iv[(_key(c), _key(x))].hi) if against else None
    else:
        c = min(crelu_open, key=lambda r: iv[(_key(r), _key(baseline))].mean)
        pool = relu_met or relu_open or relu
        r_ = max(pool, key=lambda x: iv[(_key(c), _key(x))].lo)
    v = Verdict("INCONCLUSIVE", "", "", objective, forms=list(forms or []))
    v.crelu_total = len({(r.variant, r.precision, r.backend) for r in crelu})
    v.crelu_passing = len({(r.variant, r.precision, r.backend) for r in met})
    v.best_crelu, v.best_relu = cand(c), (cand(r_) if r_ is not None else None)
    quoted = iv[(_key(c), _key(r_))] if r_ is not None else None
    if quoted is not None:
        v.gain = sequential.gain_of(quoted.mean, objective)
        v.gain_ci = (sequential.gain_of(quoted.hi, objective), sequential.gain_of(quoted.lo, objective))
        v.ratio_ci = stats.paired_ratio(r_.record, c.record, "p99" if stat == "p99" else "p50")
        v.significant = quoted.lo > 0 or quoted.hi < 0
        v.detectable = math.expm1((quoted.hi - quoted.lo) / 2) if math.isfinite(quoted.hi) else None
    words = {"p99": "p99", "p50": "p50 (block medians)", "mean": "mean time per call"}[stat]
    v.measurement = measurement_lines(ref, quoted, f"{c.form} {c.variant} {c.precision} / {r_.variant} "
                                                   f"{r_.form} {r_.precision}, {words}" if r_ is not None else "")
    min_gain = f"{policy.min_gain * 100:g} %"
    ci_words = ("no interval yet (fewer than 3 workers)" if v.gain_ci is None or not math.isfinite(quoted.hi) else
                f"anytime-valid interval of the gain {_pct2(v.gain_ci[0])} to {_pct2(v.gain_ci[1])}")
    if r_ is None:
        head = f"best CReLU {v.best_crelu.label} is shown to meet every constraint and no ReLU configuration is"
    else:
        head = (f"best CReLU {v.best_crelu.label} {_comparison(v.gain, objective)} {v.best_relu.label} "
                f"(ratio {quoted.ratio:.3f} of {words})")
    if not aa_valid and word is not None:
        v.reason = "invalid_timing"
        v.sentence = (f"INCONCLUSIVE: {head}, but the A/A control's interval excludes 1, so this run's timing "
                      "cannot decide; profile again on a quieter machine.")
        return v
    if word == "GO":
        v.verdict, v.reason = "GO", "go"
        v.sentence = (f"GO: {head} — shown above the {min_gain} minimum gain against every ReLU configuration "
                      f"({ci_words}); it is shown to meet every constraint ({_meets(v.best_crelu, baseline, policy)}).")
        return v
    if word == "NO-GO":
        v.verdict, v.reason = "NO-GO", "min_gain"
        v.sentence = (f"NO-GO: {head} — shown short of the {min_gain} minimum gain ({ci_words}); no CReLU "
                      "configuration that meets the constraints is shown to reach it.")
        return v
    v.reason = "not_significant"
    why = [f"the {ci_words} contains the {min_gain} minimum gain"] if quoted is not None else []
    unclear_what, need = _unclear_words(v.best_crelu, baseline, policy)
    if unclear_what:
        v.reason = "unclear_constraints" if quoted is not None and not (quoted.lo <= threshold <= quoted.hi) \
            else v.reason
    if quoted is not None and math.isfinite(quoted.hi):
        n_need = quoted.units_to_resolve(threshold)
        stop = ref["paired"].get("stop")
        secs = _secs(stop, quoted.n, n_need)
        if n_need is None or n_need > 20 * max(quoted.n, 1) or secs is None:
            need.insert(0, f"nothing practical: the gain ({_pct(v.gain)}) sits within the interval's reach of "
                           f"{min_gain}, so no affordable budget tells them apart")
        else:
            total = math.ceil(float(stop["elapsed_s"]) + secs)
            need.insert(0, f"about {secs:,.0f} more seconds of rounds at the observed spread ({n_need} workers, now "
                           f"{quoted.n}): `edgecrelu profile ... --resume --budget {total}` (the budget counts the "
                           "sequence's whole time)")
    v.sentence = f"INCONCLUSIVE: {head}, but " + "; ".join(why + unclear_what) + "."
    v.decide_line = "What would decide it: " + "; ".join(need) + "." if need else ""
    return v
