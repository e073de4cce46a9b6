"""Train: every variant of a model with one recipe and the same seeds -> a run directory.

The entry point is :func:`~edgecrelu.train.trainer.train_run` with a
:class:`~edgecrelu.train.config.TrainConfig`. The modules import torch inside the functions that need
it, so importing this package loads no torch.
"""

from edgecrelu.train.config import TrainConfig
from edgecrelu.train.trainer import train_run

__all__ = ["TrainConfig", "train_run"]
