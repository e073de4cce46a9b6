"""What export says early about the data: how many eval images the accuracy budget needs at the
discordance measured between each CReLU variant and ReLU (``stats.images_for_budget``), what the
eval set can resolve, and INT8 calibration advice that fits the training images there are."""

from __future__ import annotations

import numpy as np

from edgecrelu import stats
from edgecrelu.data.split import TEST_FRACTION
from edgecrelu.schema.profile import Decision
from edgecrelu.variant import is_crelu_kind, split_name

BUDGET_PTS = Decision().max_accuracy_drop  # export has no device profile: the default policy's budget


def eval_size_lines(correct: dict[str, np.ndarray], budget_pts: float = BUDGET_PTS,
                    baseline: str = "relu") -> tuple[list[str], list[str]]:
    """(one line per CReLU variant, a warning where the eval set cannot resolve the budget) from each
    variant's per-image top-1 correctness (fp32, the same eval images)."""
    base = correct.get(baseline)
    if base is None or not len(base) or budget_pts <= 0:
        return [], []
    n = len(base)
    lines: list[str] = []
    worst: tuple[str, int, float, float] | None = None
    for variant, x in correct.items():
        if not is_crelu_kind(split_name(variant)[0]) or len(x) != n:
            continue
        nd = int(np.sum(x != base))
        d = stats.discordance_bound(nd, n)
        need, can = stats.images_for_budget(d, budget_pts) or 1, stats.detectable_drop_pts(d, n)
        seen = f"right on different images for {nd} of them ({d:.1%})" if nd else \
            f"right on the same images (planned at the 95 % upper bound of the share that differs, {d:.1%})"
        lines.append(f"eval set: {n:,} images; {variant} and {baseline} are {seen}: a {budget_pts:g}-point accuracy "
                     f"budget (decision.max_accuracy_drop) needs about {need:,} eval images to be decided 80 % of the "
                     f"time, and this set resolves budgets down to about {can:.2g} points")
        if can > budget_pts and (worst is None or need > worst[1]):
            worst = (variant, need, can, d)
    warnings = []
    if worst is not None:
        variant, need, can, d = worst
        warnings.append(f"the eval set ({n:,} images) resolves accuracy budgets down to about {can:.2g} points, not "
                        f"{budget_pts:g}: at the discordance between {variant} and {baseline} ({d:.1%}) the report "
                        f"will need about {need:,} eval images to decide it, about {int(np.ceil(need / TEST_FRACTION)):,} "
                        f"images in the data (the test split is {TEST_FRACTION:.0%} of them)")
    return lines, warnings


def calib_advice(used: int, asked: int, train_n: int) -> str:
    """The calibration part of the INT8 warning: a larger --calib-size only where training images are left."""
    if used < asked or used >= train_n:
        return f" (the calibration set already holds every usable training image, {used})"
    return f", or a larger --calib-size (the training split holds {train_n} images; {used} calibrate now)"
