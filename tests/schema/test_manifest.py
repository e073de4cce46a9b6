"""The bundle manifest's model, through Bundle.open (the tiny bundle of tests/fixtures)."""

import json

import pytest

from edgecrelu.bundle import MANIFEST, Bundle
from edgecrelu.errors import EdgeCReLUError


@pytest.mark.parametrize("edit, words", [
    (lambda m: m.update(colour=1), "unknown field 'manifest colour'"),
    (lambda m: m["artifacts"][0].update(colour=1), "unknown field 'manifest artifacts[0].colour'"),
    (lambda m: m["model"].update(num_classes=0), "manifest model.num_classes must be a positive integer, got 0"),
    (lambda m: m["dataset"].pop("eval"), "missing field(s): manifest dataset.eval"),
])
def test_a_bad_manifest_field_is_named(tiny_bundle_copy, edit, words):
    path = tiny_bundle_copy / MANIFEST
    m = json.loads(path.read_text())
    edit(m)
    path.write_text(json.dumps(m))
    with pytest.raises(EdgeCReLUError, match="^bundle .*: " + words.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        Bundle.open(tiny_bundle_copy, verify=False)
