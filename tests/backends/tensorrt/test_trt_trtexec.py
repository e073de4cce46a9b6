"""trtexec interop. The summary below is a recorded-format double of trtexec 10.x output (no
TensorRT here); the numbers are made up and only exercise the parser."""

from __future__ import annotations

import pytest

from edgecrelu.backends.tensorrt.builder import make_plan
from edgecrelu.backends.tensorrt.trtexec import parse_summary, trtexec_command
from edgecrelu.devices import TrtOptions

SUMMARY = """[11/28/2026-04:00:00] [I] === Performance summary ===
[11/28/2026-04:00:00] [I] Throughput: 1523.41 qps
[11/28/2026-04:00:00] [I] Latency: min = 0.61 ms, max = 1.9 ms, mean = 0.65 ms, median = 0.64 ms, percentile(90%) = 0.68 ms, percentile(95%) = 0.7 ms, percentile(99%) = 0.81 ms
[11/28/2026-04:00:00] [I] Enqueue Time: min = 0.01 ms, max = 0.2 ms, mean = 0.02 ms, median = 0.02 ms, percentile(90%) = 0.03 ms, percentile(95%) = 0.03 ms, percentile(99%) = 0.05 ms
[11/28/2026-04:00:00] [I] H2D Latency: min = 0.01 ms, max = 0.05 ms, mean = 0.012 ms, median = 0.012 ms, percentile(90%) = 0.013 ms, percentile(95%) = 0.014 ms, percentile(99%) = 0.02 ms
[11/28/2026-04:00:00] [I] GPU Compute Time: min = 0.58 ms, max = 1.8 ms, mean = 0.62 ms, median = 0.61 ms, percentile(90%) = 0.65 ms, percentile(95%) = 0.66 ms, percentile(99%) = 0.77 ms
[11/28/2026-04:00:00] [I] D2H Latency: min = 0.004 ms, max = 0.02 ms, mean = 0.005 ms, median = 0.005 ms, percentile(90%) = 0.006 ms, percentile(95%) = 0.006 ms, percentile(99%) = 0.008 ms
[11/28/2026-04:00:00] [I] Total Host Walltime: 3.00141 s
[11/28/2026-04:00:00] [I] Total GPU Compute Time: 2.8331 s
"""


def test_parse_summary():
    s = parse_summary(SUMMARY)
    assert s["throughput_qps"] == pytest.approx(1523.41)
    assert s["latency"] == {"min": 0.61, "max": 1.9, "mean": 0.65, "median": 0.64, "p90": 0.68, "p95": 0.7,
                            "p99": 0.81}
    assert s["gpu_compute_time"]["p99"] == pytest.approx(0.77)
    assert s["h2d_latency"]["mean"] == pytest.approx(0.012) and s["d2h_latency"]["max"] == pytest.approx(0.02)
    assert s["enqueue_time"]["median"] == pytest.approx(0.02)
    assert s["total_host_walltime_s"] == pytest.approx(3.00141)
    assert s["total_gpu_compute_time_s"] == pytest.approx(2.8331)
    assert parse_summary("nothing here") == {}


def _plan(version, precision, **kw):
    return make_plan(TrtOptions(**kw), precision, version, batches=(1, 32), batch=8, input_name="input",
                     input_chw=(1, 8, 8), module="NVIDIA Jetson AGX Orin Developer Kit")


def test_command_weak_typing_int8():
    cmd = trtexec_command(_plan("10.3.0", "int8", workspace_mb=512), "m.onnx", timing_cache="t.cache",
                          cuda_graph=True)
    assert cmd[:2] == ["trtexec", "--onnx=m.onnx"]
    assert "--minShapes=input:1x1x8x8" in cmd and "--optShapes=input:8x1x8x8" in cmd
    assert "--maxShapes=input:32x1x8x8" in cmd and "--memPoolSize=workspace:512" in cmd
    assert "--int8" in cmd and "--fp16" not in cmd and "--stronglyTyped" not in cmd
    assert "--timingCacheFile=t.cache" in cmd and "--useCudaGraph" in cmd


def test_command_strongly_typed_and_dla():
    cmd = trtexec_command(_plan("11.4.1", "fp16", dla_core=1), "m.onnx")
    assert "--stronglyTyped" not in cmd and "--fp16" not in cmd  # 11.x: always strongly typed
    assert "--useDLACore=1" in cmd and "--allowGPUFallback" in cmd
    assert "--shapes=input:8x1x8x8" in cmd and "--minShapes=input:8x1x8x8" in cmd  # DLA: static


def test_command_without_data_transfers():
    assert "--noDataTransfers" in trtexec_command(_plan("10.3.0", "fp16"), "m.onnx", transfers=False)
    assert "--noDataTransfers" not in trtexec_command(_plan("10.3.0", "fp16"), "m.onnx")
    assert "--noDataTransfers" not in trtexec_command(_plan("11.4.1", "fp16"), "m.onnx", transfers=False)  # 11's default


@pytest.mark.parametrize("graph, transfers, want, not_want", [
    # TensorRT 11: graphs and spin-wait on, transfers off by default; say what differs from that
    (False, True, ["--noCudaGraph", "--includeDataTransfers"], ["--useCudaGraph", "--noDataTransfers", "--useSpinWait"]),
    (True, False, [], ["--noCudaGraph", "--includeDataTransfers", "--useCudaGraph", "--noDataTransfers"]),
])
def test_tensorrt_11_flags_match_what_ran(graph, transfers, want, not_want):
    cmd = trtexec_command(_plan("11.4.1", "fp16"), "m.onnx", cuda_graph=graph, transfers=transfers)
    assert all(w in cmd for w in want) and not any(n in cmd for n in not_want)


def test_tensorrt_10_flags_match_what_ran():
    cmd = trtexec_command(_plan("10.3.0", "fp16"), "m.onnx", cuda_graph=False)
    assert "--useCudaGraph" not in cmd and "--useSpinWait" in cmd and "--noCudaGraph" not in cmd
