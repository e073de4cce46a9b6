"""Build a model variant from names, record it as ``arch.json``, rebuild it, load weights; describe
the built-ins and a variant layer by layer (``edgecrelu models``).

``arch`` is a built-in name or a user model ``package.module:callable`` (:mod:`edgecrelu.nn.arch`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from torch import nn

from edgecrelu.errors import EdgeCReLUError, first_line
from edgecrelu.nn.arch import builder_defaults, instantiate
from edgecrelu.nn.counting import count_model
from edgecrelu.nn.rewrite import apply_variant, default_variants
from edgecrelu.nn.trace import find_sites
from edgecrelu.nn.zoo import ZooEntry, list_models
from edgecrelu.validate import schema_version_error
from edgecrelu.variant import parse_variant

ARCH_SCHEMA_VERSION = 1


def _recorded_args(entry: ZooEntry | None, in_channels: int, num_classes: int, arch_args: dict) -> dict:
    """The arguments that rebuild the model: the builder's defaults made explicit, JSON-able."""
    base = builder_defaults(entry.builder) if entry is not None else {}
    out = {**base, **(arch_args or {}), "in_channels": int(in_channels), "num_classes": int(num_classes)}
    for k, v in out.items():
        if isinstance(v, type):
            raise EdgeCReLUError(f"arch argument {k}={v.__name__} is a class; give its name (e.g. act_layer='relu')")
        if isinstance(v, tuple):
            out[k] = list(v)
    return out


def make_model(arch: str, variant: str, *, in_channels: int, num_classes: int, input_size: int | Sequence[int] | None,
               arch_args: dict | None = None, preserve_function: bool = False,
               control: dict | None = None) -> tuple[nn.Module, dict]:
    """Build ``arch`` as ``variant`` -> ``(model, arch_json)``; ``build_model(arch_json)`` rebuilds it.

    ``variant`` is ``relu`` / ``crelu@K`` / ``crelu-half@K`` / ``relu-half@K`` / ``relu-w@K`` (a built-in
    also takes ``crelu`` alone, at its default depth). ``input_size`` is an int (square) or ``(H, W)``.
    ``relu-w@K`` is the plain model at the width :func:`~edgecrelu.nn.control.match_width` finds
    (``control``: a recorded match, reused instead of searching again).

    ``arch_json = {schema_version: 1, arch, arch_args (in_channels, num_classes, width, ...), variant,
    input_shape: [C, H, W], num_classes}``, plus ``control`` for ``relu-w@K`` (``arch_args`` keep the
    base width, ``control.width`` is the one built).
    """
    model, input_shape, entry = instantiate(arch, in_channels=in_channels, num_classes=num_classes,
                                            input_size=input_size, arch_args=arch_args)
    spec = parse_variant(variant, default_depth=entry.default_depth if entry is not None else None)
    if spec.kind == "relu-w":
        from edgecrelu.nn.control import match_width

        if control is None:
            control = match_width(arch, spec.depth, in_channels=in_channels, num_classes=num_classes,
                                  input_size=input_size, arch_args=arch_args)
        model, _, _ = instantiate(arch, in_channels=in_channels, num_classes=num_classes, input_size=input_size,
                                  arch_args={**(arch_args or {}), "width": float(control["width"])})
    else:
        control = None
        model = apply_variant(model, spec, input_shape, preserve_function=preserve_function, name=arch)
    arch_json = {
        "schema_version": ARCH_SCHEMA_VERSION,
        "arch": arch,
        "arch_args": _recorded_args(entry, in_channels, num_classes, arch_args or {}),
        "variant": spec.name,
        "input_shape": list(input_shape),
        "num_classes": int(num_classes),
    }
    if control is not None:
        arch_json["control"] = dict(control)
    try:
        json.dumps(arch_json)
    except (TypeError, ValueError) as exc:
        raise EdgeCReLUError(f"arch arguments must be JSON values (they go into arch.json): {exc}") from None
    return model, arch_json


def build_model(arch_json: dict) -> nn.Module:
    """Rebuild the exact architecture recorded by :func:`make_model` (weights are not loaded)."""
    if not isinstance(arch_json, dict):
        raise EdgeCReLUError("arch.json must hold a JSON object")
    problem = schema_version_error(arch_json.get("schema_version"), ARCH_SCHEMA_VERSION)
    if problem:
        raise EdgeCReLUError(f"arch.json: {problem}")
    missing = [k for k in ("arch", "arch_args", "variant", "input_shape", "num_classes") if k not in arch_json]
    if missing:
        raise EdgeCReLUError(f"arch.json lacks {', '.join(missing)}")
    args = dict(arch_json["arch_args"])
    shape = arch_json["input_shape"]
    if not (isinstance(shape, list) and len(shape) == 3):
        raise EdgeCReLUError(f"arch.json input_shape must be [C, H, W], got {shape!r}")
    in_channels = int(args.pop("in_channels", shape[0]))
    args.pop("num_classes", None)
    model, _ = make_model(arch_json["arch"], arch_json["variant"], in_channels=in_channels,
                          num_classes=int(arch_json["num_classes"]), input_size=(shape[1], shape[2]),
                          arch_args=args, control=_control(arch_json))
    return model


def _control(arch_json: dict) -> dict | None:
    """The recorded width match of a ``relu-w@K`` arch.json (checked), else None."""
    control = arch_json.get("control")
    if control is None:
        return None
    if not isinstance(control, dict) or not isinstance(control.get("width"), (int, float)) or not control["width"] > 0:
        raise EdgeCReLUError(f"arch.json control must hold the matched width > 0, got {control!r}")
    return control


def load_checkpoint(model: nn.Module, path: str | os.PathLike, num_classes: int | None = None) -> nn.Module:
    """Load a state dict saved with ``torch.save`` into ``model`` (``weights_only=True``); returns it.

    Accepts a bare state dict or ``{"state_dict": ...}``; strips a DDP ``module.`` prefix. With
    ``num_classes`` (the data's), a checkpoint whose only difference is its number of outputs is
    refused in a line that names both numbers.
    """
    import torch

    path = Path(path)
    if not path.is_file():
        raise EdgeCReLUError(f"checkpoint not found: {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise EdgeCReLUError(f"cannot read checkpoint {path} (a torch state dict saved with torch.save): "
                             f"{first_line(exc)}") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise EdgeCReLUError(f"checkpoint {path} is not a state dict of tensors")
    bad = next((k for k, v in state.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())), None)
    if bad is not None:  # training or exporting it would only spread NaN into every result
        raise EdgeCReLUError(f"checkpoint {path} holds NaN or inf values (in {bad})")
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    extra = [k for k in state if k not in own]
    wrong = [f"{k}: checkpoint {list(state[k].shape)} vs model {list(own[k].shape)}"
             for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if num_classes is not None and wrong and not missing and not extra:
        outputs = _outputs(state, own, num_classes)
        if outputs is not None:
            raise EdgeCReLUError(f"checkpoint {path} has {outputs} outputs (classes) but the data has {num_classes} "
                                 f"classes: {wrong[0]}")
    if missing or extra or wrong:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing ({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''})")
        if extra:
            parts.append(f"{len(extra)} unexpected ({', '.join(extra[:3])}{', ...' if len(extra) > 3 else ''})")
        if wrong:
            parts.append(f"{len(wrong)} of another shape ({'; '.join(wrong[:2])}{'; ...' if len(wrong) > 2 else ''})")
        raise EdgeCReLUError(f"checkpoint {path} does not match the model: keys {', '.join(parts)}")
    model.load_state_dict(state)
    return model


def _outputs(state: dict, own: dict, num_classes: int) -> int | None:
    """The checkpoint's number of outputs when every tensor that differs from the model differs only
    in its first dimension, num_classes in the model and one other number in the checkpoint (the
    classifier's weight, bias and BN); else None."""
    diff = [k for k in own if tuple(state[k].shape) != tuple(own[k].shape)]
    n = {state[k].shape[0] if state[k].ndim else None for k in diff}
    if len(n) != 1:
        return None
    (classes,) = n
    if classes is None:
        return None
    if all(own[k].ndim and own[k].shape[0] == num_classes and state[k].shape[1:] == own[k].shape[1:] for k in diff):
        return int(classes)
    return None


def describe_builtins(*, in_channels: int = 3, num_classes: int = 10, input_size: int | None = None,
                      width: float = 1.0) -> list[dict]:
    """One row per built-in: arch, input shape, classes, sites, params and MACs of the ``relu`` model,
    default depth, default variants with their params / MACs (``variants``: name -> {params, macs}),
    description. ``input_size=None`` uses each arch's default."""
    rows = []
    for entry in list_models():
        model, shape, _ = instantiate(entry.name, in_channels=in_channels, num_classes=num_classes,
                                      input_size=input_size, arch_args={"width": width})
        counts = count_model(model, shape)
        variants = {}
        for name in default_variants(entry.name, in_channels=in_channels, num_classes=num_classes):
            c = counts if name == "relu" else count_model(apply_variant(model, name, shape), shape)
            variants[name] = {"params": c["params"], "macs": c["macs"]}
        rows.append({"arch": entry.name, "input_shape": shape, "num_classes": int(num_classes),
                     "sites": len(find_sites(model, shape, name=entry.name)),
                     "params": counts["params"], "macs": counts["macs"],
                     "default_depth": entry.default_depth, "default_variants": list(variants),
                     "variants": variants, "description": entry.description,
                     "controls": _controls(entry, in_channels, num_classes, input_size, width, variants)})
    return rows


def _controls(entry: ZooEntry, in_channels: int, num_classes: int, input_size, width: float,
              variants: dict) -> dict:
    """The equal-cost ReLU controls at the default depth: name -> {params, macs[, width, target_macs]}
    or {refused: why}. ``variants``: the default variants' counts (crelu-half@K's is relu-w's target)."""
    import torch

    from edgecrelu.nn.control import match_width

    depth, args = entry.default_depth, {"width": width}
    out: dict = {}
    half = f"relu-half@{depth}"
    try:
        model, aj = make_model(entry.name, half, in_channels=in_channels, num_classes=num_classes,
                               input_size=input_size, arch_args=args)
        c = count_model(model, aj["input_shape"])
        out[half] = {"params": c["params"], "macs": c["macs"]}
    except EdgeCReLUError as exc:
        out[half] = {"refused": str(exc)}
    wide = f"relu-w@{depth}"
    try:  # the search counts the MACs as count_model does
        control = match_width(entry.name, depth, in_channels=in_channels, num_classes=num_classes,
                              input_size=input_size, arch_args=args,
                              target_macs=variants.get(f"crelu-half@{depth}", {}).get("macs"))
    except EdgeCReLUError as exc:
        out[wide] = {"refused": str(exc)}
        return out
    with torch.device("meta"):  # its parameters: a build without weights is enough
        model, _ = make_model(entry.name, wide, in_channels=in_channels, num_classes=num_classes,
                              input_size=input_size, arch_args=args, control=control)
    out[wide] = {"params": int(sum(p.numel() for p in model.parameters())), "macs": control["macs"],
                 "width": control["width"], "target_macs": control["target_macs"]}
    return out


def describe_variant(arch: str, variant: str = "relu", *, in_channels: int = 3, num_classes: int = 10,
                     input_size: int | Sequence[int] | None = None, arch_args: dict | None = None) -> dict:
    """Per-layer counts of one model variant: ``{"arch_json", "sites", "params", "macs", "layers"}``
    (``layers`` as in :func:`~edgecrelu.nn.counting.count_model`)."""
    model, arch_json = make_model(arch, variant, in_channels=in_channels, num_classes=num_classes,
                                  input_size=input_size, arch_args=arch_args)
    shape = arch_json["input_shape"]
    return {"arch_json": arch_json, "sites": [s.describe() for s in find_sites(model, shape, name=arch)],
            **count_model(model, shape)}
