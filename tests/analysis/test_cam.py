"""What the models look at (analysis/cam.py, report/cam_svg.py, report/parts/cam.py)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from edgecrelu.analysis import cam  # noqa: E402
from edgecrelu.report.blocks import Figure, Heading  # noqa: E402
from edgecrelu.report.parts import cam as part  # noqa: E402


def spot_model():
    """Class 0's score is the image's mean brightness after a ReLU, class 1's its negative: a known
    class activation map (CAM of a global-average-pooled net)."""
    m = nn.Sequential(nn.Conv2d(1, 1, 1), nn.BatchNorm2d(1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                      nn.Linear(1, 2))
    with torch.no_grad():
        m[0].weight.fill_(1.0)
        m[0].bias.zero_()
        m[5].weight.copy_(torch.tensor([[1.0], [-1.0]]))
        m[5].bias.zero_()
    return m.eval()


def spots(n=4, size=12):
    x = np.zeros((n, 1, size, size), np.float32)
    where = [(2, 3), (8, 9), (5, 1), (10, 10)][:n]
    for i, (r, c) in enumerate(where):
        x[i, 0, r, c] = 5.0
    return x, where


def test_grad_cam_finds_the_spot_that_makes_the_class_and_nothing_for_the_other():
    m = spot_model()
    x, where = spots()
    maps = cam.grad_cam(m, x, np.zeros(len(x), int), cam.last_conv(m))
    assert maps.shape == (len(x), 12, 12) and maps.max() == pytest.approx(1.0)
    for i, (r, c) in enumerate(where):
        assert np.unravel_index(maps[i].argmax(), maps[i].shape) == (r, c)
    other = cam.grad_cam(m, x, np.ones(len(x), int), cam.last_conv(m))
    assert np.all(other == 0)  # the spot lowers class 1's score: no region raises it


def test_the_two_phases_give_back_the_response():
    m = spot_model()
    x = np.random.default_rng(0).standard_normal((1, 1, 6, 6)).astype(np.float32)
    layer, y = cam.first_response(m, x)
    assert layer == "0"
    pos, neg = np.maximum(y, 0), np.maximum(-y, 0)
    assert np.allclose(pos - neg, y) and (neg > 0).any() and (pos > 0).any()
    with torch.inference_mode():
        assert np.allclose(y, m[1](m[0](torch.from_numpy(x))).numpy(), atol=1e-6)  # after the BN, before the ReLU


def test_cam_data_has_one_labelled_row_per_class_and_the_phases_on_a_defect_image(tmp_path):
    x, _ = spots(4)
    y = np.array([0, 1, 1, 0])
    data = cam.cam_data({"relu": spot_model(), "crelu@1": spot_model()}, x, y, ["good", "dent"],
                        {"mean": [0.0], "std": [1.0]}, per_class=2)
    assert [r["class"] for r in data["rows"]] == ["good", "dent"]
    assert [im["index"] for im in data["rows"][1]["images"]] == [1, 2]
    assert set(data["rows"][0]["images"][0]["maps"]) == {"relu", "crelu@1"}
    assert data["phases"]["class"] == "dent" and data["phases"]["index"] == 1
    # the report draws it, one row per class, from cam.json beside the pairing analysis
    (tmp_path / "cam.json").write_text(json.dumps(data))
    sr = SimpleNamespace(pairing=SimpleNamespace(path=tmp_path / "pairing.json"))
    blocks = part.blocks(sr, None)
    assert isinstance(blocks[0], Heading)
    svgs = next(b for b in blocks if isinstance(b, Figure)).svgs
    assert len(svgs) == 2 and ">good</text>" in svgs[0] and ">dent</text>" in svgs[0]
    assert "negative (kept)" in svgs[1] and "negative (dropped)" in svgs[1]
    (tmp_path / "cam.json").write_text("{}")
    assert part.blocks(sr, None) == []  # not a cam.json: left out


def test_analyze_on_a_train_run_writes_the_maps(tmp_path):
    from export.helpers import make_run

    from edgecrelu.analysis.analyze import AnalyzeConfig, analyze_checkpoints

    run = make_run(tmp_path / "run", variants=("relu", "crelu-half@2"))
    analyze_checkpoints(AnalyzeConfig(source=str(run), out=str(tmp_path / "a"), draws=2, cam_images=1))
    data = json.loads((tmp_path / "a" / "cam.json").read_text())
    assert data["variants"] == ["relu", "crelu-half@2"] and len(data["rows"]) == 10
    assert (tmp_path / "a" / "cam.svg").is_file() and (tmp_path / "a" / "phases.svg").is_file()
    analyze_checkpoints(AnalyzeConfig(source=str(run), out=str(tmp_path / "b"), draws=2, cam_images=0))
    assert not (tmp_path / "b" / "cam.json").exists()
