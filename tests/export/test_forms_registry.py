"""Every registered form is one module exposing ``FORM`` (edgecrelu/export/forms/, registries.FORMS)."""

from __future__ import annotations

import pytest

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.export.forms import get_form
from edgecrelu.export.forms.base import Form
from edgecrelu.registries import FORMS


@pytest.mark.parametrize("name", FORMS.names)
def test_each_registered_form_has_its_module(name):
    form = FORMS.load(name).FORM
    assert isinstance(form, Form) and form.name == name and form.description
    assert get_form(name) is form


def test_the_package_docstring_names_every_form():
    import edgecrelu.export.forms as package

    assert [name for name in FORMS.names if f"* ``{name}``" not in package.__doc__] == []


def test_unknown_form():
    with pytest.raises(EdgeCReLUError, match="unknown form 'nope'; choose one of: folded, graph, pm1, split"):
        get_form("nope")
