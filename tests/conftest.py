"""Shared test helpers."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Runs the CLI in a fresh interpreter where `import torch` raises ImportError, the way a Jetson
# without a matching torch wheel behaves: a meta-path finder refuses the names (not
# sys.modules[name] = None, which scipy.stats mistakes for an imported torch and fails on).
_NO_TORCH = (
    "import sys\n"
    "class _Block:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] in ('torch', 'torchvision', 'onnxscript', 'sklearn'):\n"
    "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
    "sys.meta_path.insert(0, _Block())\n"
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
