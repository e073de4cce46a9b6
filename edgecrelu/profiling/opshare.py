"""Where an ONNX Runtime cell's time goes: the record's ``ops`` field, measured after the cell's
timed trials in a separate short run of its own session (never inside the timed loop).

``ops = {"shares": {op_type: fraction of kernel time}, "total_ms", "runs", "convs": {"qlinear",
"float"} | null}``; ``convs`` (how many convs ORT runs as integer QLinearConv vs float, from ORT's
optimised model) is given for INT8 cells on the CPU provider, where that count says whether the QDQ
file runs as integer arithmetic at all (docs/platform-notes.md "ONNX Runtime").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from edgecrelu.errors import first_line
from edgecrelu.profiling.trials import input_batch
from edgecrelu.registries import ORT_CPU_PROVIDER as CPU

if TYPE_CHECKING:
    from edgecrelu.bundle import Bundle
    from edgecrelu.devices import DeviceProfile
    from edgecrelu.results import Cell

PROFILED_RUNS = 5


def _feed(x: np.ndarray, batch: int, input_name: str) -> dict[str, np.ndarray]:
    return {input_name: input_batch(x, batch).astype(np.float32, copy=False)}


def cell_ops(bundle: Bundle, cell: Cell, profile: DeviceProfile, eval_x: np.ndarray,
             runs: int = PROFILED_RUNS) -> tuple[dict[str, Any] | None, str | None]:
    """``(ops, warning)`` for an ``onnxruntime`` cell; ``(None, None)`` for any other backend."""
    if cell.backend != "onnxruntime":
        return None, None
    from edgecrelu.backends.base import find_artifact
    from edgecrelu.backends.onnxruntime.opprofile import conv_kinds, op_time_shares

    art = find_artifact(bundle, cell)
    if art is None:
        return None, None
    path = bundle.path(art.path)
    options = profile.onnxruntime
    try:
        feed = _feed(eval_x, cell.batch, bundle.model.get("input_name") or "input")
        ops = op_time_shares(path, options, feed, runs=runs, trt=getattr(profile, "tensorrt", None),
                             precision=cell.precision)
        cpu_only = all(p == CPU for p in options.providers)
        ops["convs"] = conv_kinds(path, options) if cell.precision == "int8" and cpu_only else None
    except Exception as exc:  # a profiler failure must not lose the cell's measured record
        return None, f"op profile not taken: {_why(exc)}"
    return ops, None


def _why(exc: Exception) -> str:
    """One line; a trace cut short (ORT writes it into TMPDIR: a full disk leaves half a JSON file) says so."""
    import errno
    import json
    import tempfile

    tmp = tempfile.gettempdir()
    if isinstance(exc, json.JSONDecodeError) or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC):
        return (f"ONNX Runtime's profile trace in the temporary directory {tmp} was cut short or could not be "
                f"written (is TMPDIR full?): {first_line(exc)}")
    return first_line(exc)


def convs_text(ops: dict | None) -> str | None:
    """``"5 of 9 convs run as QLinearConv"`` or None."""
    c = (ops or {}).get("convs")
    if not c:
        return None
    total = c["qlinear"] + c["float"]
    return f"{c['qlinear']} of {total} convs run as QLinearConv"
