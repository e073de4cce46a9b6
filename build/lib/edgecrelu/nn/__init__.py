"""Torch side: the CReLU module, the model zoo, variant rewrites, parameter / MAC counting.

Importing this package imports torch; nothing on the target side (profile, report) may import it.
Variant names themselves (``parse_variant``, ``VariantSpec``) are torch-free: :mod:`edgecrelu.variant`.
"""

from edgecrelu.nn.arch import instantiate, load_user_callable
from edgecrelu.nn.build import build_model, describe_builtins, load_checkpoint, make_model
from edgecrelu.nn.counting import count_model
from edgecrelu.nn.crelu import CReLU, act_width_factor, get_act_layer
from edgecrelu.nn.rewrite import apply_variant, default_variants
from edgecrelu.nn.trace import ActSite, find_sites
from edgecrelu.nn.zoo import ZooEntry, get_entry, list_models

__all__ = [
    "CReLU", "get_act_layer", "act_width_factor",
    "ZooEntry", "get_entry", "list_models",
    "ActSite", "find_sites", "apply_variant", "default_variants",
    "make_model", "build_model", "instantiate", "load_user_callable", "load_checkpoint", "describe_builtins",
    "count_model",
]
