"""Distillation: a student learns the teacher's outputs better from its logits than from the labels
alone (known answer), and a teacher of other classes or input is refused in one line."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from edgecrelu.errors import EdgeCReLUError  # noqa: E402
from edgecrelu.nn.build import make_model  # noqa: E402
from edgecrelu.train.distill import check_teacher, open_teachers, settings  # noqa: E402
from edgecrelu.train.distributed import Dist  # noqa: E402
from edgecrelu.train.loop import train_one  # noqa: E402

RECIPE = {"epochs": 6, "batch_size": 32, "optimizer": "adamw", "lr": 0.005, "momentum": None, "weight_decay": 0.0,
          "warmup": 0.05, "label_smoothing": 0.0, "augment": {"shift_px": 0}}


def _model(seed, width=0.25):
    torch.manual_seed(seed)
    return make_model("inspect-net", "relu", in_channels=1, num_classes=4, input_size=16,
                      arch_args={"width": width, "dropout": 0.0})[0]


def _predict(model, x):
    model.eval()
    with torch.no_grad():
        return model(torch.from_numpy(x)).argmax(1).numpy()


def test_distilled_student_agrees_with_the_teacher_more_than_a_label_trained_one():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 1, 16, 16)).astype(np.float32)
    x_test = rng.standard_normal((256, 1, 16, 16)).astype(np.float32)
    teacher = _model(123, width=0.5).eval()  # a random network: its outputs are a function the labels do not carry
    labels = rng.integers(0, 4, len(x)).astype(np.int64)  # independent of the teacher
    ds = SimpleNamespace(x_train=x, y_train=labels, x_val=x[:32], y_val=labels[:32])
    agree = {}
    for name, weight in (("labels", 0.0), ("distilled", 1.0)):
        student = _model(1)
        recipe = dict(RECIPE, distill=settings("test", 2.0, weight))
        train_one(student, ds, recipe, 0, torch.device("cpu"), Dist(0, 1, 0, False), name, teacher=teacher)
        agree[name] = float((_predict(student, x_test) == _predict(teacher, x_test)).mean())
    assert agree["distilled"] > agree["labels"] + 0.15, agree


def _teacher_dir(tmp_path, classes, size):
    model, aj = make_model("inspect-net", "relu", in_channels=1, num_classes=classes, input_size=size,
                           arch_args={"width": 0.25})
    d = tmp_path / f"t{classes}_{size}"
    d.mkdir()
    torch.save(model.state_dict(), d / "weights.pt")
    (d / "arch.json").write_text(json.dumps(aj))
    return d


@pytest.mark.parametrize("classes,size,match", [(3, 16, "has 3 classes but the data has 4"),
                                                (4, 32, r"takes input \[1, 32, 32\] but the data gives \[1, 16, 16\]")])
def test_a_teacher_of_other_classes_or_input_is_refused(tmp_path, classes, size, match):
    (t,) = open_teachers(_teacher_dir(tmp_path, classes, size))
    with pytest.raises(EdgeCReLUError, match=match):
        check_teacher(t, 4, (1, 16, 16))


def test_a_matching_teacher_passes_and_records_its_hash(tmp_path):
    (t,) = open_teachers(_teacher_dir(tmp_path, 4, 16) / "weights.pt")
    check_teacher(t, 4, (1, 16, 16))
    desc = t.describe()
    assert desc["arch"] == "inspect-net" and len(desc["weights_sha256"]) == 64


def test_bad_settings_are_refused():
    with pytest.raises(EdgeCReLUError, match="--distill-weight"):
        settings("x", 4.0, 1.5)
