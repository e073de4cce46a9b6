"""Result records: cell keys, atomic writes, validation, loading."""

import json

import pytest

from edgecrelu.distribution import summarize
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import atomic_write_json
from edgecrelu.results import KIND, SCHEMA_VERSION, Cell, load_records, write_record


def _record(cell):
    return {
        "schema_version": SCHEMA_VERSION, "kind": KIND, "run_id": "r", "created_utc": "t",
        "device_profile": {"name": "cpu"}, "environment": {}, "bundle": {}, "cell": cell.to_dict(),
        "latency_ms": summarize([1.0, 2.0]), "throughput_ips": 1.0, "memory": {}, "accuracy": {},
        "warnings": [],
    }


def test_cell_key_and_roundtrip():
    c = Cell("crelu-half@4", "folded", "int8", "onnxruntime", 8)
    assert c.key == "crelu-half_4.folded.int8.onnxruntime.b8"
    d = c.to_dict()
    assert d["kind"] == "crelu-half" and d["depth"] == 4
    assert Cell.from_dict(d) == c
    assert Cell("relu", "graph", "fp32", "torch", 1).to_dict()["depth"] == 0


def test_write_and_load(tmp_path):
    c = Cell("relu", "graph", "fp32", "onnxruntime", 1)
    p = write_record(tmp_path, _record(c))
    assert p.name == c.key + ".json"
    (rec,) = load_records([tmp_path])
    assert rec["cell"]["variant"] == "relu"
    assert not [q for q in tmp_path.iterdir() if q.name.startswith(".")]


def test_invalid_records_are_refused(tmp_path):
    bad = _record(Cell("relu", "graph", "fp32", "onnxruntime", 1))
    del bad["latency_ms"]
    with pytest.raises(EdgeCReLUError, match="missing field.*latency_ms"):
        write_record(tmp_path, bad)
    (tmp_path / "x.json").write_text("{broken")
    with pytest.raises(EdgeCReLUError, match="cannot read result record"):
        load_records([tmp_path])
    with pytest.raises(EdgeCReLUError, match="results not found"):
        load_records([tmp_path / "missing"])


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    p = atomic_write_json(tmp_path / "a.json", {"v": 1})

    class Boom:
        pass

    with pytest.raises(TypeError):
        atomic_write_json(p, {"v": Boom()})
    assert json.loads(p.read_text()) == {"v": 1}
    assert [q.name for q in tmp_path.iterdir()] == ["a.json"]
