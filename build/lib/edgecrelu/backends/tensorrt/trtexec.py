"""trtexec interop: the command line that builds the same engine as a :class:`BuildPlan`, and a parser
for trtexec's performance summary, so edgecrelu's numbers can be checked against the tool users know."""

from __future__ import annotations

import re

from edgecrelu.backends.tensorrt.builder import BuildPlan
from edgecrelu.backends.tensorrt.version import TrtVersion

STATS = ("Latency", "Enqueue Time", "H2D Latency", "GPU Compute Time", "D2H Latency")


def _dims(shape) -> str:
    return "x".join(str(int(d)) for d in shape)


def trtexec_command(plan: BuildPlan, onnx_path: str, *, timing_cache: str | None = None,
                    cuda_graph: bool = False, transfers: bool = True) -> list[str]:
    """trtexec arguments that build (and time) the engine ``plan`` describes.

    ``transfers=False`` adds ``--noDataTransfers`` before 11.0 (11.x leaves transfers out by default)."""
    p = plan.profile
    cmd = [
        "trtexec", f"--onnx={onnx_path}",
        f"--minShapes={p.input_name}:{_dims(p.min)}",
        f"--optShapes={p.input_name}:{_dims(p.opt)}",
        f"--maxShapes={p.input_name}:{_dims(p.max)}",
        f"--shapes={p.input_name}:{_dims(p.opt)}",
        f"--memPoolSize=workspace:{plan.workspace_bytes >> 20}",  # MiB, the unit both 8.6 and 10.x default to
    ]
    if plan.optimization_level is not None:
        cmd.append(f"--builderOptimizationLevel={plan.optimization_level}")
    if plan.strongly_typed:
        cmd.append("--stronglyTyped")
    cmd += [f"--{f.lower()}" for f in plan.builder_flags if f in ("FP16", "INT8")]  # --fp16 / --int8
    if plan.dla_core >= 0:
        cmd += [f"--useDLACore={plan.dla_core}", "--allowGPUFallback"]
    if timing_cache:
        cmd.append(f"--timingCacheFile={timing_cache}")
    if cuda_graph:
        cmd.append("--useCudaGraph")
    if not transfers and TrtVersion.parse(plan.trt_version).major < 11:
        cmd.append("--noDataTransfers")
    return cmd


_NUM = r"([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"


def parse_summary(text: str) -> dict:
    """trtexec's "Performance summary" -> {"throughput_qps", "latency": {min, max, mean, median, p90, ...}, ...}.

    Stat names become snake case (``gpu_compute_time``); ``percentile(99%)`` becomes ``p99``. Lines
    may carry trtexec's ``[timestamp] [I]`` prefixes. Missing items are simply absent.
    """
    out: dict = {}
    m = re.search(rf"Throughput:\s*{_NUM}\s*qps", text)
    if m:
        out["throughput_qps"] = float(m.group(1))
    for stat in STATS:
        m = re.search(rf"(?:^|\]\s|\s){re.escape(stat)}:\s*(min = .*)$", text, re.MULTILINE)
        if not m:
            continue
        fields = {}
        for key, val in re.findall(rf"([a-z]+|percentile\(\d+(?:\.\d+)?%\))\s*=\s*{_NUM}\s*ms", m.group(1)):
            pm = re.match(r"percentile\((\d+(?:\.\d+)?)%\)", key)
            if pm:
                q = float(pm.group(1))
                key = f"p{int(q)}" if q.is_integer() else f"p{q}"
            fields[key] = float(val)
        out[stat.lower().replace(" ", "_")] = fields
    for label, key in (("Total Host Walltime", "total_host_walltime_s"),
                       ("Total GPU Compute Time", "total_gpu_compute_time_s")):
        m = re.search(rf"{label}:\s*{_NUM}\s*s\b", text)
        if m:
            out[key] = float(m.group(1))
    return out
