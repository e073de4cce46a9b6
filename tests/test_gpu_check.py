"""scripts/gpu_check.sh: valid bash, strict mode, and an honest exit code when nothing could run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "gpu_check.sh"
pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def test_syntax_and_strict_mode():
    assert "set -euo pipefail" in SCRIPT.read_text()
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)


def test_spent_budget_reports_not_run(tmp_path):
    pytest.importorskip("torch")  # without torch the script skips train for that reason instead
    env = {**os.environ, "BUDGET_S": "1", "PYTHON": sys.executable}
    p = subprocess.run(["bash", str(SCRIPT), str(tmp_path / "w")], capture_output=True, text=True, env=env,
                       timeout=120)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "train: NOT RUN (5-minute budget spent)" in p.stdout
    assert "no GPU stage ran" in p.stdout
