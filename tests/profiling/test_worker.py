"""The worker's contract with the run: a result file, or an error file and a non-zero exit."""

import json

from edgecrelu.devices import load_device
from edgecrelu.profiling import worker


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
