"""Variant names, torch-free: ``relu``, ``crelu@K``, ``crelu-half@K`` and the equal-cost ReLU controls
``relu-half@K`` and ``relu-w@K``.

Every stage reads these names (train writes them, export and profile carry them into bundles and
records, the report groups by them), so they are parsed here once; ``nn/`` applies them to models.
The controls answer "would a thinner ReLU net not do the same?": ``relu-half@K`` halves the same K
sites' filters as ``crelu-half@K`` but keeps ReLU (its consumers take the narrower input);
``relu-w@K`` is the whole ReLU net at the width multiplier whose MACs match ``crelu-half@K``'s
(``nn/build.py`` searches it). Both are ReLU kinds: the verdict counts them among the ReLU
configurations CReLU must beat. A ``+kd`` suffix (``crelu-half@2+kd``) names the same architecture
trained by distillation (``train.distill``): its own variant, so a run, a bundle and a report hold it
beside the model trained from the labels alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from edgecrelu.errors import EdgeCReLUError

KINDS = ("relu", "crelu", "crelu-half", "relu-half", "relu-w")
CRELU_KINDS = ("crelu", "crelu-half")
RELU_KINDS = ("relu", "relu-half", "relu-w")  # the baseline and its equal-cost controls
CONTROL_KINDS = ("relu-half", "relu-w")
KD_SUFFIX = "+kd"  # trained on a teacher's logits (train --distill-from, or the run's own relu)
VARIANT_HELP = ("relu, crelu@K, crelu-half@K (K = how many conv->act sites, from the input, get CReLU); "
                "controls relu-half@K, relu-w@K; a +kd suffix: distilled from the run's relu")
# One line per kind: `edgecrelu models` and --help print them.
KIND_HELP = {
    "relu": "the baseline",
    "crelu": "CReLU on the first K sites, same filters, the width after each doubled",
    "crelu-half": "CReLU on the first K sites with half the filters: the width downstream is unchanged",
    "relu-half": "control: the same K sites with half the filters and ReLU kept; their consumers take the "
                 "halved input",
    "relu-w": "control: the whole ReLU net at the width multiplier whose MACs match crelu-half@K within "
              "5 % (a search over the architecture's width argument)",
}


@dataclass(frozen=True)
class VariantSpec:
    kind: str  # relu | crelu | crelu-half | relu-half | relu-w
    depth: int = 0  # number of conv->act sites rewritten, from the input; 0 for relu
    distilled: bool = False  # name ends in +kd: trained on a teacher's logits

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise EdgeCReLUError(f"unknown variant kind '{self.kind}'; choose one of: {VARIANT_HELP}")
        if self.kind == "relu" and self.depth != 0:
            raise EdgeCReLUError(f"variant relu takes no depth (got relu@{self.depth})")
        if self.kind != "relu" and (not isinstance(self.depth, int) or self.depth < 1):
            raise EdgeCReLUError(f"bad depth {self.depth!r} for {self.kind}; K must be a whole number >= 1")

    @property
    def name(self) -> str:
        return self.arch_name + (KD_SUFFIX if self.distilled else "")

    @property
    def arch_name(self) -> str:
        """The name without ``+kd``: what the architecture is."""
        return "relu" if self.kind == "relu" else f"{self.kind}@{self.depth}"

    def __str__(self) -> str:
        return self.name


def parse_variant(s: str, default_depth: int | None = None) -> VariantSpec:
    """``relu`` / ``crelu@4`` / ``crelu-half@4``; ``crelu`` alone takes ``default_depth`` if given."""
    text = str(s).strip()
    if text.lower().endswith(KD_SUFFIX):
        spec = parse_variant(text[: -len(KD_SUFFIX)], default_depth)
        return VariantSpec(spec.kind, spec.depth, distilled=True)
    kind, sep, depth = text.partition("@")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise EdgeCReLUError(f"unknown variant '{text}'; choose one of: {VARIANT_HELP}")
    if not sep:
        if kind == "relu":
            return VariantSpec("relu", 0)
        if default_depth is None:
            raise EdgeCReLUError(f"variant '{text}' needs a depth, e.g. {kind}@4")
        return VariantSpec(kind, int(default_depth))
    if kind == "relu":
        raise EdgeCReLUError(f"variant relu takes no depth (got '{text}')")
    if not re.fullmatch(r"\s*\d+\s*", depth) or int(depth) < 1:
        raise EdgeCReLUError(f"bad depth '{depth}' in variant '{text}'; K must be a whole number >= 1")
    return VariantSpec(kind, int(depth))


def split_name(name: str) -> tuple[str, int]:
    """``(kind, depth)`` of a variant name as stored in a record or manifest, without validation
    (a user model's variant names still group); ``relu`` -> ``("relu", 0)``; ``+kd`` is dropped."""
    name = str(name)
    name = name[: -len(KD_SUFFIX)] if name.endswith(KD_SUFFIX) else name
    kind, _, depth = name.partition("@")
    return kind, int(depth) if depth.isdigit() else 0


def is_crelu_kind(kind: str) -> bool:
    """True for the kinds that carry CReLU (and so have graph forms to export)."""
    return kind in CRELU_KINDS


def is_relu_kind(kind: str) -> bool:
    """True for the baseline and the equal-cost ReLU controls: the ReLU configurations of a verdict."""
    return kind in RELU_KINDS


def is_distilled(name: str) -> bool:
    """True for a ``+kd`` variant name."""
    return str(name).endswith(KD_SUFFIX)
