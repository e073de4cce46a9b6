"""PyTorch -> ONNX with the dynamo exporter, the full checker, and ORT-vs-PyTorch parity.

docs/platform-notes.md "Export": ``dynamo=True``, ``external_data=False`` (one file), an explicit opset and a
named dynamic batch axis; both exporters fold eval-mode BatchNorm into Conv.

Global average pooling is written as ``GlobalAveragePool``, not ``ReduceMean``: from opset 18
ReduceMean takes its axes as an input, which the ONNX parsers of TensorRT 8.5 / 8.6 (JetPack 5 / 6.0,
still reachable through ONNX Runtime's TensorRT provider) ignore, reducing every axis
(docs/platform-notes.md "TensorRT"). GlobalAveragePool means the same at every opset.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import onnx

from edgecrelu.backends.onnxruntime.loader import check_options, open_session
from edgecrelu.errors import EdgeCReLUError, first_line
from edgecrelu.scoring import topk_accuracy

if TYPE_CHECKING:  # torch is imported inside the functions that run it
    from torch import nn

INPUT_NAME = "input"
OUTPUT_NAME = "logits"


def export_onnx(model: nn.Module, input_shape: Sequence[int], opset: int = 18) -> onnx.ModelProto:
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
    if prog is None:  # only the legacy exporter (dynamo=False) returns no program
        raise EdgeCReLUError("ONNX export failed: the exporter returned no program")
    proto = prog.model_proto
    written = opset_of(proto)
    if written != opset:  # the exporter falls back to its own opset, with a warning only, where it cannot convert
        raise EdgeCReLUError(f"--opset {opset}: the exporter of torch {torch.__version__} wrote opset {written} "
                             f"instead; choose an opset it can convert to (e.g. {written})")
    global_pool_rewrite(proto)
    check(proto)
    return proto


def opset_of(model: onnx.ModelProto) -> int | None:
    """The default (``ai.onnx``) domain's opset a model imports: what the file really is."""
    return next((int(o.version) for o in model.opset_import if o.domain in ("", "ai.onnx")), None)


def _reduce_axes(model: onnx.ModelProto, node) -> list[int] | None:
    for a in node.attribute:  # opset < 18: an attribute
        if a.name == "axes":
            return list(a.ints)
    if len(node.input) > 1 and node.input[1]:  # opset >= 18: an input, a constant here
        for init in model.graph.initializer:
            if init.name == node.input[1]:
                return [int(v) for v in onnx.numpy_helper.to_array(init).ravel()]
        for c in model.graph.node:
            if c.op_type == "Constant" and c.output[0] == node.input[1]:
                return [int(v) for v in onnx.numpy_helper.to_array(c.attribute[0].t).ravel()]
    return None


def global_pool_rewrite(model: onnx.ModelProto) -> int:
    """Replace each ``ReduceMean`` over the spatial axes of a 4-D tensor by ``GlobalAveragePool``
    (plus ``Flatten`` when the dims were not kept), in place; returns how many were replaced."""
    from onnx import helper

    ranks = {}
    try:
        inferred = onnx.shape_inference.infer_shapes(model)
        for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
            if vi.type.tensor_type.HasField("shape"):
                ranks[vi.name] = len(vi.type.tensor_type.shape.dim)
    except Exception:  # no shapes: only rewrite where the axes alone say NCHW spatial
        pass
    nodes, replaced, dropped = [], 0, set()
    for node in model.graph.node:
        if node.op_type != "ReduceMean":
            nodes.append(node)
            continue
        axes = _reduce_axes(model, node)
        rank = ranks.get(node.input[0], 4)
        norm = sorted(a % rank for a in axes) if axes else None
        if rank != 4 or norm != [2, 3]:
            nodes.append(node)
            continue
        keep = next((a.i for a in node.attribute if a.name == "keepdims"), 1)
        out = node.output[0]
        pooled = out if keep else f"{out}__gap"
        nodes.append(helper.make_node("GlobalAveragePool", [node.input[0]], [pooled], name=f"{node.name}_gap"))
        if not keep:
            nodes.append(helper.make_node("Flatten", [pooled], [out], axis=1, name=f"{node.name}_flatten"))
        if len(node.input) > 1 and node.input[1]:
            dropped.add(node.input[1])
        replaced += 1
    if replaced:
        used = {i for n in nodes for i in n.input}
        del model.graph.node[:]
        model.graph.node.extend(n for n in nodes if not (n.op_type == "Constant" and n.output[0] in dropped
                                                         and n.output[0] not in used))
        keep_inits = [i for i in model.graph.initializer if not (i.name in dropped and i.name not in used)]
        del model.graph.initializer[:]
        model.graph.initializer.extend(keep_inits)
    return replaced


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


def ort_logits(model: onnx.ModelProto | bytes | str | os.PathLike, x: np.ndarray, batch: int = 256) -> np.ndarray:
    """Logits of ``model`` (proto, bytes or path) on ``x`` (float32 NCHW), in batches, from a CPU
    ONNX Runtime session with the accuracy-check settings (``check_options``)."""
    sess = open_session(model, check_options())
    outs = [sess.run([OUTPUT_NAME], {INPUT_NAME: x[i:i + batch]})[0] for i in range(0, len(x), batch)]
    return np.concatenate(outs).astype(np.float32)


def torch_logits(model: nn.Module, x: np.ndarray, batch: int = 256) -> np.ndarray:
    import torch

    model = model.eval()
    with torch.inference_mode():
        outs = [model(torch.from_numpy(x[i:i + batch])).numpy() for i in range(0, len(x), batch)]
    return np.concatenate(outs).astype(np.float32)


def finite_logits(logits: np.ndarray, what: str) -> np.ndarray:
    """``logits`` unchanged, or a one-line error when any is NaN or inf: a max difference or an
    accuracy taken over them means nothing (``nan > tol`` is False, so a gate would pass)."""
    bad = ~np.isfinite(logits).reshape(len(logits), -1).all(axis=1)
    if bad.any():
        raise EdgeCReLUError(f"{what} gives NaN or inf logits on {int(bad.sum())} of {len(logits)} eval images "
                             f"(the first is image {int(np.flatnonzero(bad)[0])}); bundle not written")
    return logits


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) if a.size else 0.0


def accuracy(logits: np.ndarray, y: np.ndarray) -> dict:
    """``{"top1", "top5", "n"}`` as fractions (top-k capped at the number of classes)."""
    return {"top1": topk_accuracy(logits, y, 1), "top5": topk_accuracy(logits, y, 5), "n": int(len(y))}
