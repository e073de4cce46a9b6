"""The worker's contract with the engine: a result file, or an error file and a non-zero exit."""

import json

import pytest
from fixtures.tiny_bundle import cached_tiny_bundle

from edgecrelu.devices import load_device
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.profiling import engine, worker
from edgecrelu.profiling.engine import ProfileConfig, run_profile


def test_worker_reports_a_user_error_as_a_file(tmp_path):
    prof = {k: v for k, v in load_device("cpu").to_dict().items() if k != "path"}
    task = {"bundle": str(tmp_path / "missing"), "profile": prof, "cell": {"variant": "relu", "form": "graph",
            "precision": "fp32", "backend": "onnxruntime", "batch": 1}, "trial": 0,
            "input": str(tmp_path / "x.npy"), "accuracy": False, "logits_out": "", "out": str(tmp_path / "out")}
    (tmp_path / "task.json").write_text(json.dumps(task))
    assert worker.main([str(tmp_path / "task.json")]) == 2
    assert "bundle not found" in json.loads((tmp_path / "out").read_text())["error"]


def test_profile_dict_round_trip():
    p = load_device("jetson-agx-orin")
    q = worker._profile_from_dict(json.loads(json.dumps(p.to_dict())), p.path)
    assert q == p


def test_a_failing_cell_does_not_stop_the_others(tmp_path, monkeypatch):
    from edgecrelu.backends import onnxruntime as ortb

    real = ortb.make_runner

    def make_runner(bundle, cell, profile):
        if cell.form == "folded":
            raise EdgeCReLUError("simulated build failure")
        return real(bundle, cell, profile)

    monkeypatch.setattr(ortb, "make_runner", make_runner)
    config = ProfileConfig(bundle=str(cached_tiny_bundle()), out=str(tmp_path / "R"), precisions=("fp32",),
                           batches=(1,), warmup_s=0, duration_s=0.01, iterations=3, trials=2, isolation="none")
    run = run_profile(config, log=lambda m: None)
    assert [c.form for c in run.failures] == ["folded"]
    assert "simulated build failure" in next(iter(run.failures.values()))
    assert len(run.records) == 2 and len(list((tmp_path / "R").glob("*.json"))) == 2


def test_resume_refuses_records_of_another_device(tmp_path):
    config = ProfileConfig(bundle=str(cached_tiny_bundle()), out=str(tmp_path / "R"), variants=("relu",),
                           precisions=("fp32",), batches=(1,), warmup_s=0, duration_s=0.01, iterations=3, trials=1,
                           isolation="none")
    run_profile(config, log=lambda m: None)
    other = tmp_path / "other.toml"
    other.write_text(open(load_device("cpu").path).read().replace('name = "cpu"', 'name = "other-cpu"'))
    from dataclasses import replace

    with pytest.raises(EdgeCReLUError, match="device profile 'cpu'"):
        run_profile(replace(config, device=str(other), resume=True), log=lambda m: None)
    assert engine.PARTIAL == ".partial"
