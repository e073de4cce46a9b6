"""The profile run's estimate (before the first cell) and its time left (on every per-cell line)."""

import time
from types import SimpleNamespace

import pytest

from edgecrelu.profiling import eta
from edgecrelu.results import Cell

TIMING = SimpleNamespace(warmup_s=0.2, min_duration_s=1.0, min_iterations=30)


def _cell(batch):
    return Cell("relu", "graph", "fp32", "onnxruntime", batch)


def test_the_estimate_adds_start_up_warm_up_timed_loop_and_eval_pass():
    images = eta.ImageTimes(one=0.002, many=0.001, what="relu graph fp32")
    est = eta.estimate([_cell(1), _cell(32)], 1000, TIMING, "process", 90.0, images)
    start = eta.CELL_START_S["process"]
    b1 = start + 0.2 + max(1.0, 30 * 0.002) + 1000 * 0.002
    b32 = start + 0.2 + max(1.0, 30 * 32 * 0.001) + 32 * 32 * 0.001  # 1000 images in 32 padded batches of 32
    assert est.cells_s == pytest.approx(b1 + b32)
    assert est.total_s == pytest.approx(b1 + b32 + 90.0)
    line = est.line()
    assert line.startswith("estimate: 2 cell(s) to measure on 1000 eval images each")
    assert f"per-cell pass ~{eta.fmt_s(b1 + b32)}" in line and "1 min 30 s budget" in line
    assert f"in all ~{eta.fmt_s(b1 + b32 + 90)}" in line
    assert "one eval batch timed through relu graph fp32" in line  # how it was estimated


def test_without_a_timed_batch_the_estimate_says_why():
    est = eta.estimate([_cell(1)], 50, TIMING, "none", 1.0, None, "onnxruntime is not installed")
    assert est.cells_s == pytest.approx(eta.CELL_START_S["none"] + 0.2 + 1.0)
    assert "eval pass not timed (onnxruntime is not installed)" in est.line()
    nothing = eta.estimate([], 0, TIMING, "process", 300.0, None, "nothing to measure")
    assert nothing.line() == ("estimate: no cell left to measure; paired timing rounds up to their 5 min 00 s "
                              "budget, less if they decide earlier")


def test_one_eval_batch_through_the_reference_session_is_cheap(bundle):
    from edgecrelu.bundle import Bundle

    b = Bundle.open(bundle)
    x, _ = b.load_eval()
    t0 = time.perf_counter()
    images, why = eta.time_images(b, "relu", x)
    assert time.perf_counter() - t0 < 1.0
    assert why == "" and 0 < images.one < 0.1 and 0 < images.many < 0.1
    assert images.what == "relu graph fp32, ONNX Runtime CPU"


def test_time_left_follows_the_measured_cells():
    now = [100.0]
    est = eta.Estimate(cells=4, eval_images=50, cells_s=400.0, rounds_s=60.0, how="")
    p = eta.Progress(est, clock=lambda: now[0])
    assert p.left_s() == pytest.approx(400 + 60)  # nothing measured: the estimate
    now[0] += 2.0
    p.cell_done(2.0)  # a cell took 2 s, not the 100 s estimated: 3 cells left at 2 s each
    assert p.left_s() == pytest.approx(3 * 2.0 + 60)
    now[0] += 4.0
    p.cell_done(4.0)
    assert p.left_s() == pytest.approx(2 * 3.0 + 60)
    assert p.text() == "6.0 s elapsed, ~1 min 06 s left"


@pytest.mark.parametrize("s, text", [(0.042, "0.04 s"), (2.46, "2.5 s"), (38.2, "38 s"), (65, "1 min 05 s"),
                                     (7500, "2 h 05 min")])
def test_durations_read_like_a_clock(s, text):
    assert eta.fmt_s(s) == text
