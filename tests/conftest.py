"""Shared test helpers."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Runs the CLI in a fresh interpreter where `import torch` raises ImportError, the way a Jetson
# without a matching torch wheel behaves. sys.modules[name] = None is Python's documented way to
# make an import fail.
_NO_TORCH = (
    "import sys\n"
    "for m in ('torch', 'torchvision', 'onnxscript', 'sklearn'):\n"
    "    sys.modules[m] = None\n"
    "from edgecrelu.cli import main\n"
    "sys.argv = ['edgecrelu'] + sys.argv[1:]\n"
    "main()\n"
)


def run_cli_without_torch(args, cwd=None, timeout=300) -> subprocess.CompletedProcess:
    """Run ``edgecrelu ARGS`` with torch (and sklearn, onnxscript) blocked from import."""
    return subprocess.run(
        [sys.executable, "-c", _NO_TORCH, *map(str, args)],
        cwd=cwd, capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture
def no_torch_cli():
    return run_cli_without_torch
