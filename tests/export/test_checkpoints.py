"""Choosing and verifying a train run's checkpoints (edgecrelu/export/checkpoints.py). No torch:
the weights are opaque bytes here, only their hashes matter."""

from __future__ import annotations

import json

import pytest

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.export.checkpoints import read_run, select_checkpoints
from edgecrelu.fileio import sha256_bytes


def write_run(root, entries):
    """entries: (variant, seed, test_acc); writes run.json + each checkpoint dir."""
    cks = []
    for v, s, acc in entries:
        d = root / v / f"seed{s}"
        d.mkdir(parents=True)
        data = f"{v}-{s}".encode()
        (d / "weights.pt").write_bytes(data)
        (d / "arch.json").write_text(json.dumps({"variant": v}))
        (d / "record.json").write_text(json.dumps({"weights_sha256": sha256_bytes(data), "test_acc": acc}))
        cks.append({"variant": v, "seed": s, "dir": f"{v}/seed{s}", "val_acc": acc, "test_acc": acc})
    (root / "run.json").write_text(json.dumps({"kind": "edgecrelu-train-run", "checkpoints": cks,
                                               "data": {"spec": "digits", "size": 8}}))
    return root


@pytest.fixture
def run(tmp_path):
    return write_run(tmp_path, [("relu", 0, 0.9), ("relu", 1, 0.8), ("crelu@2", 0, 0.95), ("crelu@2", 1, 0.85)])


def test_first_seed_by_default_and_stats_over_seeds(run):
    cks = select_checkpoints(run, read_run(run))
    assert [(c.variant, c.seed) for c in cks] == [("relu", 0), ("crelu@2", 0)]
    t = cks[0].train
    assert t["seeds"] == [0, 1] and t["test_acc_mean"] == pytest.approx(0.85)
    assert t["test_acc_std"] == pytest.approx(0.0707107, rel=1e-5)  # sample std of 0.9, 0.8


def test_seed_and_variant_selection(run):
    cks = select_checkpoints(run, read_run(run), variants=["crelu@2"], seed=1)
    assert [(c.variant, c.seed) for c in cks] == [("crelu@2", 1)]
    with pytest.raises(EdgeCReLUError, match="no checkpoint for seed 7"):
        select_checkpoints(run, read_run(run), seed=7)
    with pytest.raises(EdgeCReLUError, match="unknown variant 'crelu@9'; choose one of: crelu@2, relu"):
        select_checkpoints(run, read_run(run), variants=["crelu@9"])


def test_tampered_checkpoint_is_refused(run):
    (run / "crelu@2" / "seed0" / "weights.pt").write_bytes(b"other weights")
    with pytest.raises(EdgeCReLUError, match="does not match its training record"):
        select_checkpoints(run, read_run(run))


@pytest.mark.parametrize("case", ["missing dir", "no run.json", "not a run", "no checkpoints", "corrupt",
                                  "bad entry"])
def test_bad_run_dirs(tmp_path, case):
    d = tmp_path / "r"
    if case != "missing dir":
        d.mkdir()
    if case == "not a run":
        (d / "run.json").write_text('{"kind": "something-else"}')
    elif case == "no checkpoints":
        (d / "run.json").write_text('{"kind": "edgecrelu-train-run", "checkpoints": []}')
    elif case == "corrupt":
        (d / "run.json").write_text('{"kind": ')
    elif case == "bad entry":
        (d / "run.json").write_text('{"kind": "edgecrelu-train-run", "checkpoints": [{"variant": "relu"}]}')
    with pytest.raises(EdgeCReLUError) as e:
        read_run(d)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("field, value, words", [
    ("checkpoints", "x", "checkpoints must be a list"),
    ("dir", "../../etc", "checkpoints[0].dir must be a folder inside the run"),
    ("dir", "/etc", "checkpoints[0].dir must be a folder inside the run"),
    ("seed", "0", "checkpoints[0].seed must be an integer"),
    ("model", 5, "model must be an object"),
])
def test_hand_edited_run_json_is_one_line(run, field, value, words):
    doc = json.loads((run / "run.json").read_text())
    if field in ("dir", "seed"):
        doc["checkpoints"][0][field] = value
    else:
        doc[field] = value
    (run / "run.json").write_text(json.dumps(doc))
    with pytest.raises(EdgeCReLUError, match=r"^corrupt train run file .*run\.json: " + words.replace("[", r"\[")
                       .replace("]", r"\]")):
        read_run(run)
