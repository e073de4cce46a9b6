"""Training that diverges stops with a line naming the variant, seed and epoch, instead of writing
a checkpoint, record and run.json full of NaN (the loss was written as NaN before)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from edgecrelu.cli import cli


def test_a_nan_loss_stops_training(tmp_path):
    pytest.importorskip("torch")
    data = tmp_path / "tiny.npz"
    np.savez(data, x=np.random.default_rng(0).random((60, 8, 8)).astype(np.float32), y=np.arange(60) % 3)
    out = tmp_path / "run"
    r = CliRunner().invoke(cli, ["train", "--data", f"npz:{data}", "--input-size", "8", "--width", "0.25",
                                 "--variants", "relu", "--epochs", "3", "--lr", "1e20", "--out", str(out)])
    assert r.exit_code == 1 and "Traceback" not in r.output, r.output
    errors = [ln for ln in r.output.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1, r.output
    assert re.search(r"relu seed 0: the training loss is (nan|inf) in epoch \d; stopped", errors[0]), errors[0]
    assert not (out / "relu" / "seed0" / "record.json").exists()
    run = json.loads((out / "run.json").read_text(), parse_constant=lambda c: pytest.fail(f"{c} in run.json"))
    assert run["complete"] is False and run["checkpoints"] == []
