"""Variant names, torch-free: ``relu``, ``crelu@K``, ``crelu-half@K``.

Every stage reads these names (train writes them, export and profile carry them into bundles and
records, the report groups by them), so they are parsed here once; ``nn/`` applies them to models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from edgecrelu.errors import EdgeCReLUError

KINDS = ("relu", "crelu", "crelu-half")
VARIANT_HELP = "relu, crelu@K, crelu-half@K (K = how many conv->act sites, from the input, get CReLU)"


@dataclass(frozen=True)
class VariantSpec:
    kind: str  # relu | crelu | crelu-half
    depth: int = 0  # number of conv->act sites rewritten, from the input; 0 for relu

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise EdgeCReLUError(f"unknown variant kind '{self.kind}'; choose one of: {VARIANT_HELP}")
        if self.kind == "relu" and self.depth != 0:
            raise EdgeCReLUError(f"variant relu takes no depth (got relu@{self.depth})")
        if self.kind != "relu" and (not isinstance(self.depth, int) or self.depth < 1):
            raise EdgeCReLUError(f"bad depth {self.depth!r} for {self.kind}; K must be a whole number >= 1")

    @property
    def name(self) -> str:
        return "relu" if self.kind == "relu" else f"{self.kind}@{self.depth}"

    def __str__(self) -> str:
        return self.name


def parse_variant(s: str, default_depth: int | None = None) -> VariantSpec:
    """``relu`` / ``crelu@4`` / ``crelu-half@4``; ``crelu`` alone takes ``default_depth`` if given."""
    text = str(s).strip()
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
    (a user model's variant names still group); ``relu`` -> ``("relu", 0)``."""
    kind, _, depth = str(name).partition("@")
    return kind, int(depth) if depth.isdigit() else 0
