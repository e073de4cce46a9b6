"""Whether this CPU runs a full-range INT8 QDQ file honestly under ONNX Runtime.

docs/platform-notes.md "ONNX Runtime": on x86 CPUs without VNNI (AVX2 only), ORT's fused integer
kernels multiply u8 x s8 pairs with ``vpmaddubsw``, whose 16-bit sums saturate with full-range int8
weights; a 7-bit weight range (``export --int8-weights reduced``, the default) avoids it.
"""

from __future__ import annotations

import platform
from pathlib import Path

VNNI_FLAGS = ("avx512_vnni", "avx_vnni", "amx_int8")


def cpu_flags(cpuinfo: str | None = None) -> set[str] | None:
    """The CPU's feature flags from ``/proc/cpuinfo`` (None where it cannot be read)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            return None
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return None


def saturation_warning(info: dict, machine: str | None = None, flags: set[str] | None = None) -> str | None:
    """A record warning when a full-range INT8 artifact (manifest ``quantization.weight_range`` is
    ``full``, or absent: bundles from before the option were full range) runs on an x86 CPU without
    VNNI; None otherwise."""
    q = (info or {}).get("quantization")
    if not isinstance(q, dict) or q.get("weight_range", "full") != "full":
        return None
    machine = (machine or platform.machine()).lower()
    if machine not in ("x86_64", "amd64", "i686", "x86"):
        return None
    flags = cpu_flags() if flags is None else flags
    if flags is None or any(f in flags for f in VNNI_FLAGS):
        return None
    return ("full-range INT8 weights on an x86 CPU without VNNI: ONNX Runtime's integer kernels can "
            "saturate, so accuracy and timing may not be honest; export with --int8-weights reduced")
