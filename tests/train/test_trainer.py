"""Training writes the records, resumes, and keeps finished work on interrupt."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from log_lines import log_lines  # noqa: E402  (tests/log_lines.py)

from edgecrelu.data import load_dataset  # noqa: E402
from edgecrelu.errors import EdgeCReLUError  # noqa: E402
from edgecrelu.nn.build import build_model  # noqa: E402
from edgecrelu.train import TrainConfig, train_run  # noqa: E402
from edgecrelu.train.rundir import load_record  # noqa: E402

# Tiny on purpose: a quarter-width ConvPool-CNN-C on 16 px digits trains an epoch in seconds.
TINY = TrainConfig(model="convpool-c", data="digits", width=0.25, input_size=16, epochs=1, threads=1,
                   variants=("relu", "crelu-half@4"), seeds=(0, 1))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("train") / "run"
    with log_lines() as lines:
        train_run(replace(TINY, out=str(out)))
    return out, lines


def test_layout_and_records(run):
    out, lines = run
    run_json = json.loads((out / "run.json").read_text())
    assert run_json["kind"] == "edgecrelu-train-run" and run_json["schema_version"] == 1 and run_json["complete"]
    assert [(c["variant"], c["seed"]) for c in run_json["checkpoints"]] == [
        ("relu", 0), ("relu", 1), ("crelu-half@4", 0), ("crelu-half@4", 1)]
    assert run_json["data"]["spec"] == "digits" and len(run_json["data"]["sha256"]) == 64
    rec = json.loads((out / "crelu-half@4" / "seed1" / "record.json").read_text())
    for key in ("variant", "arch", "arch_args", "data", "preprocessing", "history", "val_acc", "test_acc",
                "params", "macs", "seed", "versions", "wall_time_s", "weights_sha256", "recipe"):
        assert key in rec or key in rec["data"], key
    assert rec["variant"] == "crelu-half@4" and rec["seed"] == 1 and rec["arch_args"]["width"] == 0.25
    assert rec["data"]["preprocessing"]["size"] == [16, 16] and rec["versions"]["torch"] == torch.__version__
    h = rec["history"][0]
    assert h["epoch"] == 1 and np.isfinite(h["loss"]) and 0 <= h["train_acc"] <= 1
    relu = json.loads((out / "relu" / "seed0" / "record.json").read_text())
    assert rec["params"] < relu["params"] and rec["macs"] < relu["macs"]
    assert any("epoch 1/1" in line for line in lines)  # progress, one line per epoch


def test_weights_rebuild_and_reproduce_test_accuracy(run):
    out, _ = run
    d = out / "crelu-half@4" / "seed0"
    rec = json.loads((d / "record.json").read_text())
    model = build_model(json.loads((d / "arch.json").read_text()))
    model.load_state_dict(torch.load(d / "weights.pt", weights_only=True))
    model.eval()
    ds = load_dataset("digits", size=16, seed=rec["data"]["seed"])
    with torch.no_grad():
        acc = float((model(torch.from_numpy(ds.x_test)).argmax(1).numpy() == ds.y_test).mean())
    assert acc == pytest.approx(rec["test_acc"], abs=1e-9)
    assert acc > 0.5  # it learned something (chance is 0.1)


def test_summary_shows_seed_noise(run):
    out, _ = run
    s = json.loads((out / "run.json").read_text())["summary"]
    half = s["crelu-half@4"]
    assert half["n"] == 2 and half["test_acc_mean"] == pytest.approx(np.mean(half["test_acc"]))
    assert half["test_acc_std"] == pytest.approx(np.std(half["test_acc"], ddof=1))
    assert half["vs_baseline"]["baseline"] == "relu" and half["vs_baseline"]["within_seed_noise"] in (True, False)
    # two seeds of the same variant differ: the seed really changes the run
    assert s["relu"]["test_acc"][0] != s["relu"]["test_acc"][1] or s["relu"]["val_acc"][0] != s["relu"]["val_acc"][1]


def test_existing_run_needs_resume_and_resume_skips_finished(run, tmp_path):
    src, _ = run
    out = tmp_path / "copy"
    shutil.copytree(src, out)
    with pytest.raises(EdgeCReLUError, match="already holds a train run; pass --resume"):
        train_run(replace(TINY, out=str(out)))
    before = {p: p.stat().st_mtime_ns for p in out.rglob("weights.pt")}
    # break one checkpoint (weights no longer match their record): only that one is retrained
    (out / "relu" / "seed1" / "weights.pt").write_bytes(b"broken")
    with log_lines() as lines:
        train_run(replace(TINY, out=str(out), resume=True))
    trained = [line for line in lines if "M MACs," in line and "params" in line and "seed" in line]
    assert len(trained) == 1 and "relu seed 1" in trained[0], lines
    after = {p: p.stat().st_mtime_ns for p in out.rglob("weights.pt")}
    changed = [p for p in after if after[p] != before.get(p)]
    assert changed == [out / "relu" / "seed1" / "weights.pt"]
    assert load_record(out, "relu", 1) is not None
    with pytest.raises(EdgeCReLUError, match="its recipe differs"):
        train_run(replace(TINY, out=str(out), resume=True, epochs=2))


def test_interrupt_keeps_finished_checkpoints(tmp_path):
    out = tmp_path / "run"

    cfg = replace(TINY, out=str(out), variants=("relu",), seeds=(0, 1), input_size=8)

    def interrupt(msg):
        if msg.startswith("[2/2]"):  # Ctrl-C as the second checkpoint starts
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), log_lines(interrupt):
        train_run(cfg)
    run_json = json.loads((out / "run.json").read_text())
    assert [(c["variant"], c["seed"]) for c in run_json["checkpoints"]] == [("relu", 0)]
    assert not run_json["complete"] and load_record(out, "relu", 1) is None
    with log_lines() as lines:
        train_run(replace(cfg, resume=True))
    assert json.loads((out / "run.json").read_text())["complete"]
    assert any("1 checkpoint(s) already finished" in line for line in lines)
