"""What ``analyze`` and ``convert`` read: a train run directory or one checkpoint of it
(docs/contracts.md "Train run"), opened as models with their records."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import read_json_object

if TYPE_CHECKING:  # torch is imported inside the functions that run it
    from torch import nn


@dataclass(frozen=True)
class Source:
    variant: str
    seed: int | None
    dir: Path  # holds weights.pt, arch.json and (from train) record.json

    def arch_json(self) -> dict:
        return read_json_object(self.dir / "arch.json", "model architecture file")

    def record(self) -> dict | None:
        p = self.dir / "record.json"
        return read_json_object(p, "training record") if p.is_file() else None

    def model(self) -> nn.Module:
        """The model with its weights, in eval mode."""
        from edgecrelu.nn.build import build_model, load_checkpoint

        model = build_model(self.arch_json())
        load_checkpoint(model, self.dir / "weights.pt")
        return model.eval()


def _checkpoint_dir(path: Path) -> Source:
    d = path.parent if path.is_file() else path
    if not (d / "weights.pt").is_file() or not (d / "arch.json").is_file():
        raise EdgeCReLUError(f"{path} is neither a train run (run.json) nor a checkpoint (weights.pt + arch.json)")
    arch = read_json_object(d / "arch.json", "model architecture file")
    rec = read_json_object(d / "record.json", "training record") if (d / "record.json").is_file() else {}
    return Source(str(arch.get("variant", "relu")), rec.get("seed"), d)


def open_sources(path: str | os.PathLike) -> list[Source]:
    """Every checkpoint of a run (run.json order), or the one checkpoint ``path`` names (its
    directory or its weights.pt)."""
    path = Path(path)
    if not path.exists():
        raise EdgeCReLUError(f"not found: {path}")
    if path.is_dir() and (path / "run.json").is_file():
        run = read_json_object(path / "run.json", "train run file")
        out = []
        for e in run.get("checkpoints") or []:
            if isinstance(e, dict) and {"variant", "seed", "dir"} <= set(e):
                d = (path / str(e["dir"])).resolve()
                if not d.is_relative_to(path.resolve()):
                    raise EdgeCReLUError(f"{path / 'run.json'}: checkpoint dir {e['dir']!r} lies outside the run")
                out.append(Source(str(e["variant"]), int(e["seed"]), d))
        if not out:
            raise EdgeCReLUError(f"train run {path} has no finished checkpoints")
        return out
    return [_checkpoint_dir(path)]
