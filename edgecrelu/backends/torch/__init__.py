"""PyTorch backend: the "what we run today in PyTorch" rows.

Each variant is rebuilt from the bundle's ``<variant>/arch.json`` and ``<variant>/weights.pt``
(``loader``: :class:`ModelLoader`), then run eager or ``torch.compile``'d (the cell's form:
``eager`` / ``compile``), on CPU or CUDA (``[torch] device``), in fp32 / fp16 / bf16 (``runner``:
:class:`TorchRunner`). torch is imported inside functions only.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

from edgecrelu.backends.torch.loader import EXTRA, ModelLoader
from edgecrelu.backends.torch.runner import TorchRunner
from edgecrelu.errors import EdgeCReLUError, require
from edgecrelu.registries import TORCH_FORMS as FORMS
from edgecrelu.results import Cell

if TYPE_CHECKING:
    from edgecrelu.bundle import Bundle
    from edgecrelu.devices import DeviceProfile

NAME = "torch"
PRECISIONS = ("fp32", "fp16", "bf16")


def check_available() -> None:
    require("torch", EXTRA)
    require("edgecrelu.nn.build", EXTRA)


def _torch_variants(bundle: Bundle, variants: Collection[str] | None = None) -> list[str]:
    out = []
    for name, v in sorted(bundle.variants.items()):
        if variants and name not in variants:
            continue
        t = v.get("torch") or {}
        if t.get("weights") and t.get("arch"):
            out.append(name)
    return out


def enumerate_cells(bundle: Bundle, *, variants: Collection[str] | None = None,
                    precisions: Collection[str] | None = None, forms: Collection[str] | None = None,
                    batches: Iterable[int] = (1,), profile: DeviceProfile | None = None) -> list[Cell]:
    """Cells for every variant that carries torch weights: eager (and ``compile`` when the profile's
    ``[torch] compile`` is on, or asked for by ``forms``) x fp32 / fp16 / bf16 x batches.

    ONNX form names in ``forms`` (graph, folded, ...) do not apply here; they leave the torch forms as
    the profile sets them.
    """
    want_forms = ["eager"] + (["compile"] if profile is not None and profile.torch.compile else [])
    if forms and set(forms) & set(FORMS):
        want_forms = [f for f in FORMS if f in forms]
    want_prec = [p for p in (precisions or ("fp32",)) if p in PRECISIONS]
    cells: list[Cell] = []
    for v in _torch_variants(bundle, variants):
        for f in want_forms:
            for p in want_prec:
                for b in batches:
                    cells.append(Cell(v, f, p, NAME, int(b)))
    return sorted(set(cells))


def make_runner(bundle: Bundle, cell: Cell, profile: DeviceProfile) -> TorchRunner:
    if cell.form not in FORMS:
        raise EdgeCReLUError(f"torch backend runs forms {', '.join(FORMS)}, not '{cell.form}'")
    if cell.precision not in PRECISIONS:
        raise EdgeCReLUError(f"torch backend runs {', '.join(PRECISIONS)}, not '{cell.precision}'")
    info = bundle.variants.get(cell.variant)
    if not info or not (info.get("torch") or {}).get("weights"):
        raise EdgeCReLUError(f"bundle {bundle.root} carries no torch weights for variant '{cell.variant}'")
    model = bundle.model
    loader = ModelLoader(weights=bundle.path(info["torch"]["weights"]), arch=bundle.path(info["torch"]["arch"]),
                         form=cell.form, precision=cell.precision, batch=cell.batch, options=profile.torch)
    return TorchRunner(loader, input_name=model.get("input_name", "input"),
                       output_name=model.get("output_name", "logits"))
