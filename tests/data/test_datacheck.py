"""The data check (edgecrelu/data/datacheck.py): every file read once and listed (used, with its hash;
skipped, with the reason), and a run's data loaded back through it: a corrupt file known to the list
is not in the data, a changed file is refused by name, a new one is ignored with a warning."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from edgecrelu.data import datacheck, load_dataset
from edgecrelu.errors import EdgeCReLUError

from .helpers import FACTORY_CLASSES, FACTORY_CORRUPT, FACTORY_IGNORED, write_factory_folder


@pytest.fixture
def factory(tmp_path):
    return write_factory_folder(tmp_path / "crops", per_class=6)


def _run(tmp_path, root, **kw):
    """A run directory holding only what load_for_run reads: the data check and run.json's data."""
    ds = load_dataset(f"imagefolder:{root}", size=16, **kw)
    run = tmp_path / "run"
    run.mkdir()
    datacheck.write(run / datacheck.RUN_FILE, ds)
    return run, ds.summary(), ds


def test_every_file_is_listed_used_or_skipped_with_its_reason(factory):
    ds = load_dataset(f"imagefolder:{factory}", size=16)
    check = datacheck.build(ds)
    assert check["class_names"] == list(FACTORY_CLASSES) and len(check["files"]) == 30
    skipped = {s["path"]: s["reason"] for s in check["skipped"]}
    assert set(skipped) == set(FACTORY_CORRUPT) | set(FACTORY_IGNORED)  # every one, not the first
    assert all(skipped[p].startswith("unreadable: ") for p in FACTORY_CORRUPT)
    assert skipped["dent/dent_cut.png"] == "unreadable: image file is truncated"
    assert skipped["notes.txt"] == "not in a class folder" and skipped["scratch/.thumbnails/"] == "hidden folder"
    assert {f["path"] for f in check["files"]}.isdisjoint(skipped)  # no thumbnail of an image is an image
    assert check["splits"] == {"train": dict.fromkeys(FACTORY_CLASSES, 4), "val": dict.fromkeys(FACTORY_CLASSES, 1),
                               "test": dict.fromkeys(FACTORY_CLASSES, 1)}
    assert check["image_sizes"] == {"90×70": 15, "128×128": 15} and check["resize_policy"] == "stretch"
    assert ds.preprocessing["channels"] == 3  # any colour image makes the set RGB
    lines = datacheck.describe(ds)
    assert "split train 20 / val 5 / test 5" in lines[0] and "crack 4/1/1" in lines[0]
    assert all(p in lines[2] for p in FACTORY_CORRUPT)  # the train log names every unreadable file


def test_a_corrupt_file_removed_after_training_changes_nothing(tmp_path, factory):
    run, data, before = _run(tmp_path, factory)
    (factory / "crack" / "crack_empty.jpg").unlink()
    after = datacheck.load_for_run(data, run, "the run")
    assert after.sha256 == before.sha256 and np.array_equal(after.x_test, before.x_test)
    assert np.array_equal(after.x_train, before.x_train) and after.class_names == before.class_names


def test_a_modified_good_file_is_refused_by_name(tmp_path, factory):
    run, data, _ = _run(tmp_path, factory)
    from PIL import Image

    with Image.open(factory / "good" / "good_02.jpg") as img:
        img.rotate(90).save(factory / "good" / "good_02.jpg")
    (factory / "stain" / "stain_03.png").unlink()
    with pytest.raises(EdgeCReLUError, match=r"2 file\(s\) differ from its data check .*data-check.json: "
                                             r"good/good_02.jpg \(modified\), stain/stain_03.png \(removed\)"):
        datacheck.load_for_run(data, run, "the run")


def test_a_new_file_is_ignored_and_named(tmp_path, factory, caplog):
    run, data, before = _run(tmp_path, factory)
    (factory / "dent" / "dent_new.png").write_bytes((factory / "dent" / "dent_01.png").read_bytes())
    with caplog.at_level(logging.WARNING):
        after = datacheck.load_for_run(data, run, "the run")
    assert after.sha256 == before.sha256 and np.array_equal(after.x_test, before.x_test)
    assert "1 image(s) in" in caplog.text and "dent/dent_new.png" in caplog.text and "ignored" in caplog.text


def test_the_resize_policy_travels_with_the_check(tmp_path, factory):
    run, data, before = _run(tmp_path, factory, resize="letterbox")
    assert datacheck.read(run / datacheck.RUN_FILE)["resize_policy"] == "letterbox"
    after = datacheck.load_for_run(data, run, "the run")
    assert after.preprocessing["resize_policy"] == "letterbox" and np.array_equal(after.x_val, before.x_val)
    stretched = load_dataset(f"imagefolder:{factory}", size=16)
    assert not np.array_equal(stretched.x_val, before.x_val)


def test_a_whole_set_file_that_changed_is_named(tmp_path):
    rng = np.random.default_rng(0)
    p = tmp_path / "d.npz"
    np.savez(p, x=rng.random((40, 8, 8)).astype(np.float32), y=np.arange(40) % 2)
    ds = load_dataset(f"npz:{p}", size=8)
    run = tmp_path / "run"
    run.mkdir()
    datacheck.write(run / datacheck.RUN_FILE, ds)
    assert datacheck.read(run / datacheck.RUN_FILE)["files"] == [{"path": "d.npz", "sha256": ds.files[0].sha256}]
    np.savez(p, x=rng.random((40, 8, 8)).astype(np.float32), y=np.arange(40) % 2)
    with pytest.raises(EdgeCReLUError, match=r"d.npz \(modified\)"):
        datacheck.load_for_run(ds.summary(), run, "the run")


def test_a_run_from_before_the_check_is_compared_by_its_hash(tmp_path, factory):
    run, data, before = _run(tmp_path, factory)
    (run / datacheck.RUN_FILE).unlink()
    assert datacheck.load_for_run(data, run, "the run").sha256 == before.sha256
    (factory / "good" / "good_00.jpg").unlink()
    with pytest.raises(EdgeCReLUError, match="changed since training"):
        datacheck.load_for_run(data, run, "the run")


def test_a_damaged_check_is_one_line(tmp_path, factory):
    run, data, _ = _run(tmp_path, factory)
    path = run / datacheck.RUN_FILE
    path.write_text(path.read_text().replace('"resize_policy"', '"resize_polcy"'))
    with pytest.raises(EdgeCReLUError, match="unknown field 'resize_polcy'"):
        datacheck.load_for_run(data, run, "the run")
