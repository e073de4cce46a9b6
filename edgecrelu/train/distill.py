"""Knowledge distillation (Hinton et al. 2015): a student trained on the teacher's logits at temperature
T mixed with the labels, ``(1 - w) * CE(labels) + w * T^2 * KL(softmax(t / T) || softmax(s / T))``.

``train --distill-from RUN_DIR|CHECKPOINT`` (every variant), a ``+kd`` variant (``crelu-half@2+kd``: the
run's own relu checkpoint of the same seed teaches it) and ``convert --distill`` use it. A run directory gives its
``relu`` checkpoints (a student of seed k learns from the teacher of seed k where the run has one, else
from its first); a checkpoint is a directory with ``weights.pt`` and ``arch.json`` (or its
``weights.pt``). The teacher's architecture and checkpoint hash go into every student's record; a
teacher whose classes or input differ from the data is refused in one line. torch is imported inside
the functions.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import read_json_object, sha256_file

if TYPE_CHECKING:  # torch is imported inside the functions that run it (`train --help` stays light)
    import torch
    from torch import nn

DEFAULT_TEMPERATURE = 4.0
DEFAULT_WEIGHT = 0.7  # share of the loss on the teacher's soft targets
OWN_RELU = "relu of this run (same seed)"  # the teacher of +kd variants without --distill-from
LOSS = "(1 - weight) x cross-entropy(labels) + weight x T^2 x KL(teacher softmax(t/T) || student softmax(s/T))"


@dataclass(frozen=True)
class Teacher:
    """One teacher checkpoint: its directory, what arch.json and record.json say, and its hash."""

    dir: Path
    arch_json: dict
    record: dict | None
    weights_sha256: str

    @property
    def seed(self) -> int | None:
        return None if self.record is None else self.record.get("seed")

    def describe(self) -> dict:
        """What a student's record says of its teacher."""
        aj = self.arch_json
        out = {"dir": str(self.dir), "arch": aj.get("arch"), "variant": aj.get("variant"),
               "arch_args": aj.get("arch_args"), "input_shape": aj.get("input_shape"),
               "num_classes": aj.get("num_classes"), "weights_sha256": self.weights_sha256}
        if self.record is not None:
            out.update(seed=self.record.get("seed"), test_acc=self.record.get("test_acc"))
        return out

    def model(self, device: str | torch.device | None = None) -> nn.Module:
        """The teacher network with its weights, in eval mode, gradients off."""
        from edgecrelu.nn.build import build_model, load_checkpoint

        model = load_checkpoint(build_model(self.arch_json), self.dir / "weights.pt").eval()
        for p in model.parameters():
            p.requires_grad_(False)
        return model.to(device) if device is not None else model


def _open(d: Path) -> Teacher:
    if not (d / "weights.pt").is_file() or not (d / "arch.json").is_file():
        raise EdgeCReLUError(f"teacher {d} is neither a train run (run.json) nor a checkpoint (weights.pt + arch.json)")
    arch = read_json_object(d / "arch.json", "teacher architecture file")
    rec = read_json_object(d / "record.json", "teacher training record") if (d / "record.json").is_file() else None
    sha = sha256_file(d / "weights.pt")
    if rec is not None and rec.get("weights_sha256") not in (None, sha):
        raise EdgeCReLUError(f"teacher {d / 'weights.pt'} does not match its training record (sha256 differs)")
    return Teacher(d, arch, rec, sha)


def open_teachers(path: str | os.PathLike) -> list[Teacher]:
    """The teachers ``--distill-from`` names: a run directory's relu checkpoints, or one checkpoint."""
    p = Path(path)
    if not p.exists():
        raise EdgeCReLUError(f"--distill-from {path}: not found")
    if p.is_dir() and (p / "run.json").is_file():
        run = read_json_object(p / "run.json", "teacher train run")
        dirs = [p / str(e["dir"]) for e in run.get("checkpoints") or []
                if isinstance(e, dict) and e.get("variant") == "relu" and "dir" in e]
        if not dirs:
            raise EdgeCReLUError(f"--distill-from {path}: the run holds no finished relu checkpoint to teach with")
        return [_open(d) for d in dirs]
    return [_open(p.parent if p.is_file() else p)]


def pick(teachers: list[Teacher], seed: int) -> Teacher:
    """The teacher of the student's seed where there is one, else the first."""
    return next((t for t in teachers if t.seed == seed), teachers[0])


def check_teacher(t: Teacher, num_classes: int, input_shape: Sequence[int],
                  class_names: Sequence[str] | None = None) -> None:
    """Refuse, in one line, a teacher whose classes or input differ from the student's data."""
    aj = t.arch_json
    if aj.get("num_classes") != int(num_classes):
        raise EdgeCReLUError(f"teacher {t.dir} has {aj.get('num_classes')} classes but the data has {num_classes}; "
                             "distillation needs the same classes")
    if list(aj.get("input_shape") or []) != [int(s) for s in input_shape]:
        raise EdgeCReLUError(f"teacher {t.dir} takes input {aj.get('input_shape')} but the data gives "
                             f"{list(input_shape)}; distillation needs the same input")
    names = ((t.record or {}).get("data") or {}).get("class_names")
    if class_names and names and list(names) != list(class_names):
        raise EdgeCReLUError(f"teacher {t.dir} was trained on classes {names} but the data has {list(class_names)}")


def check_options(temperature: float, weight: float) -> None:
    if not temperature > 0:
        raise EdgeCReLUError(f"--distill-temperature must be > 0 (got {temperature})")
    if not 0 <= weight <= 1:
        raise EdgeCReLUError(f"--distill-weight must lie in [0, 1] (got {weight})")


def settings(source: str, temperature: float, weight: float) -> dict:
    """The recipe's ``distill`` entry (a resume must match it)."""
    check_options(temperature, weight)
    return {"from": str(source), "temperature": float(temperature), "weight": float(weight), "loss": LOSS}


def distill_loss(student: torch.Tensor, teacher: torch.Tensor, labels: torch.Tensor, temperature: float, weight: float,
                 label_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """The mixed loss of one batch: ``label_loss(student, labels)`` and the soft-target term."""
    import torch.nn.functional as F

    hard = label_loss(student, labels)
    if weight <= 0:
        return hard
    t = float(temperature)
    soft = F.kl_div(F.log_softmax(student / t, dim=1), F.log_softmax(teacher / t, dim=1), reduction="batchmean",
                    log_target=True) * (t * t)
    return (1 - weight) * hard + weight * soft


def open_checkpoint(d: str | os.PathLike) -> Teacher:
    """One checkpoint directory (weights.pt + arch.json) as a teacher."""
    return _open(Path(d))
