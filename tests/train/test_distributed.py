"""Training under torchrun: two CPU processes (gloo), one writer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")


def _torchrun() -> list[str]:
    exe = Path(sys.executable).parent / "torchrun"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "torch.distributed.run"]


def test_ddp_two_cpu_processes(tmp_path):
    out = tmp_path / "ddp"
    cmd = _torchrun() + ["--standalone", "--nproc-per-node", "2", "-m", "edgecrelu", "train",
                         "--width", "0.25", "--input-size", "16", "--epochs", "1", "--variants", "relu",
                         "--seeds", "0", "--out", str(out)]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    rec = json.loads((out / "relu" / "seed0" / "record.json").read_text())
    assert rec["world_size"] == 2 and rec["threads"] == 1 and rec["test_acc"] > 0.3
    assert rec["history"][0]["train_acc"] > 0  # gathered from both ranks
    run_json = json.loads((out / "run.json").read_text())
    assert run_json["complete"] and run_json["checkpoints"][0]["dir"] == "relu/seed0"
    # one process wrote: no stray temp files, one progress line per epoch
    assert not list(out.rglob("*.tmp"))
    assert r.stderr.count("epoch 1/1") == 1
