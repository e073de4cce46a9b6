"""Where an ORT session's time goes (backends/onnxruntime/opprofile.py) and the full-range INT8
warning (int8cpu.py). Real ONNX Runtime sessions on small hand-built graphs."""

from __future__ import annotations

import numpy as np

from edgecrelu.backends.onnxruntime.int8cpu import cpu_flags, saturation_warning
from edgecrelu.backends.onnxruntime.loader import CPU
from edgecrelu.backends.onnxruntime.opprofile import (
    conv_kinds,
    node_medians,
    op_time_shares,
    per_op_us,
    shares,
)
from edgecrelu.devices import OrtOptions
from edgecrelu.export.forms import get_form
from edgecrelu.export.int8 import quantize_int8
from tests.export.onnx_models import conv_crelu_net

OPTIONS = OrtOptions(threads=1, providers=(CPU,))
X = np.random.default_rng(2).standard_normal((32, 1, 8, 8)).astype(np.float32)


def _save(proto, tmp_path, name):
    import onnx

    p = tmp_path / name
    onnx.save(proto, p)
    return p


def test_fp32_model_has_only_float_convs(tmp_path):
    p = _save(conv_crelu_net(), tmp_path, "fp32.onnx")
    assert conv_kinds(p, OPTIONS) == {"qlinear": 0, "float": 2}


def test_tile_form_keeps_every_int8_conv_quantized(tmp_path):
    """The tile form reads y once, so its QDQ file runs both convs as QLinearConv (docs/platform-notes.md)."""
    tile = get_form("tile").apply(conv_crelu_net())
    p = _save(quantize_int8(tile, X), tmp_path, "tile.int8.onnx")
    assert conv_kinds(p, OPTIONS) == {"qlinear": 2, "float": 0}
    graph = _save(quantize_int8(conv_crelu_net(), X), tmp_path, "graph.int8.onnx")
    k = conv_kinds(graph, OPTIONS)
    assert k["qlinear"] + k["float"] == 2  # both convs counted, whichever way this CPU runs them


def test_op_time_shares_come_from_the_profiler(tmp_path):
    p = _save(conv_crelu_net(), tmp_path, "fp32.onnx")
    out = op_time_shares(p, OPTIONS, {"input": X[:4]}, runs=3)
    assert out["runs"] == 3 and out["total_ms"] > 0
    assert abs(sum(out["shares"].values()) - 1) < 0.01
    assert "Conv" in out["shares"] and set(out["shares"]) <= {"Conv", "Neg", "Concat", "Relu",
                                                             "GlobalAveragePool", "Flatten", "Gemm", "FusedConv",
                                                             "ReorderInput", "ReorderOutput"}  # NCHWc layout
    assert list(out["shares"].values()) == sorted(out["shares"].values(), reverse=True)
    assert not list(tmp_path.glob("ort*.json"))  # the trace went to a temporary folder


def test_node_events_sum_kernel_time_per_op():
    trace = [{"cat": "Node", "name": "a_kernel_time", "dur": 30, "args": {"op_name": "Conv"}},
             {"cat": "Node", "name": "b_kernel_time", "dur": 10, "args": {"op_name": "Conv"}},
             {"cat": "Node", "name": "b_fence_before", "dur": 99, "args": {"op_name": "Conv"}},
             {"cat": "Session", "name": "model_run", "dur": 500},
             {"cat": "Node", "name": "c_kernel_time", "dur": 10, "args": {"op_name": "Relu"}}]
    assert per_op_us(node_medians(trace)) == {"Conv": 40.0, "Relu": 10.0}
    assert shares({"Conv": 40.0, "Relu": 10.0}) == {"Conv": 0.8, "Relu": 0.2}
    assert shares({}) == {}


def test_saturation_warning_only_for_full_range_on_x86_without_vnni():
    full = {"quantization": {"weight_range": "full"}}
    avx2 = {"avx2", "fma"}
    assert "without VNNI" in saturation_warning(full, "x86_64", avx2)
    assert saturation_warning({"quantization": {}}, "x86_64", avx2)  # older bundles: full range
    assert saturation_warning(full, "x86_64", avx2 | {"avx_vnni"}) is None
    assert saturation_warning(full, "aarch64", avx2) is None
    assert saturation_warning({"quantization": {"weight_range": "reduced"}}, "x86_64", avx2) is None
    assert saturation_warning({}, "x86_64", avx2) is None  # not an INT8 artifact


def test_cpu_flags_parse():
    assert cpu_flags("processor : 0\nflags\t\t: fpu avx2 avx512_vnni\n") == {"fpu", "avx2", "avx512_vnni"}
    assert cpu_flags("processor : 0\n") is None


def test_tile_int8_drops_the_requantization_between_sign_and_relu(tmp_path):
    """tile's post_quantize: DQ -> Mul(+-1) -> Relu -> Q, one float round trip per site, same logits."""
    from edgecrelu.export.forms.sites import count_ops
    from edgecrelu.export.onnx_export import check, ort_logits

    form = get_form("tile")
    fp32 = form.apply(conv_crelu_net())
    q = quantize_int8(fp32, X)
    q2 = form.post_quantize(q)
    check(q2)
    before, after = count_ops(q), count_ops(q2)
    assert after["QuantizeLinear"] == before["QuantizeLinear"] - 1 and after["Mul"] == 1
    assert np.abs(ort_logits(q2, X) - ort_logits(q, X)).max() <= 1e-6
    assert conv_kinds(_save(q2, tmp_path, "t.onnx"), OPTIONS) == {"qlinear": 2, "float": 0}
    assert get_form("graph").post_quantize(q) == q  # other forms leave their QDQ file alone


def test_node_medians_take_the_median_run_of_each_node():
    ev = [{"cat": "Node", "name": "c1_kernel_time", "dur": d, "args": {"op_name": "QLinearConv"}} for d in (900, 10, 12)]
    ev += [{"cat": "Node", "name": "m_kernel_time", "dur": 3, "args": {"op_name": "Mul"}},
           {"cat": "Session", "name": "model_run", "dur": 5000}]
    nodes = node_medians(ev)
    assert nodes == {"c1": ("QLinearConv", 12.0), "m": ("Mul", 3.0)}  # the 900 us warm-up left out
    assert per_op_us(nodes) == {"QLinearConv": 12.0, "Mul": 3.0}


def test_node_medians_read_a_real_profile(tmp_path):
    import json
    import os
    from pathlib import Path

    from edgecrelu.backends.onnxruntime.loader import open_session

    p = _save(conv_crelu_net(), tmp_path, "fp32.onnx")
    sess = open_session(p, OPTIONS, profile_prefix=os.path.join(tmp_path, "ort"))
    for _ in range(3):
        sess.run(None, {sess.get_inputs()[0].name: X})
    nodes = node_medians(json.loads(Path(sess.end_profiling()).read_text()))
    ops = per_op_us(nodes)
    assert any(op in ops for op in ("Conv", "FusedConv")) and all(v >= 0 for v in ops.values())
