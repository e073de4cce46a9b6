"""export --shifts: the shifted eval sets in the bundle, and the artifact scored on them through
ONNX Runtime against PyTorch on the same shifted images."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

from click.testing import CliRunner  # noqa: E402

from edgecrelu import shifts  # noqa: E402
from edgecrelu.bundle import Bundle  # noqa: E402
from edgecrelu.cli import cli  # noqa: E402
from edgecrelu.profiling.shift_scoring import load_shift  # noqa: E402

from .helpers import shared_bundle, shared_run  # noqa: E402


@pytest.fixture(scope="module")
def bundle():
    return Bundle.open(shared_bundle()[0])


def test_default_writes_every_shift_hashed_with_its_parameters(bundle):
    entries = bundle.manifest["dataset"]["shifts"]
    assert [(e["name"], e["severity"]) for e in entries] == shifts.parse_spec("default")
    x, y = bundle.load_eval()
    n = min(len(x), 300)
    light = shifts.to_light(x[:n], bundle.manifest["preprocessing"])
    for e in entries:
        assert e["path"] in bundle.manifest["files"]  # hashed like the eval set: Bundle.open verified it
        assert e["n"] == n and e["params"] == shifts.params(e["name"], e["severity"], x.shape[1:])
        stored = bundle.load_npz(e["path"])
        assert np.array_equal(stored["y"], y[:n])
        # the stored images are the shift of the eval images: made again from the recorded name and severity
        assert np.array_equal(stored["x"], shifts.apply(e["name"], e["severity"], light))


def test_ort_on_a_shifted_set_matches_pytorch_on_the_same_images(bundle):
    from edgecrelu.nn.build import build_model, load_checkpoint

    art = next(a for a in bundle.artifacts(variants=["crelu-half@4"], precisions=["fp32"], forms=["graph"]))
    ck = next(c for c in json.loads((shared_run() / "run.json").read_text())["checkpoints"]
              if c["variant"] == "crelu-half@4" and c["seed"] == 1)  # the bundle exports seed 1
    arch = json.loads((shared_run() / ck["dir"] / "arch.json").read_text())
    model = load_checkpoint(build_model(arch), shared_run() / ck["dir"] / "weights.pt").eval()
    sess = ort.InferenceSession(str(bundle.path(art.path)), providers=["CPUExecutionProvider"])
    for e in bundle.manifest["dataset"]["shifts"]:
        if e["name"] not in ("invert", "contrast", "noise"):
            continue
        x, y = load_shift(bundle, e)
        got = sess.run(None, {"input": x})[0]
        with torch.inference_mode():
            want = model(torch.from_numpy(x)).numpy()
        assert np.abs(got - want).max() < 1e-3, e["name"]
        assert np.array_equal(got.argmax(1), want.argmax(1))


def test_an_unknown_shift_is_refused_before_any_work(tmp_path):
    r = CliRunner().invoke(cli, ["export", str(shared_run()), "--out", str(tmp_path / "b"), "--shifts", "fog,blur"])
    assert r.exit_code != 0 and "unknown shift 'fog'" in r.output
    assert not (tmp_path / "b").exists()
