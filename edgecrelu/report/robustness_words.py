"""The verdict's words for ``decision.robustness_budget`` (``report/robustness.py`` checks it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from edgecrelu import stats

if TYPE_CHECKING:
    from edgecrelu.devices import Decision
    from edgecrelu.report.rows import Row


def _basis(ci: stats.AccuracyCI) -> str:
    return (f"95 % interval {ci.lo:+.2f} to {ci.hi:+.2f} points, {'paired' if ci.paired else 'unpaired'} over "
            f"{ci.n} shifted images")


def broken(r: Row, baseline: Row, policy: Decision) -> list[str]:
    """One phrase per shifted set on which ``r`` is shown to lose more than the budget."""
    budget = policy.robustness_budget or 0.0
    return [f"loses {-ci.diff_pts:.2f} points of top-1 vs the baseline {baseline.label} under {key} (maximum drop "
            f"{budget:g} points under any shift; {_basis(ci)})"
            for key, ci in r.robustness_cis.items() if ci is not None and ci.hi < -budget]


def unclear(r: Row, policy: Decision) -> tuple[list[str], list[str]]:
    """(what is unclear, what would decide it) for the robustness budget."""
    budget = policy.robustness_budget or 0.0
    what: list[str] = []
    need: list[str] = []
    if not r.robustness_cis:
        what.append("robustness cannot be judged: the records carry no scores on shifted eval sets")
        need.append("a bundle with shifted eval sets (`export --shifts default`), profiled again")
    for key, ci in r.robustness_cis.items():
        if ci is None:
            what.append(f"top-1 under {key} cannot be compared with the baseline's (one of them was not scored on it)")
            need.append("the baseline and the candidate profiled on the same bundle's shifted eval sets")
        elif stats.non_inferiority(ci, budget) == "unclear":
            what.append(f"top-1 under {key} {ci.diff_pts:+.2f} points vs the baseline, {_basis(ci)}, straddles the "
                        f"−{budget:g}-point robustness budget")
            more = ci.images_to_resolve(-budget)
            need.append(f"about {more:,} images per shifted set (now {ci.n:,}; export --shift-images) to settle the "
                        f"robustness budget under {key}" if more else
                        f"a measured drop under {key} away from the {budget:g}-point robustness budget")
    return what, need
