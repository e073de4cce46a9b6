"""The verdict in one sentence a manager reads in ten seconds: what was compared, the answer, and the
one number behind it. The full sentence and the statistics follow it in every report."""

from __future__ import annotations

from edgecrelu.devices import Decision
from edgecrelu.report.decision import Outcome, Reason, Verdict


def _pct(x: float) -> str:
    return f"{abs(x) * 100:.1f} %"


def _gain(v: Verdict) -> str:
    """"is 20.0 % faster", "has 20.0 % higher throughput": the gain in the objective's words."""
    obj = v.obj
    gain = v.gain or 0.0
    return obj.in_short.format(pct=_pct(gain), way=obj.better if gain >= 0 else obj.worse)


def in_plain_words(verdict: Verdict, policy: Decision) -> str:
    v, what = verdict, "the CReLU versions of the model against the ReLU model"
    if v.outcome is Outcome.GO and v.best_crelu is not None:
        lo = f" (at least {_pct(v.gain_ci[0])})" if v.gain_ci else ""
        gain = _gain(v) if v.gain is not None else "is within every budget where no ReLU version is"
        return (f"Ship {v.best_crelu.label}: compared with the ReLU model it {gain}{lo}, "
                f"within the accuracy and latency budgets.")
    if v.outcome is Outcome.NO_GO:
        c = v.best_crelu
        if v.reason is Reason.ACCURACY and c is not None and c.row.delta_top1_pts is not None:
            return (f"Do not ship CReLU: comparing {what}, every CReLU version loses more accuracy than the "
                    f"{policy.max_accuracy_drop:g}-point budget allows (the closest loses "
                    f"{-c.row.delta_top1_pts:.1f} points of top-1).")
        if v.reason is Reason.CLASS_RECALL and policy.class_recall_budget:
            return (f"Do not ship CReLU: comparing {what}, every CReLU version loses more recall on "
                    f"{' or '.join(policy.class_recall_budget)} than the policy allows.")
        if v.reason is Reason.ROBUSTNESS and policy.robustness_budget is not None:
            return (f"Do not ship CReLU: comparing {what}, every CReLU version loses more accuracy than the ReLU "
                    f"model under some shifted condition (severity {policy.robustness_severity}) than the "
                    f"{policy.robustness_budget:g}-point robustness budget allows.")
        if v.reason is Reason.MIN_GAIN and v.gain is not None:
            return (f"Do not ship CReLU: comparing {what}, the best CReLU version {_gain(v)}, short of the "
                    f"{policy.min_gain * 100:g} % gain the policy asks for.")
        return f"Do not ship CReLU: comparing {what}, no CReLU version meets the policy ({v.reason})."
    if v.outcome is Outcome.INCONCLUSIVE:
        if v.reason is Reason.NO_CRELU:
            return "No decision: no CReLU version was measured, so there is nothing to compare with the ReLU model."
        settled = v.rounds is not None and v.rounds.quoted is not None and not v.rounds.straddles
        if settled and v.gain_ci is not None and v.gain is not None:  # the gain is shown; a budget is not
            return (f"No decision yet: comparing {what}, the best CReLU version {_gain(v)} (between "
                    f"{v.gain_ci[0] * 100:+.1f} % and {v.gain_ci[1] * 100:+.1f} %), but whether it keeps within the "
                    "policy's budgets is not settled; what would decide it is below.")
        if v.gain_ci is not None and v.gain is not None:
            return (f"No decision yet: comparing {what}, the best CReLU version {_gain(v)} (between "
                    f"{v.gain_ci[0] * 100:+.1f} % and {v.gain_ci[1] * 100:+.1f} %), too close to the {policy.min_gain * 100:g} % the policy asks for "
                    "to decide; what would decide it is below.")
        return f"No decision yet: comparing {what}, the measurements cannot decide; what would is below."
    return v.sentence
