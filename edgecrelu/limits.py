"""Upper bounds from the machine for options that size work: threads, batch, input size, width.

A value past them would not measure anything useful: ``--threads 100000`` exhausts the process
limit, ``--input-size 100000`` or ``--batch 100000`` allocate until memory runs out. Each bound is
derived from what this machine has (CPUs, memory), and a refusal says which and how much.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable

from edgecrelu.errors import EdgeCReLUError

THREADS_PER_CPU = 4  # oversubscription a user may still want to see; more is only contention
BYTES_PER_INPUT_VALUE = 4  # float32
ACTIVATION_FACTOR = 64  # activations and copies held per input value during a forward pass (generous)
MAX_WIDTH = 64.0  # width multiplier: parameters grow with its square; 64x the base net is far past any edge GPU


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def memory_bytes() -> int:
    """Physical memory of this machine (8 GiB where it cannot be read)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 8 << 30


def max_threads() -> int:
    n = cpus() * THREADS_PER_CPU
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
        if soft != resource.RLIM_INFINITY and soft > 0:
            n = min(n, max(1, soft // 4))
    except (ImportError, OSError, ValueError):
        pass
    return n


def check_threads(n: int, where: str = "--threads") -> int:
    m = max_threads()
    if n > m:
        raise EdgeCReLUError(f"{where}{' ' if where else ''}{n} is more than this machine can use ({cpus()} CPUs; at most {m})")
    return n


def input_bytes(batch: int, shape: Iterable[int]) -> int:
    return batch * math.prod(int(d) for d in shape) * BYTES_PER_INPUT_VALUE


def check_batch(batch: int, shape: Iterable[int], where: str = "--batch") -> int:
    """A batch whose inputs (times the activations a forward pass holds) fit in half the memory."""
    need = input_bytes(batch, shape) * ACTIVATION_FACTOR
    have = memory_bytes() // 2
    if need > have:
        most = max(1, have // max(1, input_bytes(1, shape) * ACTIVATION_FACTOR))
        raise EdgeCReLUError(f"{where}{' ' if where else ''}{batch} of {list(shape)} inputs needs about {need >> 20} MiB, more than "
                             f"half of this machine's {memory_bytes() >> 20} MiB; at most {most}")
    return batch


def max_input_size(channels: int = 3) -> int:
    """The largest square side whose one image, times the activations, fits in half the memory."""
    return int(math.sqrt(memory_bytes() // 2 / (channels * BYTES_PER_INPUT_VALUE * ACTIVATION_FACTOR)))


def check_input_size(size: int, where: str = "--input-size", channels: int = 3) -> int:
    m = max_input_size(channels)
    if size > m:
        raise EdgeCReLUError(f"{where}{' ' if where else ''}{size} is too large for this machine's {memory_bytes() >> 20} MiB "
                             f"of memory; at most {m}")
    return size


def check_width(width: float, where: str = "--width") -> float:
    if not math.isfinite(width) or width > MAX_WIDTH:
        raise EdgeCReLUError(f"{where}{' ' if where else ''}{width} is not a finite number <= {MAX_WIDTH:g}")
    return width
