"""How the shipped artifact becomes an engine on the target, with the options it was profiled with:
for a TensorRT cell the ``trtexec`` line and the same build through TensorRT's Python API (from the
build plan its record keeps); for ONNX Runtime the session options."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from edgecrelu.errors import EdgeCReLUError

if TYPE_CHECKING:
    from edgecrelu.backends.tensorrt.builder import BuildPlan


def build_plan(record: dict) -> BuildPlan:
    """The :class:`~edgecrelu.backends.tensorrt.builder.BuildPlan` a TensorRT record was built with."""
    from edgecrelu.backends.tensorrt.builder import BuildPlan, ShapeProfile

    plan = ((record.get("settings") or {}).get("backend") or {}).get("plan")
    if not isinstance(plan, dict):
        raise EdgeCReLUError("the TensorRT record keeps no build plan (settings.backend.plan): profile it again "
                             "with this edgecrelu")
    p = dict(plan)
    prof = p.pop("profile")
    shapes = {k: tuple(prof[k]) for k in ("min", "opt", "max")}
    return BuildPlan(**{**p, "builder_flags": tuple(p["builder_flags"]),
                        "profile": ShapeProfile(prof["input_name"], **shapes)})


def trtexec_line(record: dict, onnx_file: str, engine_file: str) -> str:
    from edgecrelu.backends.tensorrt.trtexec import trtexec_command

    backend = (record.get("settings") or {}).get("backend") or {}
    cmd = trtexec_command(build_plan(record), onnx_file, cuda_graph=bool(backend.get("cuda_graph")),
                          transfers=bool(backend.get("transfers_in_latency", True)))
    return " ".join([*cmd, f"--saveEngine={engine_file}"])


BUILD_SCRIPT = '''#!/usr/bin/env python3
"""Build {engine} from {onnx} with TensorRT's Python API and the options it was profiled with
(the same build as build_engine.sh's trtexec line). Run it on the target: engines are not portable."""
import sys

import tensorrt as trt

PLAN = {plan}

logger = trt.Logger(trt.Logger.WARNING)
builder = trt.Builder(logger)
flags = 0
if PLAN["strongly_typed"]:
    flags |= 1 << int(trt.NetworkDefinitionCreationFlag.STRONGLY_TYPED)
if PLAN["explicit_batch_flag"]:
    flags |= 1 << int(trt.NetworkDefinitionCreationFlag.EXPLICIT_BATCH)
network = builder.create_network(flags)
parser = trt.OnnxParser(network, logger)
if not parser.parse_from_file("{onnx}"):
    sys.exit("cannot parse {onnx}: " + "; ".join(str(parser.get_error(i)) for i in range(parser.num_errors)))
config = builder.create_builder_config()
config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, PLAN["workspace_bytes"])
if PLAN["optimization_level"] is not None:
    config.builder_optimization_level = PLAN["optimization_level"]
for name in PLAN["builder_flags"]:
    config.set_flag(getattr(trt.BuilderFlag, name))
if PLAN["dla_core"] >= 0:
    config.default_device_type = trt.DeviceType.DLA
    config.DLA_core = PLAN["dla_core"]
shapes = PLAN["profile"]
profile = builder.create_optimization_profile()
profile.set_shape(shapes["input_name"], shapes["min"], shapes["opt"], shapes["max"])
config.add_optimization_profile(profile)
engine = builder.build_serialized_network(network, config)
if engine is None:
    sys.exit("TensorRT could not build the engine (run with a VERBOSE logger to see why)")
with open("{engine}", "wb") as f:
    f.write(engine)
print("wrote {engine}")
'''


def build_script(record: dict, onnx_file: str, engine_file: str) -> str:
    plan = build_plan(record).key_options()
    return BUILD_SCRIPT.format(plan=json.dumps(plan, indent=4, sort_keys=True).replace("null", "None")
                               .replace("true", "True").replace("false", "False"),
                               onnx=onnx_file, engine=engine_file)


def onnxruntime_options(record: dict) -> dict:
    """The session options the record ran with (what the inference script applies)."""
    settings = record.get("settings") or {}
    backend = settings.get("backend") or {}
    return {"threads": settings.get("threads"), "graph_optimization": backend.get("graph_optimization", "all"),
            "providers": backend.get("providers") or ["CPUExecutionProvider"]}
