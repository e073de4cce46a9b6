"""Explicit INT8: a symmetric, per-channel QDQ model from ONNX Runtime's ``quantize_static``.

Zero points are 0 and activations and weights are int8 (``ActivationSymmetric``/``WeightSymmetric``),
so TensorRT (which has no implicit calibration from 11.0 on) consumes the same file as ORT.
Calibration images come from the bundle's calibration set, drawn from the *training* split.

Weights: ``reduced`` (the default) quantizes them to a 7-bit range (``reduce_range=True``, still
symmetric int8, so TensorRT takes it too); ``full`` uses the whole int8 range. On x86 CPUs without
VNNI, ONNX Runtime's fused integer kernels saturate with full-range weights, so a ``full`` file is
accurate only with graph optimisations off (docs/platform-notes.md "ONNX Runtime").
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from edgecrelu.errors import EdgeCReLUError, unknown
from edgecrelu.export import INT8_WEIGHTS


def _reader(x: np.ndarray, input_name: str, batch: int):
    from onnxruntime.quantization import CalibrationDataReader

    class _Reader(CalibrationDataReader):
        """Feeds the calibration images in batches, once."""

        def __init__(self):
            self._it = iter(range(0, len(x), batch))

        def get_next(self):
            i = next(self._it, None)
            return None if i is None else {input_name: x[i:i + batch]}

        def rewind(self):
            self._it = iter(range(0, len(x), batch))

    return _Reader()


def quantize_int8(model: onnx.ModelProto, calib_x: np.ndarray, method: str = "minmax",
                  input_name: str = "input", batch: int = 32, weights: str = "reduced") -> onnx.ModelProto:
    """QDQ int8 of a float32 ``model``, calibrated on ``calib_x`` (float32 NCHW, preprocessed);
    ``weights``: ``reduced`` (7-bit range) or ``full`` (see the module docstring)."""
    from onnxruntime.quantization import CalibrationMethod

    methods = {"minmax": CalibrationMethod.MinMax, "entropy": CalibrationMethod.Entropy,
               "percentile": CalibrationMethod.Percentile}
    if method not in methods:
        raise unknown("calibration method", method, methods)
    if weights not in INT8_WEIGHTS:
        raise unknown("int8 weight range", weights, INT8_WEIGHTS)
    if len(calib_x) == 0:
        raise EdgeCReLUError("INT8 needs calibration images; the calibration set is empty")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # ORT's quantizer logs advice to the root logger at WARNING
    try:
        return _quantize(model, calib_x, methods[method], input_name, batch, weights == "reduced")
    except (EdgeCReLUError, MemoryError):
        raise
    except Exception as exc:  # ORT raises ValueError / RuntimeError / its own Fail; one line for the user
        text = str(exc).strip().splitlines()
        raise EdgeCReLUError(f"INT8 quantization failed: {type(exc).__name__}: {text[0] if text else ''}") from None
    finally:
        root.setLevel(level)


def _quantize(model, calib_x, calibrate_method, input_name, batch, reduce_range):
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory(prefix="edgecrelu-int8-") as tmp:
        src, pre, dst = (Path(tmp) / n for n in ("fp32.onnx", "pre.onnx", "int8.onnx"))
        onnx.save(model, src)
        # the entropy / percentile calibrators print progress to stdout; the CLI owns that stream
        with contextlib.redirect_stdout(io.StringIO()):
            # ONNX shape inference covers these CNNs (the exporter writes value_info); ORT's symbolic
            # shape inference would add ~2 s per model at 32 px for nothing
            quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)
            quantize_static(
                str(pre), str(dst), _reader(calib_x.astype(np.float32), input_name, batch),
                quant_format=QuantFormat.QDQ, per_channel=True,
                activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                calibrate_method=calibrate_method, reduce_range=reduce_range,
                extra_options={"ActivationSymmetric": True, "WeightSymmetric": True},
            )
        return onnx.load(dst)


def qdq_summary(model: onnx.ModelProto) -> dict:
    """What a reviewer checks in a QDQ file: QuantizeLinear count, zero-point values and types,
    and how many weights carry per-channel scales (a 1-D scale with more than one element)."""
    inits = {t.name: t for t in model.graph.initializer}
    zps, zp_types, per_channel = [], set(), 0
    n_q = 0
    for n in model.graph.node:
        if n.op_type not in ("QuantizeLinear", "DequantizeLinear"):
            continue
        n_q += n.op_type == "QuantizeLinear"
        if len(n.input) > 2 and n.input[2] in inits:
            t = inits[n.input[2]]
            zp_types.add(onnx.TensorProto.DataType.Name(t.data_type))
            zps.extend(numpy_helper.to_array(t).ravel().tolist())
        w = inits.get(n.input[0]) if n.op_type == "DequantizeLinear" else None
        # a conv / gemm weight: per-channel when there is one scale per output channel
        if (w is not None and w.data_type == onnx.TensorProto.INT8 and len(w.dims) >= 2 and n.input[1] in inits
                and numpy_helper.to_array(inits[n.input[1]]).size > 1):
            per_channel += 1
    return {"quantize_linear": n_q, "zero_points_all_zero": bool(zps) and not any(zps),
            "zero_point_types": sorted(zp_types), "per_channel_weights": per_channel}
