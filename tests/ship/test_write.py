"""``edgecrelu ship``: the folder, and its inference script run from a copy of it alone."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from fixtures.tiny_bundle import cached_tiny_bundle

from edgecrelu.cli import cli
from edgecrelu.results import Cell, load_records

FAST = ["--warmup", "0", "--duration", "0.02", "--iterations", "5", "--trials", "1", "--batch", "1", "--budget", "1",
        "--isolation", "none", "--power", "none"]
RECORDS = Path(__file__).resolve().parents[1] / "fixtures" / "records"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    bundle = cached_tiny_bundle()
    out = tmp_path_factory.mktemp("ship") / "R"
    res = CliRunner().invoke(cli, ["profile", str(bundle), "--out", str(out), "--forms", "graph", *FAST])
    assert res.exit_code == 0, res.output
    return out


def _ship(*args):
    return CliRunner().invoke(cli, ["ship", *map(str, args)])


def test_without_a_go_verdict_ship_needs_cell(results, tmp_path):
    res = _ship(results, "--out", tmp_path / "S")
    assert res.exit_code == 1
    (line,) = res.output.strip().splitlines()
    assert "so no configuration was chosen to ship; pass --cell KEY" in line
    assert not (tmp_path / "S").exists()
    bad = _ship(results, "--out", tmp_path / "S", "--cell", "nope")
    assert bad.exit_code == 1 and "unknown cell 'nope'; choose one of: crelu-half_1.graph.fp32" in bad.output


@pytest.mark.parametrize("key", ["crelu-half_1.graph.int8.onnxruntime.b1", "relu.graph.fp32.onnxruntime.b1"])
def test_the_shipped_script_reproduces_the_records_top1_from_a_copy_of_the_folder(results, tmp_path, key):
    res = _ship(results, "--out", tmp_path / "S", "--cell", key)
    assert res.exit_code == 0, res.output
    rec = next(r for r in load_records([results]) if Cell.from_dict(r["cell"]).key == key)
    moved = tmp_path / "elsewhere" / "deploy"
    shutil.copytree(tmp_path / "S", moved)  # the folder alone: no bundle, no results, no edgecrelu import
    meta = json.loads((moved / "manifest.json").read_text())
    assert meta["verdict"]["shipped_by"] == "--cell" and meta["cell"]["precision"] == rec["cell"]["precision"]
    onnx = moved / meta["artifact"]["file"]
    import hashlib

    assert hashlib.sha256(onnx.read_bytes()).hexdigest() == meta["artifact"]["sha256"] == meta["files"][onnx.name]
    assert "edgecrelu" not in (moved / "infer.py").read_text().split('"""', 2)[2].split("def ")[0]  # imports
    out = subprocess.run([sys.executable, "infer.py", "--eval", "eval.npz"], cwd=moved, capture_output=True,
                         text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    top1 = float(out.stdout.split()[1])
    assert abs(top1 - rec["accuracy"]["top1"]) < 1e-6, (out.stdout, rec["accuracy"])
    card = (moved / "MODEL_CARD.md").read_text()
    assert f"{rec['accuracy']['top1'] * 100:.2f} %" in card and "95 % interval" in card
    assert "named with --cell" in card and rec["environment"]["host"] in card


def test_the_script_applies_the_bundles_preprocessing_to_image_files(results, tmp_path):
    from PIL import Image

    from edgecrelu.data.preprocess import preprocess

    key = "relu.graph.fp32.onnxruntime.b1"
    assert _ship(results, "--out", tmp_path / "S", "--cell", key).exit_code == 0
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    rng = np.random.default_rng(0)
    raws = [rng.integers(0, 256, (12, 10, 3), dtype=np.uint8) for _ in range(4)]  # colour, another size
    for i, raw in enumerate(raws):
        Image.fromarray(raw).save(imgs / f"{i}.png")
    out = subprocess.run([sys.executable, str(tmp_path / "S" / "infer.py"), str(imgs)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    got = [int(line.split("\t")[1]) for line in out.stdout.strip().splitlines()]
    import onnxruntime as ort

    meta = json.loads((tmp_path / "S" / "manifest.json").read_text())
    sess = ort.InferenceSession(str(tmp_path / "S" / meta["artifact"]["file"]), providers=["CPUExecutionProvider"])
    x = preprocess(np.stack(raws).astype(np.float32), meta["preprocessing"])  # edgecrelu's own pipeline
    assert got == list(sess.run(None, {"input": x})[0].argmax(1))


def test_a_go_verdict_ships_the_configuration_it_chose():
    from edgecrelu.report import ReportConfig, build_report
    from edgecrelu.ship.choose import choose

    go = RECORDS / "go"
    c = choose((str(go),))
    v = build_report(ReportConfig((str(go),), None, ())).report.sections[0].verdict
    assert v.verdict == "GO" and c.chosen_by == "verdict"
    assert c.record is v.best_crelu.at.record or c.record == v.best_crelu.at.record
    assert c.cell.variant.startswith("crelu")
