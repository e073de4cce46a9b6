"""The nn side of a train run: which variants to train, and each one's model, ``arch.json`` and counts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.train.config import TrainConfig, arch_args
from edgecrelu.variant import parse_variant

if TYPE_CHECKING:  # torch is imported inside the functions that run it
    from torch import nn

    from edgecrelu.data.dataset import Dataset


def resolve_variants(cfg: TrainConfig, ds: Dataset | None = None, input_size: int | None = None) -> list[str]:
    """Canonical variant names; without ``ds`` only the names are checked (cheap, before loading data)."""
    if cfg.variants:
        names = [parse_variant(v).name for v in cfg.variants]  # unknown kind / bad depth -> one line
    elif ds is None:
        return []
    else:
        from edgecrelu.nn.rewrite import default_variants

        names = list(default_variants(cfg.model, in_channels=ds.input_shape[0], num_classes=ds.num_classes,
                                      input_size=input_size, arch_args=arch_args(cfg)))
    if len(set(names)) != len(names):
        raise EdgeCReLUError(f"variant listed twice in {','.join(names)}")
    return names


def build(cfg: TrainConfig, variant: str, ds: Dataset, input_size: int) -> tuple[nn.Module, dict, dict]:
    """(model, arch_json, counts) for one variant.

    With ``--checkpoint`` the weights go into the plain model first and the variant is derived from
    it (``preserve_function``: a ``crelu`` consumer starts as ``[W, 0]``, ``crelu-half`` keeps the first
    half of the filters), so every variant starts from the same pretrained network.
    """
    from edgecrelu.nn.arch import instantiate
    from edgecrelu.nn.build import load_checkpoint, make_model
    from edgecrelu.nn.counting import count_model
    from edgecrelu.nn.rewrite import apply_variant

    kw: dict[str, Any] = dict(in_channels=ds.input_shape[0], num_classes=ds.num_classes, input_size=input_size,
              arch_args=arch_args(cfg))
    model, arch_json = make_model(cfg.model, variant, **kw)
    if cfg.checkpoint:
        plain, input_shape, _ = instantiate(cfg.model, **kw)
        load_checkpoint(plain, cfg.checkpoint, num_classes=ds.num_classes)
        model = apply_variant(plain, variant, input_shape, preserve_function=True)
    counts = count_model(model, tuple(ds.input_shape))
    return model, arch_json, counts
