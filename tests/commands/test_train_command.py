"""``edgecrelu train`` on the command line: a tiny run, and one-line errors for bad names."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from edgecrelu.cli import cli

torch = pytest.importorskip("torch")

TINY = ["--width", "0.25", "--input-size", "8", "--epochs", "1", "--threads", "1"]


def _one_line_error(r, *needles):
    assert r.exit_code != 0, r.output
    assert "Traceback" not in r.output and isinstance(r.exception, SystemExit), r.exception  # ClickException
    errors = [line for line in r.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, r.output
    for n in needles:
        assert n in errors[0], errors[0]


def test_train_tiny_run(tmp_path):
    out = tmp_path / "runs" / "x"
    r = CliRunner().invoke(cli, ["train", *TINY, "--variants", "relu,crelu@2", "--seeds", "3", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert str(out / "run.json") in r.output and "epoch 1/1" in r.output
    run = json.loads((out / "run.json").read_text())
    assert run["variants"] == ["relu", "crelu@2"] and run["seeds"] == [3] and run["complete"]
    assert (out / "crelu@2" / "seed3" / "weights.pt").is_file()
    r = CliRunner().invoke(cli, ["train", *TINY, "--variants", "relu,crelu@2", "--seeds", "3", "--out", str(out)])
    _one_line_error(r, "--resume")
    r = CliRunner().invoke(cli, ["train", *TINY, "--variants", "relu,crelu@2", "--seeds", "3", "--out", str(out),
                                 "--resume"])
    assert r.exit_code == 0 and "2 checkpoint(s) already finished" in r.output


@pytest.mark.parametrize("args, needles", [
    (["--model", "nope"], ["unknown model 'nope'", "convpool-c", "resnet18"]),
    (["--variants", "relu,gelu@2"], ["unknown variant 'gelu@2'", "crelu-half@K"]),
    (["--data", "mnist"], ["unknown data source 'mnist'", "digits", "imagefolder:PATH", "npz:PATH"]),
    (["--variants", "crelu@99"], ["only 8", "choose a depth from 1 to 8"]),
    (["--data", "imagefolder:/no/such/dir"], ["/no/such/dir does not exist"]),
    (["--model", "no_such_pkg.mod:build"], ["cannot import module 'no_such_pkg.mod'"]),
    (["--seeds", "0,x"], ["bad seed 'x'"]),
])
def test_bad_names_are_one_line_errors(tmp_path, args, needles):
    r = CliRunner().invoke(cli, ["train", *TINY, "--out", str(tmp_path / "o"), *args])
    _one_line_error(r, *needles)
    assert not (tmp_path / "o" / "run.json").exists()  # nothing trained, nothing written


@pytest.mark.skipif(torch.cuda.is_available(), reason="tests the message shown where no CUDA GPU exists")
def test_cuda_without_gpu_is_one_line_error(tmp_path):
    r = CliRunner().invoke(cli, ["train", *TINY, "--device", "cuda", "--out", str(tmp_path / "o")])
    _one_line_error(r, "--device cuda", "no CUDA GPU")


USER_MODEL = '''
import torch
from torch import nn


class Tiny(nn.Module):
    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        self.conv1, self.bn1, self.act1 = nn.Conv2d(in_channels, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU()
        self.conv2, self.act2 = nn.Conv2d(8, 16, 3, padding=1), nn.ReLU()
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x):
        x = self.act2(self.conv2(self.act1(self.bn1(self.conv1(x)))))
        return self.fc(x.mean((2, 3)))


def build(in_channels, num_classes):
    return Tiny(in_channels, num_classes)
'''


def test_user_model_from_checkpoint(tmp_path, monkeypatch):
    (tmp_path / "train_user_models.py").write_text(USER_MODEL)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    import train_user_models

    torch.manual_seed(0)
    torch.save(train_user_models.build(1, 10).state_dict(), tmp_path / "pre.pt")
    out = tmp_path / "u"
    args = ["train", "--model", "train_user_models:build", "--input-size", "8", "--epochs", "1", "--threads", "1",
            "--checkpoint", str(tmp_path / "pre.pt"), "--out", str(out)]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    run = json.loads((out / "run.json").read_text())
    assert run["variants"] == ["relu", "crelu@2", "crelu-half@2"]  # default depth: the first stage's 2 sites
    assert run["recipe"]["checkpoint"]["sha256"] and run["model"]["arch"] == "train_user_models:build"
    torch.save({"conv9.weight": torch.zeros(1)}, tmp_path / "wrong.pt")
    r = CliRunner().invoke(cli, args[:-4] + ["--checkpoint", str(tmp_path / "wrong.pt"), "--out", str(tmp_path / "w")])
    _one_line_error(r, "does not match the model")



def test_bad_image_skipped_and_listed_with_no_flag(tmp_path):
    from PIL import Image

    for c in range(2):  # two classes of 8 flat grey squares, plus one corrupt file
        (tmp_path / "imgs" / f"c{c}").mkdir(parents=True)
        for i in range(8):
            Image.new("L", (10, 10), color=40 + 150 * c + i).save(tmp_path / "imgs" / f"c{c}" / f"{i}.png")
    (tmp_path / "imgs" / "c1" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    args = ["train", *TINY, "--variants", "relu", "--data", f"imagefolder:{tmp_path / 'imgs'}"]
    r = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "a")])
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "a" / "run.json").read_text())["data"]["n_bad"] == 1
    check = json.loads((tmp_path / "a" / "data-check.json").read_text())
    assert [s["path"] for s in check["skipped"]] == ["c1/broken.jpg"] and len(check["files"]) == 16
    r = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "b"), "--skip-bad"])  # old scripts keep working
    assert r.exit_code == 0, r.output
