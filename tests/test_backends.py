"""The typed backend table of ``edgecrelu.backends`` agrees with ``registries.BACKENDS``: mypy checks
each hooks module against the ``Backend`` protocol where ``_HOOKS`` registers it, so a registry name
without its line there would be a backend nobody checks.

Here, not in tests/backends/: a test file directly in that folder puts it on sys.path, where
``import tensorrt`` would find tests/backends/tensorrt/ as a namespace package."""

import pytest

from edgecrelu.backends import _HOOKS, get_backend
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.registries import BACKENDS


def test_every_registered_backend_has_its_typed_hook():
    assert list(_HOOKS) == list(BACKENDS.names)


@pytest.mark.parametrize("name", BACKENDS.names)
def test_the_hook_imports_the_module_the_registry_names(name):
    backend = get_backend(name)
    assert backend.__name__ == BACKENDS.entry(name).module
    assert name == backend.NAME
    for hook in ("check_available", "enumerate_cells", "make_runner"):
        assert callable(getattr(backend, hook))


def test_an_unknown_backend_is_a_one_line_error():
    with pytest.raises(EdgeCReLUError, match="unknown backend 'nope'"):
        get_backend("nope")
