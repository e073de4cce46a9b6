"""CReLU forms: exact rewrites of the exported ONNX graph (docs/platform-notes.md "CReLU forms").

The exporter writes a CReLU site as ``Conv -> Neg -> Concat(axis=1) -> Relu`` (our module) or
``Conv -> {Relu, Neg -> Relu} -> Concat`` (other CReLU code); :mod:`.sites` finds both. Each form is
one module here exposing ``FORM``, a :class:`~edgecrelu.export.forms.base.Form` that rewrites every
site it can (see ``edgecrelu.registries.FORMS`` for the list):

* ``graph``  -- what the exporter emits (no rewrite).
* ``folded`` -- one Conv with ``[W; -W]``, ``[b; -b]``, then Relu. No Neg/Concat, 2x that conv's MACs.
* ``pm1``    -- the conv unchanged, then a 1x1 Conv with weights ``[I; -I]`` and Relu.
* ``split``  -- where the CReLU output feeds convs only: ``Wa.relu(y) + Wb.relu(-y)`` becomes
  ``(Wa + Wb).relu(y) + (-Wb).y`` (because ``relu(-y) = relu(y) - y``): two convs + Add.
* ``tile``   -- ``Tile(y)`` times a per-channel ``[+1; -1]``, then Relu: y has one reader, so in a
  symmetric INT8 QDQ file ONNX Runtime keeps every conv a QLinearConv.

A site a form cannot rewrite (e.g. ``split`` where the CReLU feeds a MaxPool) stays in graph form.
Adding a form is one module here plus its line in ``edgecrelu/registries.py``. The exporter checks
every form equal to ``graph`` on eval data before writing it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edgecrelu.registries import FORMS

if TYPE_CHECKING:
    from edgecrelu.export.forms.base import Form


def get_form(name: str) -> Form:
    """The :class:`~edgecrelu.export.forms.base.Form` registered as ``name`` (one-line error if unknown)."""
    return FORMS.load(name).FORM
