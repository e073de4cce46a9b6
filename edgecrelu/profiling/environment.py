"""What a reader needs to reproduce a number: host, OS, CPU model and flags, memory, GPU and driver,
library versions, and Jetson module / L4T / power mode / clocks. Torch-free; every probe is optional.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys

# CPU flags that change what ONNX Runtime's kernels can do (AVX-512 VNNI / AMX speed up INT8).
CPU_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512_bf16", "avx512_fp16", "avx512_vnni",
             "avx_vnni", "amx_tile", "amx_int8", "amx_bf16", "asimd", "asimddp", "sve", "i8mm", "bf16")
# Distributions whose versions every record lists, whichever backend ran (a missing one is None): a
# fixed set, not the backend registry, so the record's keys are the same on every machine and build.
LIBRARIES = ("edgecrelu", "onnxruntime", "onnxruntime-gpu", "onnx", "numpy", "tensorrt", "pycuda", "click")
# JetPack installs these from apt: no dist-info, but the module imports and knows its version.
IMPORT_ONLY = ("tensorrt",)


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def parse_cpuinfo(text: str) -> dict:
    """Model name and the interesting flags from ``/proc/cpuinfo`` (x86 ``flags``, Arm ``Features``)."""
    model: str | None = None
    flags: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key in ("model name", "hardware", "cpu model") and not model:
            model = value.strip()
        elif key in ("flags", "features") and not flags:
            flags = set(value.split())
    return {"model": model, "flags": [f for f in CPU_FLAGS if f in flags]}


def parse_meminfo(text: str) -> int | None:
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return None


def parse_nvidia_smi(csv_text: str) -> list[dict]:
    """``name, driver_version, memory.total [MiB]`` rows from ``nvidia-smi --query-gpu ... --format=csv,noheader``."""
    gpus = []
    for line in csv_text.strip().splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) >= 3:
            mem = parts[2].split()[0]
            gpus.append({"name": parts[0], "driver": parts[1],
                         "memory_total_mib": int(mem) if mem.isdigit() else None})
    return gpus


def _nvidia_smi() -> dict | None:
    exe = shutil.which("nvidia-smi")
    if not exe:
        return None
    try:
        q = subprocess.run([exe, "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                           capture_output=True, text=True, timeout=10)
        gpus = parse_nvidia_smi(q.stdout) if q.returncode == 0 else []
        head = subprocess.run([exe], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    cuda = None
    if "CUDA Version:" in head:
        cuda = head.split("CUDA Version:")[1].split()[0].strip(" |")
    return {"devices": gpus, "cuda_driver_version": cuda}


def library_versions() -> dict:
    import importlib
    from importlib import metadata

    out: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    for name in IMPORT_ONLY:
        if out[name] is None:
            try:
                mod = importlib.import_module(name)
            except Exception:  # ImportError, or OSError from a broken libnvinfer
                continue
            out[name] = getattr(mod, "__version__", "unknown")
    return out


def _ort_providers() -> list | None:
    """The execution providers this ONNX Runtime build offers (the record's ``onnxruntime_providers``)."""
    try:
        import onnxruntime as ort

        return list(ort.get_available_providers())
    except Exception:
        return None


def _jetson() -> dict | None:
    from edgecrelu.profiling.jetson import jetson_info

    try:
        return jetson_info()  # module, L4T, nvpmodel mode and jetson_clocks state on a Jetson; else None
    except Exception as exc:  # telemetry must never stop a measurement
        return {"error": f"{type(exc).__name__}: {exc}"}


def capture() -> dict:
    """The record's ``environment``: one dict, JSON-serialisable, every probe optional."""
    cpu = parse_cpuinfo(_read("/proc/cpuinfo") or "")
    if not cpu["model"]:
        cpu["model"] = platform.processor() or None
    cpu["arch"] = platform.machine()
    cpu["logical_cores"] = os.cpu_count()
    try:
        cpu["affinity_cores"] = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpu["affinity_cores"] = None
    gov = _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
    cpu["governor"] = gov.strip() if gov else None
    smi = _nvidia_smi()
    return {
        "host": platform.node(),
        "os": platform.platform(),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "cpu": cpu,
        "memory_total_bytes": parse_meminfo(_read("/proc/meminfo") or ""),
        "gpu": smi,
        "libraries": library_versions(),
        "onnxruntime_providers": _ort_providers(),
        "jetson": _jetson(),
    }
