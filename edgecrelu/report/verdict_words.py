"""The verdict in words: the sentences the report prints for a :class:`~edgecrelu.report.decision.Verdict`.

The decision (``decision``, ``paired_verdict``) returns the outcome, its reason and the numbers; this
module only words them: the verdict sentence, "What would decide it", the best deployable
configuration and how each number behind the verdict was measured.
"""

from __future__ import annotations

import math
from typing import Any

from edgecrelu import sequential, stats
from edgecrelu.devices import Decision
from edgecrelu.objectives import Objective
from edgecrelu.report import fmt, robustness_words
from edgecrelu.report.decision import Candidate, Outcome, Reason, Verdict
from edgecrelu.report.rows import Row

BROKEN = (Reason.ACCURACY, Reason.LATENCY, Reason.MEMORY, Reason.CLASS_RECALL, Reason.ROBUSTNESS)
# the per-worker statistic of the paired rounds, in words
STAT_WORDS = {"p99": "p99", "p50": "p50 (block medians)", "mean": "mean time per call"}
NO_CRELU_NEED = ("What would decide it: records of a CReLU variant (crelu@K or crelu-half@K) at batch 1 from the "
                 "same bundle: check that training finished every variant and that no CReLU cell failed in `profile`.")


# ---------------------------------------------------------------- numbers in words


def value_words(v: float | None, obj: Objective) -> str:
    if v is None:
        return "—"
    if obj.unit == "ms":
        return f"{fmt.ms(v)} ms"
    if obj.unit == "mJ":
        return f"{v:.3g} mJ"
    return f"{v:,.0f} {obj.unit}" if v >= 100 else f"{v:.3g} {obj.unit}"


def comparison(gain: float, obj: Objective) -> str:
    """"is 20.0 % faster at p99 than": the gain of one configuration over another, in the objective's words."""
    return obj.comparison.format(pct=f"{abs(gain) * 100:.1f} %", way=obj.better if gain >= 0 else obj.worse)


def pct(x: float) -> str:
    # a ratio interval from 2-3 wild trials can reach 1e9 %: past +-1000 % the digits mean nothing
    if abs(x) > 10:
        return "below -1000 %" if x < 0 else "above +1000 %"
    return f"{x * 100:+.1f} %"


def pct2(x: float) -> str:
    # two decimals: a bound the stop rule just moved past min_gain must not print as min_gain itself
    return pct(x) if abs(x) > 10 else f"{x * 100:+.2f} %"


# ---------------------------------------------------------------- constraints in words


def meets(c: Candidate, policy: Decision) -> str:
    r = c.row
    parts = []
    if r.delta_top1_pts is not None:
        parts.append(f"top-1 {fmt.signed(r.delta_top1_pts)} points vs the baseline (max drop {policy.max_accuracy_drop:g} points)")
    if r.p99 is not None:
        b = f" ≤ {policy.latency_budget_p99_ms:g} ms budget" if policy.latency_budget_p99_ms is not None else ""
        parts.append(f"p99 {fmt.ms(r.p99)} ms at batch 1{b}")
    if r.peak_mb is not None:
        b = f" ≤ {policy.memory_budget_mb:g} MB budget" if policy.memory_budget_mb is not None else ""
        parts.append(f"peak memory {r.peak_mb:.0f} MB{b}")
    return "; ".join(parts)


def violation_words(c: Candidate, baseline: Row, policy: Decision) -> list[str]:
    # a violation implies its numbers (table.check_constraints): the None checks only narrow the types
    r, out = c.row, []
    for v in r.violations:
        if v == "accuracy" and r.delta_top1_pts is not None and r.top1 is not None and baseline.top1 is not None:
            ci = r.acc_ci
            sig = "no interval: the records carry no image count" if ci is None else (
                f"95 % interval {ci.lo:+.2f} to {ci.hi:+.2f} points, wholly below −{policy.max_accuracy_drop:g}; "
                f"{'paired over the same images' if ci.paired else 'unpaired'}")
            out.append(
                f"loses {-r.delta_top1_pts:.2f} points of top-1 vs the baseline {baseline.label} "
                f"({r.top1 * 100:.2f} % vs {baseline.top1 * 100:.2f} %, maximum drop "
                f"{policy.max_accuracy_drop:g} points; {sig})"
            )
        elif v == "latency" and r.p99 is not None and policy.latency_budget_p99_ms is not None:
            p99_ci = f" (95 % interval {fmt.ms(r.p99_ci[0])}–{fmt.ms(r.p99_ci[1])} ms)" if r.p99_ci else ""
            out.append(f"has p99 {fmt.ms(r.p99)} ms at batch 1{p99_ci}, over the {policy.latency_budget_p99_ms:g} ms budget")
        elif v == "memory" and r.peak_mb is not None and policy.memory_budget_mb is not None:
            out.append(f"peaks at {r.peak_mb:.0f} MB, over the {policy.memory_budget_mb:g} MB memory budget")
        elif v == "class_recall":
            out += [f"loses {-ci.diff_pts:.2f} points of recall on {name} vs the baseline {baseline.label} (maximum "
                    f"drop {budget:g} points; {class_basis(ci)})" for name, ci, budget in class_rows(r, policy)
                    if ci is not None and ci.hi < -budget]
        elif v == "robustness":
            out += robustness_words.broken(r, baseline, policy)
    return out


def class_rows(r: Row, policy: Decision) -> list[tuple[str, stats.AccuracyCI | None, float]]:
    """(class name, its recall interval vs the baseline or None, its budget) per budgeted class."""
    budget = policy.class_recall_budget or {}
    return [(name, r.class_cis.get(name), budget[name]) for name in budget]


def class_basis(ci: stats.AccuracyCI) -> str:
    return (f"95 % interval {ci.lo:+.2f} to {ci.hi:+.2f} points over {ci.n} images of the class, "
            f"{'paired' if ci.paired else 'unpaired'}")


def unclear_words(v: Verdict) -> tuple[list[str], list[str]]:
    """(what is unclear, what would decide it) for the constraints the best CReLU configuration neither
    meets nor breaks."""
    r, policy = _best_crelu(v).row, v.policy
    what: list[str] = []
    need: list[str] = []
    if "accuracy" in r.unclear and r.acc_ci is not None:
        ci = r.acc_ci
        basis = f"{'paired' if ci.paired else 'unpaired'}, {ci.n} images"
        if ci.seed_counts and ci.images_interval is not None:  # the seeds, not the images, set the width
            lo, hi = ci.images_interval
            basis = (f"the spread over {min(ci.seed_counts)} training seeds sets the width; "
                     f"{basis} alone: {lo:+.2f} to {hi:+.2f}")
        what.append(f"top-1 {ci.diff_pts:+.2f} points vs the baseline, 95 % interval {ci.lo:+.2f} to {ci.hi:+.2f}, "
                    f"straddles the −{policy.max_accuracy_drop:g}-point budget ({basis})")
        if ci.seed_counts:
            need.append(f"more training seeds (now {min(ci.seed_counts)} per variant): more eval images would not "
                        "narrow a seed-to-seed spread")
        elif v.images_needed:
            need.append(f"about {v.images_needed:,} eval images (now {ci.n:,}) to settle the accuracy budget at the "
                        "same difference")
        else:
            need.append(f"a measured drop away from the {policy.max_accuracy_drop:g}-point budget: at exactly the budget "
                        "no sample size decides it")
        if not ci.paired:
            need.append("per-image results in the records (re-profile with this version) for a paired test")
    if "class_recall" in r.unclear:
        for name, cci, budget in class_rows(r, policy):
            if cci is None:
                what.append(f"recall on {name} cannot be compared with the baseline's (the records carry no "
                            "per-class results)")
                need.append("per-class results in the records (re-profile with this version)")
            elif stats.non_inferiority(cci, budget) == "unclear":
                what.append(f"recall on {name} {cci.diff_pts:+.2f} points vs the baseline, {class_basis(cci)}, "
                            f"straddles its −{budget:g}-point budget")
                more = cci.images_to_resolve(-budget)
                need.append(f"about {more:,} eval images of {name} (now {cci.n:,}) to settle its recall budget at the "
                            "same difference" if more else
                            f"a measured recall drop on {name} away from its {budget:g}-point budget")
    if "robustness" in r.unclear:
        w, n = robustness_words.unclear(r, policy)
        what, need = what + w, need + n
    if "latency" in r.unclear and r.p99_ci is not None:
        what.append(f"p99 interval {fmt.ms(r.p99_ci[0])}–{fmt.ms(r.p99_ci[1])} ms straddles the "
                    f"{policy.latency_budget_p99_ms:g} ms budget")
        need.append("more trials (--trials) or a quieter machine to settle the p99 budget")
    return what, need


# ---------------------------------------------------------------- the verdict sentence


def _best_crelu(v: Verdict) -> Candidate:
    """The CReLU candidate every reason but NO_CRELU quotes (``decision`` sets it for them)."""
    if v.best_crelu is None:
        raise ValueError(f"a {v.reason} verdict without a CReLU candidate")
    return v.best_crelu


def _gain(v: Verdict) -> float:
    """The gain of a verdict that quotes a ReLU candidate (``decision`` sets both together)."""
    if v.gain is None:
        raise ValueError(f"a {v.reason} verdict quoting a ReLU candidate without a gain")
    return v.gain


def _decide(need: list[str]) -> str:
    return "What would decide it: " + "; ".join(need) + "."


def _head(v: Verdict) -> str:
    """"best CReLU X is 20.0 % faster at p99 than [the best ReLU] Y (...)": the comparison the verdict quotes."""
    c, r, obj = _best_crelu(v), v.best_relu, v.obj
    if r is None:
        return f"best CReLU {c.label} is shown to meet every constraint and no ReLU configuration is"
    if v.rounds is None:
        return (f"best CReLU {c.label} {comparison(_gain(v), obj)} the best ReLU {r.label} "
                f"({value_words(c.value, obj)} vs {value_words(r.value, obj)})")
    ratio = v.rounds.quoted.ratio if v.rounds.quoted is not None else math.nan
    return (f"best CReLU {c.label} {comparison(_gain(v), obj)} {r.label} "
            f"(ratio {ratio:.3f} of {STAT_WORDS[v.rounds.stat]})")


def _gain_ci_words(v: Verdict) -> str:
    if v.rounds is None and v.gain_ci is None and v.obj.ratio_metric is None:
        return ("no interval: peak memory is measured once per cell, so its run-to-run spread (about 2 %) "
                "is unknown")
    if v.rounds is None:
        return "no interval (no trial spread recorded)" if v.gain_ci is None else \
            f"95 % interval of the gain {pct(v.gain_ci[0])} to {pct(v.gain_ci[1])}"
    if v.gain_ci is None or v.rounds.quoted is None or not math.isfinite(v.rounds.quoted.hi):
        return "no interval yet (fewer than 3 workers)"
    return f"anytime-valid interval of the gain {pct2(v.gain_ci[0])} to {pct2(v.gain_ci[1])}"


def sentence(v: Verdict) -> str:
    """The verdict sentence: the outcome, the comparison behind it and why."""
    obj, policy = v.obj, v.policy
    min_gain = f"{policy.min_gain * 100:g} %"
    if v.reason is Reason.NO_CRELU:
        have = ", ".join(v.measured_variants) or "nothing"
        return (f"INCONCLUSIVE: no CReLU configuration was measured at batch 1 (the records hold {have}), "
                "so there is nothing to compare with ReLU.")
    c = _best_crelu(v)
    if v.reason in BROKEN:
        fails = ", ".join(f"{n} {k}" for k, n in v.failures.items())
        return (f"NO-GO: every CReLU configuration is shown to break a constraint — the closest, {c.label}, "
                + "; ".join(violation_words(c, v.baseline, policy))
                + f" (0 of {v.crelu_total} CReLU configurations pass; failures: {fails}).")
    if v.reason is Reason.NO_METRIC:
        return (f"INCONCLUSIVE: the objective '{obj.name}' was not measured for any CReLU configuration "
                f"(e.g. no power measurement for 'energy'), so no gain can be shown.")
    unclear_what = unclear_words(v)[0]
    if v.rounds is None and v.best_relu is None:
        if v.outcome is Outcome.GO:
            return (f"GO: best CReLU {c.label} is shown to meet every constraint ({meets(c, policy)}) "
                    f"and no ReLU configuration does — {value_words(c.value, obj)} ({obj.title}).")
        return (f"INCONCLUSIVE: no ReLU configuration meets the constraints, and best CReLU {c.label} "
                f"is not shown to either: " + "; ".join(unclear_what) + ".")
    head, ci_words = _head(v), _gain_ci_words(v)
    if v.reason is Reason.INVALID_TIMING:
        return (f"INCONCLUSIVE: {head}, but the A/A control's interval excludes 1, so this run's timing "
                "cannot decide; profile again on a quieter machine.")
    against = "" if v.rounds is None else " against every ReLU configuration"
    if v.outcome is Outcome.GO:
        return (f"GO: {head} — shown above the {min_gain} minimum gain{against} ({ci_words}); it is shown to meet "
                f"every constraint ({meets(c, policy)}).")
    if v.outcome is Outcome.NO_GO:
        tail = "" if v.rounds is None else "; no CReLU configuration that meets the constraints is shown to reach it"
        return f"NO-GO: {head} — shown short of the {min_gain} minimum gain ({ci_words}){tail}."
    # INCONCLUSIVE: the trials' interval is quoted where it holds min_gain, the rounds' wherever there is one
    quote = v.reason is Reason.NOT_SIGNIFICANT if v.rounds is None else v.rounds.straddles
    why = [f"the {ci_words} contains the {min_gain} minimum gain"] if quote else []
    if quote and v.gain_ci is None and obj.ratio_metric is None:  # nothing to quote: say why
        why = [f"{ci_words}, and a single measurement cannot show a {min_gain} gain"]
    return f"INCONCLUSIVE: {head}, but " + "; ".join(why + unclear_what) + "."


def decide_line(v: Verdict) -> str:
    """INCONCLUSIVE: "What would decide it: ..." (empty for GO and NO-GO)."""
    if v.outcome is not Outcome.INCONCLUSIVE or v.reason is Reason.INVALID_TIMING:
        return ""
    if v.reason is Reason.NO_CRELU:
        return NO_CRELU_NEED
    if v.reason is Reason.NO_METRIC:
        return f"What would decide it: a measurement of {v.obj.title} on the device."
    need = unclear_words(v)[1]
    if v.rounds is None and v.best_relu is None:
        return _decide(need)
    if v.rounds is not None:
        need = _rounds_need(v) + need
    elif v.reason is Reason.NOT_SIGNIFICANT and v.ratio_ci is not None:
        need = _trials_need(v) + need + _detectable(v)
    return _decide(need) if need else ""


def _trials_need(v: Verdict) -> list[str]:
    if v.trials_needed:
        return [f"about {v.trials_needed} trials per cell (now {v.trials_now}) at the same spread to tell the gain "
                f"from {v.policy.min_gain * 100:g} %"]
    return ["trials with a recorded spread (the records carry a single trial)"]


def _detectable(v: Verdict) -> list[str]:
    if v.detectable is None or v.detectable == float("inf"):
        return []
    return [f"this run detects differences of about {v.detectable * 100:.1f} % or more" if v.detectable <= 10 else
            "this run cannot resolve any latency difference (its trials spread over more than a factor of 10)"]


def _rounds_need(v: Verdict) -> list[str]:
    rd = v.rounds
    if rd is None or rd.quoted is None or not math.isfinite(rd.quoted.hi) or not rd.straddles:
        return []  # no interval, or it has settled the gain already: more rounds would not decide it
    if rd.more_s is None:
        return [f"nothing practical: the gain ({pct(_gain(v))}) sits within the interval's reach of "
                f"{v.policy.min_gain * 100:g} %, so no affordable budget tells them apart"]
    return [f"about {rd.more_s:,.0f} more seconds of rounds at the observed spread ({rd.workers_needed} workers, now "
            f"{rd.quoted.n}): `edgecrelu profile ... --resume --budget {rd.total_budget_s}` (the budget counts the "
            "sequence's whole time)"]


def control_sentence(v: Verdict) -> str:
    """Which equal-cost ReLU control (relu-half@K, relu-w@K) came closest to CReLU, and how it stands
    ("" when the records hold none)."""
    k, c = v.closest_control, v.best_crelu
    if k is None:
        return ""
    r = k.row
    acc = f", top-1 {fmt.signed(r.delta_top1_pts)} points vs the baseline" if r.delta_top1_pts is not None else ""
    macs = f", {r.macs / 1e6:.3g} M MACs" if r.macs else ""
    if r.violations:
        stands = f"it is shown to break {' and '.join(r.violations)}"
    elif r.unclear:
        stands = f"its {' and '.join(r.unclear)} budget is not settled"
    else:
        stands = "it is shown to meet every constraint"
    compared = ("; the verdict compares CReLU with it" if v.best_relu is not None and v.best_relu.row is r
                else "")
    crelu = ""
    if c is not None and c is not k:
        c_acc = f", top-1 {fmt.signed(c.row.delta_top1_pts)} points" if c.row.delta_top1_pts is not None else ""
        c_macs = f", {c.row.macs / 1e6:.3g} M MACs" if c.row.macs else ""
        crelu = f" (best CReLU {c.label}: {value_words(c.value, v.obj)}{c_acc}{c_macs})"
    return (f"Equal-cost ReLU controls: the closest is {k.label}, {value_words(k.value, v.obj)} ({v.obj.title})"
            f"{acc}{macs}{crelu}; {stands}{compared}.")


def best_overall_sentence(v: Verdict) -> str:
    """The best configuration shown to meet every constraint, whatever its kind."""
    b = v.best_overall
    if b is None:
        return "No configuration is shown to meet every constraint of the policy."
    return (f"Best deployable configuration: {b.label} — {value_words(b.value, v.obj)} "
            f"({v.obj.title}); {meets(b, v.policy)}.")


# ---------------------------------------------------------------- how it was measured


def measurement(v: Verdict) -> list[str]:
    """How each number behind the verdict was measured: the paired rounds, the eval images, the seeds."""
    ref = v.baseline.record
    lines: list[str] = []
    if v.rounds is not None:
        c, r = _best_crelu(v).row, v.best_relu.row if v.best_relu is not None else None
        quoted_words = "" if r is None else \
            f"{c.form} {c.variant} {c.precision} / {r.variant} {r.form} {r.precision}, {STAT_WORDS[v.rounds.stat]}"
        lines = measurement_lines(ref, v.rounds.quoted, quoted_words)
    elif isinstance(ref.get("paired"), dict):
        lines = measurement_lines(ref, None, "")
    return lines + [line for line in (eval_size_line(v.best_crelu, v.policy), retrain_line(v.best_crelu, v.policy))
                    if line]


def measurement_lines(ref: dict[str, Any], quoted: sequential.Interval | None, quoted_words: str) -> list[str]:
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


def retrain_line(c: Candidate | None, policy: Decision) -> str | None:
    """The spread over training seeds as the risk of a retrain, with its own interval."""
    ci = c.row.acc_ci if c is not None else None
    if c is None or ci is None or ci.seeds is None:
        return None
    gate = ("it gates the verdict (decision.seed_spread_gates)" if policy.seed_spread_gates else
            "it does not gate the verdict, which judges the exported models (decision.seed_spread_gates = false)")
    return (f"Retrain risk: over the training seeds, {c.row.variant} minus the baseline's top-1 has a 95 % "
            f"interval of {ci.seeds[0]:+.2f} to {ci.seeds[1]:+.2f} points (Welch's t over the seeds' test accuracies); "
            f"{gate}.")


def eval_size_line(c: Candidate | None, policy: Decision) -> str | None:
    """How many eval images a true 0-point difference needs to decide the accuracy budget (80 % of the
    time), at the discordance measured between the quoted CReLU configuration and the baseline (paired
    images: the difference's variance per image is the discordant share), and the smallest budget the
    current set decides (``stats.images_for_budget``, ``stats.detectable_drop_pts``)."""
    ci = c.row.acc_ci if c is not None else None
    if c is None or ci is None or not ci.paired or not ci.n or ci.discordant is None or policy.max_accuracy_drop <= 0:
        return None
    d = stats.discordance_bound(ci.discordant, ci.n)
    need = stats.images_for_budget(d, policy.max_accuracy_drop)
    seen = (f"{ci.discordant} of them ({d:.1%}) are classified right by exactly one of {c.row.variant} and the "
            "baseline" if ci.discordant else
            f"none of them is classified right by exactly one of {c.row.variant} and the baseline (planned at the "
            f"95 % upper bound of that share, {d:.1%})")
    return (f"Eval images: {ci.n:,}; {seen}, so a true 0-point difference needs about {need:,} eval images to "
            f"decide the {policy.max_accuracy_drop:g}-point budget 80 % of the time (a user's own eval set likewise, "
            f"at its own discordance); this set resolves budgets down to about "
            f"{stats.detectable_drop_pts(d, ci.n):.2g} points.")
