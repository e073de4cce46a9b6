"""PyTorch -> ONNX with the dynamo exporter, the full checker, and ORT-vs-PyTorch parity.

docs/platform-notes.md "Export": ``dynamo=True``, ``external_data=False`` (one file), an explicit opset and a
named dynamic batch axis; both exporters fold eval-mode BatchNorm into Conv.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings

import numpy as np
import onnx

from edgecrelu.backends.onnxruntime.loader import check_options, open_session
from edgecrelu.errors import EdgeCReLUError, first_line
from edgecrelu.scoring import topk_accuracy

INPUT_NAME = "input"
OUTPUT_NAME = "logits"


def export_onnx(model, input_shape, opset: int = 18) -> onnx.ModelProto:
    """Export an eval-mode ``model`` taking ``[batch, *input_shape]`` to an ONNX ModelProto."""
    import torch

    model = model.eval()
    example = torch.zeros((2, *input_shape), dtype=torch.float32)
    batch = torch.export.Dim("batch")
    # The exporter narrates each step and warns about torchvision ops; keep the CLI output readable.
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        logging.getLogger("torch.onnx").setLevel(logging.ERROR)
        logging.getLogger("torch.onnx._internal.exporter._registration").setLevel(logging.ERROR)
        try:
            prog = torch.onnx.export(
                model, (example,), dynamo=True, external_data=False, opset_version=opset,
                input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                dynamic_shapes=({0: batch},), verbose=False,
            )
        except Exception as exc:  # the exporter raises many types; one line for the user
            raise EdgeCReLUError(f"ONNX export failed: {_root_cause(exc)}") from None
    proto = prog.model_proto
    check(proto)
    return proto


def _root_cause(exc: BaseException) -> str:
    """The innermost exception's first line (the exporter wraps the real error in step banners)."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}".rstrip(": ")


def check(model: onnx.ModelProto) -> None:
    """``onnx.checker`` with ``full_check`` (strict shape inference); one-line error on failure."""
    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise EdgeCReLUError(f"ONNX checker rejected the model: {first_line(exc)}") from None


def ort_logits(model, x: np.ndarray, batch: int = 256) -> np.ndarray:
    """Logits of ``model`` (proto, bytes or path) on ``x`` (float32 NCHW), in batches, from a CPU
    ONNX Runtime session with the accuracy-check settings (``check_options``)."""
    sess = open_session(model, check_options())
    outs = [sess.run([OUTPUT_NAME], {INPUT_NAME: x[i:i + batch]})[0] for i in range(0, len(x), batch)]
    return np.concatenate(outs).astype(np.float32)


def torch_logits(model, x: np.ndarray, batch: int = 256) -> np.ndarray:
    import torch

    model = model.eval()
    with torch.inference_mode():
        outs = [model(torch.from_numpy(x[i:i + batch])).numpy() for i in range(0, len(x), batch)]
    return np.concatenate(outs).astype(np.float32)


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) if a.size else 0.0


def accuracy(logits: np.ndarray, y: np.ndarray) -> dict:
    """``{"top1", "top5", "n"}`` as fractions (top-k capped at the number of classes)."""
    return {"top1": topk_accuracy(logits, y, 1), "top5": topk_accuracy(logits, y, 5), "n": int(len(y))}
