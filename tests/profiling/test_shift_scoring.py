"""profile scores every cell on the bundle's shifted eval sets through the backend that runs it."""

import json

import numpy as np
import onnxruntime as ort
import pytest
from fixtures.tiny_bundle import INPUT_SHAPE, copy_bundle
from profile_helpers import cfg

from edgecrelu import shifts
from edgecrelu.bundle import Bundle
from edgecrelu.fileio import sha256_file
from edgecrelu.profiling.session import run_profile
from edgecrelu.profiling.shift_scoring import load_shift
from edgecrelu.stats import decode_correct


def add_shifts(bundle_dir, spec="invert,noise@2,blur@3", n=30):
    """The tiny bundle with shifted eval sets, written the way export writes them."""
    b = Bundle.open(bundle_dir)
    x, y = b.load_eval()
    pre = {"mean": [0.5], "std": [0.25]}  # the tiny bundle's eval x is N(0, 1): light 0.5 +- 0.25 before clipping
    m = json.loads((bundle_dir / "manifest.json").read_text())
    m["preprocessing"] = dict(m.get("preprocessing") or {}, **pre)
    entries = []
    for entry, x8, yy in shifts.make_sets(x, y, pre, shifts.parse_spec(spec), max_images=n):
        path = bundle_dir / entry["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, x=x8, y=yy)
        m["files"][entry["path"]] = sha256_file(path)
        entries.append(entry)
    m["dataset"]["shifts"] = entries
    (bundle_dir / "manifest.json").write_text(json.dumps(m))
    return entries


@pytest.fixture
def shifted(bundle, tmp_path):
    d = copy_bundle(bundle, tmp_path / "B")
    add_shifts(d)
    return d


def test_every_cell_scored_on_every_shift_matches_ort_on_the_same_images(shifted, tmp_path):
    run = run_profile(cfg(shifted, tmp_path / "R", variants=("relu", "crelu-half@1"), precisions=("fp32", "int8")))
    b = Bundle.open(shifted)
    keys = [(e["name"], e["severity"]) for e in b.manifest["dataset"]["shifts"]]
    assert len(run.records) == 6  # relu graph, crelu-half@1 graph and folded; fp32 and int8
    for rec in run.records:
        got = {(s["name"], s["severity"]): s for s in rec["shifts"]}
        assert list(got) == keys
        art = next(a for a in b.artifacts() if (a.variant, a.form, a.precision) ==
                   (rec["cell"]["variant"], rec["cell"]["form"], rec["cell"]["precision"]))
        sess = ort.InferenceSession(str(b.path(art.path)), providers=["CPUExecutionProvider"])
        for e in b.manifest["dataset"]["shifts"]:
            x, y = load_shift(b, e)
            right = sess.run(None, {"input": x})[0].argmax(1) == y  # an independent run on the same shifted images
            s = got[(e["name"], e["severity"])]
            assert s["n"] == len(y) == 30 and s["top1"] == pytest.approx(right.mean())
            assert np.array_equal(decode_correct(s), right)
            assert s["x_sha256"] == e["x_sha256"] and s["params"] == e["params"]


def test_a_bundle_without_shifts_gives_records_without(bundle, tmp_path):
    run = run_profile(cfg(bundle, tmp_path / "R", variants=("relu",), precisions=("fp32",)))
    assert "shifts" not in run.records[0]


def test_a_shifted_set_that_does_not_match_its_hash_is_refused(shifted):
    b = Bundle.open(shifted)
    e = dict(b.manifest["dataset"]["shifts"][0], x_sha256="0" * 64)
    with pytest.raises(Exception, match="not the ones the manifest records"):
        load_shift(b, e)
    assert tuple(b.model["input_shape"]) == INPUT_SHAPE
