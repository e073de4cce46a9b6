"""pairing.json as analyze assembles it fits its model (the report's pairing part reads it)."""

import json

import numpy as np
import pytest

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.schema.base import check
from edgecrelu.schema.pairing import Pairing

analyze = pytest.importorskip("edgecrelu.analysis.analyze")  # the torch side writes it


def _pairing() -> dict:
    w = np.random.default_rng(0).standard_normal((8, 1, 3, 3))
    models = [{"variant": "relu", "seed": 0, "dir": "relu/seed0",
               "layers": [analyze.layer_entry("conv1", 1, "relu", w, draws=4) | {"bn_folded": True}]}]
    d = analyze.assemble(models, {"relu": w}, threshold=0.0, draws=4, source="/x",
                         arch={"arch": "a", "input_shape": [1, 8, 8]})
    return json.loads(json.dumps(d))


def test_analyze_output_fits_the_model():
    p = check(_pairing(), Pairing, "pairing.json")
    assert p.recommendation.from_ == "relu" and p.summary["relu"].layers[0].path == "conv1"


def test_an_unknown_layer_field_is_refused():
    d = _pairing()
    d["summary"]["relu"]["layers"][0]["colour"] = 1
    with pytest.raises(EdgeCReLUError, match=r"unknown field 'summary\.relu\.layers\[0\]\.colour'"):
        check(d, Pairing, "pairing.json")
