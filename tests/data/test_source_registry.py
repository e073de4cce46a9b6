"""Every registered data source is one module with ``load``; its facts (takes a path, options or
nothing; synthetic) are in its registry entry (registries.DATA_SOURCES), nowhere else."""

from __future__ import annotations

import pytest

from edgecrelu.data.sources import parse_spec, specs
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.registries import DATA_SOURCES


@pytest.mark.parametrize("name", DATA_SOURCES.names)
def test_each_registered_source_has_its_module(name):
    mod = DATA_SOURCES.load(name)
    assert callable(mod.load) and DATA_SOURCES.entry(name).takes in ("", "path", "options")
    assert not any(hasattr(mod, fact) for fact in ("TAKES_PATH", "TAKES_OPTIONS", "SYNTHETIC"))


def test_specs_and_parsing():
    assert specs() == ("inspection[:OPTIONS]", "digits", "imagefolder:PATH", "cifar10:PATH", "npz:PATH")
    assert parse_spec("digits") == ("digits", None)
    assert parse_spec("npz:/a/b.npz") == ("npz", "/a/b.npz")
    for bad, words in (("mnist", "unknown data source 'mnist'; choose one of: cifar10:PATH, digits, imagefolder:PATH, inspection\\[:OPTIONS\\]"),
                       ("digits:/x", "takes no path"), ("npz", "needs a path: npz:PATH")):
        with pytest.raises(EdgeCReLUError, match=words):
            parse_spec(bad)
