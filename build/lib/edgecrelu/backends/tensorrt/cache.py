"""Engine cache on disk. Engines are not portable across GPUs or TensorRT versions (docs/platform-notes.md), so the
key hashes everything that decides the engine: the ONNX file's sha256, the precision, the builder
options, the TensorRT version and the GPU (name, compute capability, Jetson L4T release).

Layout: ``ROOT/<key>/engine.plan`` + ``meta.json`` (the key's inputs, the engine's sha256) +
``build.log``. A lookup re-derives the key from ``meta.json`` and checks the engine's hash, so an
engine is never served under a key it was not built for, nor after it was modified.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from edgecrelu.fileio import sha256_bytes

ENV_VAR = "EDGECRELU_ENGINE_CACHE"
CACHE_SCHEMA = 1


def default_root() -> Path:
    """``$EDGECRELU_ENGINE_CACHE`` or ``~/.cache/edgecrelu/trt-engines``."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "edgecrelu" / "trt-engines"


@dataclass(frozen=True)
class GpuId:
    """What identifies the device an engine was built on."""

    name: str  # "NVIDIA H100 80GB HBM3", "Orin"
    compute_capability: str  # "9.0", "8.7"
    platform: str = ""  # Jetson L4T release ("36.4.3"); engines built on one JetPack do not load on another


def key_inputs(onnx_sha256: str, precision: str, options: dict, trt_version: str, gpu: GpuId) -> dict:
    """The dict that is hashed into the key (also stored in meta.json)."""
    return {
        "schema": CACHE_SCHEMA,
        "onnx_sha256": onnx_sha256,
        "precision": precision,
        "options": options,
        "trt_version": str(trt_version),
        "gpu": {"name": gpu.name, "compute_capability": gpu.compute_capability, "platform": gpu.platform},
    }


def key_of(inputs: dict) -> str:
    """Stable hex key of :func:`key_inputs`' dict; any difference in the inputs gives a different key."""
    return sha256_bytes(json.dumps(inputs, sort_keys=True, separators=(",", ":")).encode())[:32]


def engine_key(onnx_sha256: str, precision: str, options: dict, trt_version: str, gpu: GpuId) -> str:
    return key_of(key_inputs(onnx_sha256, precision, options, trt_version, gpu))


class EngineCache:
    """Serialized engines by key under ``root``."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else default_root()

    def dir(self, key: str) -> Path:
        return self.root / key

    def engine_path(self, key: str) -> Path:
        return self.dir(key) / "engine.plan"

    def log_path(self, key: str) -> Path:
        return self.dir(key) / "build.log"

    def get(self, key: str, inputs: dict) -> bytes | None:
        """Engine bytes stored under ``key`` for exactly ``inputs``, or None (miss, mismatch, corrupt)."""
        d = self.dir(key)
        try:
            meta = json.loads((d / "meta.json").read_text())
        except (OSError, ValueError):
            return None
        if meta.get("key") != key or meta.get("inputs") != inputs or key_of(meta["inputs"]) != key:
            return None
        try:
            data = self.engine_path(key).read_bytes()  # read once: hashed, then returned
        except OSError:
            return None
        return data if sha256_bytes(data) == meta.get("engine_sha256") else None

    def put(self, key: str, inputs: dict, engine: bytes, build_log: str = "", extra: dict | None = None) -> Path:
        """Store atomically (a temp dir renamed into place); returns the engine path."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=self.root))
        try:
            (tmp / "engine.plan").write_bytes(engine)
            (tmp / "build.log").write_text(build_log)
            meta = {"key": key, "inputs": inputs, "engine_sha256": sha256_bytes(engine),
                    "engine_bytes": len(engine), **(extra or {})}
            (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
            dest = self.dir(key)
            if dest.exists():
                shutil.rmtree(dest)
            os.replace(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return self.engine_path(key)
