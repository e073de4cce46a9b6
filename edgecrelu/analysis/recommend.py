"""The recommended CReLU depth (README "Phase pairing"): the leading run of sites whose pairing is
clearly stronger than random.

A site counts as paired when its mean μ lies at least ``MARGIN`` below the random baseline's mean
for its shape, and more than 3 of the baseline's standard deviations (across draws) below it. The
recommendation is ``crelu-half@K`` for K = the number of leading paired sites (counted from the
input, as variant depths are), or ``relu`` when the first site is not paired.
"""

from __future__ import annotations

MARGIN = 0.1  # in units of cosine

RULE = (f"CReLU depth K = the number of leading conv->ReLU sites (from the input) whose mean μ is at "
        f"least {MARGIN} below the random-filter baseline of the same shape and more than 3 standard "
        "deviations of that baseline below it; K = 0 means keep ReLU")


def is_paired(layer_mean: float, random_mean: float, random_std: float) -> bool:
    gap = random_mean - layer_mean
    return gap >= MARGIN and gap > 3 * random_std


def recommend(sites: list[dict]) -> dict:
    """``sites``: per site in forward order ``{mean, random: {mean, mean_std}}`` ->
    ``{depth, variant, rule, paired: [bool per site]}``."""
    paired = [is_paired(s["mean"], s["random"]["mean"], s["random"]["mean_std"]) for s in sites]
    depth = 0
    while depth < len(paired) and paired[depth]:
        depth += 1
    return {"depth": depth, "variant": f"crelu-half@{depth}" if depth else "relu", "rule": RULE,
            "paired": paired}
