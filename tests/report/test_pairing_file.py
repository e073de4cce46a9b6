"""The pairing analysis beside a bundle is read through its model (edgecrelu.schema.pairing)."""

import json
import logging

import numpy as np
import pytest

from edgecrelu.report.pairing_file import find_pairing

analyze = pytest.importorskip("edgecrelu.analysis.analyze")  # the torch side writes it


def _records(tmp_path, data):
    (tmp_path / "analysis").mkdir()
    (tmp_path / "analysis" / "pairing.json").write_text(json.dumps(data))
    model = {"arch": data.get("arch"), "input_shape": data.get("input_shape")}
    return [{"bundle": {"path": str(tmp_path / "bundle"), "model": model}}]


def _pairing() -> dict:
    w = np.random.default_rng(0).standard_normal((8, 1, 3, 3))
    models = [{"variant": "relu", "seed": 0, "dir": "relu/seed0",
               "layers": [analyze.layer_entry("conv1", 1, "relu", w, draws=4)]}]
    d = analyze.assemble(models, {"relu": w}, threshold=-0.5, draws=4, source="/x",
                         arch={"arch": "convpool-c", "input_shape": [1, 32, 32]})
    return json.loads(json.dumps(d))


def test_the_written_analysis_is_found(tmp_path):
    found = find_pairing(_records(tmp_path, _pairing()))
    assert found is not None and found.path.name == "pairing.json"
    assert found.data["summary"]["relu"]["layers"][0]["path"] == "conv1"


@pytest.mark.parametrize("change, words", [
    (lambda d: d.update(colour=1), "unknown field 'colour'"),
    (lambda d: d["summary"]["relu"]["layers"][0].update(mean="high"), "summary.relu.layers[0].mean must be"),
    (lambda d: d.update(schema_version=2), "schema_version 2 (this edgecrelu reads 1)"),
])
def test_a_file_its_model_refuses_is_left_out_with_the_reason(tmp_path, caplog, change, words):
    data = _pairing()
    change(data)
    with caplog.at_level(logging.WARNING):
        assert find_pairing(_records(tmp_path, data)) is None
    [msg] = [r.getMessage() for r in caplog.records if "pairing.json" in r.getMessage()]
    assert "ignored" in msg and words in msg, msg
