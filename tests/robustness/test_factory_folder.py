"""A factory-style folder of crops (5 classes, PNG and JPEG, 90×70 and 128×128, grey and RGB, 3 corrupt
files, .DS_Store, ._*, .thumbnails/, notes.txt) goes train -> export -> profile -> report with no data
flag beyond the spec (issue 27): the report lists the skipped files, split counts and classes; a
corrupt file removed after training changes nothing; a good file changed after training is refused
by name. The other flags only make the run small (tiny model, one epoch, short timing)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from edgecrelu.cli import cli
from tests.data.helpers import FACTORY_CLASSES, FACTORY_CORRUPT, FACTORY_IGNORED, write_factory_folder

SMALL_TRAIN = ["--variants", "relu,crelu-half@1", "--width", "0.25", "--input-size", "16", "--epochs", "1",
               "--threads", "1"]
SMALL_EXPORT = ["--precisions", "fp32", "--forms", "graph"]
SMALL_PROFILE = ["--warmup", "0", "--duration", "0.02", "--iterations", "5", "--trials", "1", "--batch", "1",
                 "--budget", "1", "--isolation", "none", "--power", "none"]


def _ok(args):
    r = CliRunner().invoke(cli, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    pytest.importorskip("torch")
    tmp = tmp_path_factory.mktemp("factory")
    root = write_factory_folder(tmp / "crops", per_class=6)
    data = f"imagefolder:{root}"
    _ok(["train", "--data", data, "--out", tmp / "run", *SMALL_TRAIN])
    _ok(["export", tmp / "run", "--out", tmp / "bundle", *SMALL_EXPORT])
    _ok(["profile", tmp / "bundle", "--out", tmp / "results", *SMALL_PROFILE])
    _ok(["report", tmp / "results", "--out", tmp / "report"])
    return tmp, root


def test_the_report_lists_classes_split_counts_and_skipped_files(pipeline):
    tmp, _ = pipeline
    md = (tmp / "report" / "report.md").read_text()
    line = next(x for x in md.splitlines() if x.startswith("Data:"))
    assert "5 classes (train/val/test images): crack 4/1/1, dent 4/1/1, good 4/1/1, scratch 4/1/1, stain 4/1/1" in line
    assert "images resized by stretch" in line
    assert all(p in line for p in FACTORY_CORRUPT) and "3 unreadable" in line
    assert ".thumbnails/" in line and "notes.txt" in line
    facts = json.loads((tmp / "report" / "report.json").read_text())["data"]
    assert list(facts["classes"]) == list(FACTORY_CLASSES) and facts["skipped_n"] == len(FACTORY_CORRUPT) + len(FACTORY_IGNORED)
    assert "recall" in md and all(c in md.split("recall", 1)[1] for c in FACTORY_CLASSES)  # per-class results


def test_the_bundle_carries_the_data_check_hashed(pipeline):
    tmp, _ = pipeline
    manifest = json.loads((tmp / "bundle" / "manifest.json").read_text())
    assert manifest["dataset"]["check"] == "data/check.json" and "data/check.json" in manifest["files"]
    carried = json.loads((tmp / "bundle" / "data" / "check.json").read_text())
    assert carried == json.loads((tmp / "run" / "data-check.json").read_text())
    assert manifest["preprocessing"]["resize_policy"] == "stretch" == manifest["dataset"]["resize_policy"]


def test_a_corrupt_file_removed_after_training_changes_nothing(pipeline):
    tmp, root = pipeline
    (root / FACTORY_CORRUPT[0]).unlink()
    _ok(["export", tmp / "run", "--out", tmp / "bundle2", *SMALL_EXPORT])
    for rel in ("data/eval.npz", "data/calib.npz", "data/check.json"):
        assert (tmp / "bundle2" / rel).read_bytes() == (tmp / "bundle" / rel).read_bytes(), rel


def test_a_good_file_changed_after_training_is_refused_by_name(pipeline):
    tmp, root = pipeline
    from PIL import Image

    good = root / "scratch" / "scratch_04.jpg"
    with Image.open(good) as img:
        img.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(good)
    r = CliRunner().invoke(cli, ["export", str(tmp / "run"), "--out", str(tmp / "bundle3"), *SMALL_EXPORT])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "scratch/scratch_04.jpg (modified)" in r.output and "changed since training" in r.output
    assert not (tmp / "bundle3").exists()
