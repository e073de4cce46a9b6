"""Host / device buffer sizes for an engine's I/O tensors at one batch size (no TensorRT needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from edgecrelu.errors import EdgeCReLUError


@dataclass(frozen=True)
class TensorSpec:
    """An engine I/O tensor as the engine reports it (``-1`` marks a dynamic dimension)."""

    name: str
    shape: tuple[int, ...]  # e.g. (-1, 1, 32, 32)
    dtype: str  # numpy dtype name: "float32", "float16", "int8", ...
    is_input: bool


@dataclass(frozen=True)
class BufferSpec:
    """A concrete buffer for one batch size."""

    name: str
    shape: tuple[int, ...]  # concrete shape
    dtype: str
    nbytes: int
    is_input: bool


def resolve_shape(shape: Sequence[int], batch: int, name: str = "tensor") -> tuple[int, ...]:
    """Replace a dynamic batch (axis 0) with ``batch``; any other dynamic axis is an error."""
    out = list(int(d) for d in shape)
    if not out:
        return ()
    if out[0] < 0:
        out[0] = int(batch)
    if any(d < 0 for d in out):
        raise EdgeCReLUError(f"{name} has a dynamic dimension other than the batch: {tuple(shape)}")
    return tuple(out)


def plan_buffers(specs: Sequence[TensorSpec], batch: int) -> list[BufferSpec]:
    """One buffer per I/O tensor, sized for ``batch``."""
    if batch < 1:
        raise EdgeCReLUError(f"batch must be >= 1, got {batch}")
    out = []
    for s in specs:
        shape = resolve_shape(s.shape, batch, s.name)
        nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(s.dtype).itemsize
        out.append(BufferSpec(s.name, shape, s.dtype, nbytes, s.is_input))
    return out


def total_bytes(buffers: Sequence[BufferSpec]) -> int:
    return sum(b.nbytes for b in buffers)


def check_feed(buffers: Sequence[BufferSpec], feed: Mapping[str, np.ndarray]) -> None:
    """One-line error when the feed does not match the input buffers' names and shapes."""
    inputs = {b.name: b for b in buffers if b.is_input}
    missing = sorted(set(inputs) - set(feed))
    if missing:
        raise EdgeCReLUError(f"missing input(s): {', '.join(missing)}; the engine takes {', '.join(sorted(inputs))}")
    for name, b in inputs.items():
        shape = tuple(np.shape(feed[name]))
        if shape != b.shape:
            raise EdgeCReLUError(f"input '{name}' has shape {shape}; this engine runner expects {b.shape}")
