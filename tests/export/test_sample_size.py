"""export/sample_size.py: the eval images the accuracy budget needs, said at export, and calibration
advice that fits the training images there are (issue 27: a 45-image eval set against a 1-point budget
went unsaid, and a larger --calib-size was suggested with 210 training images in all)."""

from __future__ import annotations

import numpy as np

from edgecrelu import stats
from edgecrelu.export.sample_size import calib_advice, eval_size_lines


def _correct(n: int, wrong: list[int]) -> np.ndarray:
    x = np.ones(n, dtype=bool)
    x[wrong] = False
    return x


def test_a_small_eval_set_is_told_how_many_images_the_budget_needs():
    # 45 images; crelu@1 and relu are right on different images for 4 of them
    correct = {"relu": _correct(45, [0, 1]), "crelu@1": _correct(45, [2, 3]), "relu-half": _correct(45, [9])}
    lines, warnings = eval_size_lines(correct, 1.0)
    assert len(lines) == 1  # CReLU variants only; an equal-cost ReLU control is not a candidate
    need = stats.images_for_budget(4 / 45, 1.0)
    assert "crelu@1 and relu are right on different images for 4 of them (8.9%)" in lines[0]
    assert f"needs about {need:,} eval images" in lines[0]
    assert len(warnings) == 1 and "resolves accuracy budgets down to about 12 points, not 1" in warnings[0]
    assert f"about {int(np.ceil(need / 0.15)):,} images in the data" in warnings[0]


def test_a_set_large_enough_gives_a_line_and_no_warning():
    n = 20000
    correct = {"relu": _correct(n, list(range(100))), "crelu-half@4": _correct(n, list(range(50, 150)))}
    lines, warnings = eval_size_lines(correct, 1.0)
    assert len(lines) == 1 and not warnings
    assert "this set resolves budgets down to about 0.14 points" in lines[0]


def test_no_image_differs_plans_at_the_upper_bound():
    correct = {"relu": _correct(45, [0]), "crelu@1": _correct(45, [0])}
    lines, _ = eval_size_lines(correct, 1.0)
    assert "right on the same images (planned at the 95 % upper bound of the share that differs, 7.9%)" in lines[0]


def test_without_a_relu_variant_nothing_is_said():
    assert eval_size_lines({"crelu@1": _correct(10, [])}, 1.0) == ([], [])


def test_calibration_advice_fits_the_training_images():
    # 256 asked, 210 usable: every training image already calibrates, so no larger --calib-size
    assert "--calib-size" not in calib_advice(210, 256, 210)
    assert "already holds every usable training image, 210" in calib_advice(210, 256, 210)
    assert "--calib-size" not in calib_advice(200, 256, 210)  # the rest are eval duplicates
    assert calib_advice(256, 256, 5000) == \
        ", or a larger --calib-size (the training split holds 5000 images; 256 calibrate now)"
