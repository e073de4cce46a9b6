"""scripts/gpu_check.sh: valid bash, strict mode, and an honest exit code when nothing could run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "gpu_check.sh"
pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def test_syntax_and_strict_mode():
    assert "set -euo pipefail" in SCRIPT.read_text()
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)


def test_spent_budget_reports_not_run(tmp_path):
    pytest.importorskip("torch")  # without torch the script skips train for that reason instead
    env = {**os.environ, "BUDGET_S": "1", "PYTHON": sys.executable}
    p = subprocess.run(["bash", str(SCRIPT), str(tmp_path / "w")], capture_output=True, text=True, env=env,
                       timeout=120)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "train: NOT RUN (5-minute budget spent)" in p.stdout
    assert "no GPU stage ran" in p.stdout


# -- scripts/gpu_trust_check.py: the hardware-only checks, run here on composed records ----------------
TRUST = SCRIPT.parent / "gpu_trust_check.py"


def _trt_record(base: dict, *, graph=True, line="--useCudaGraph --useSpinWait", layers_ok=True, hit=False,
                method="energy counter") -> dict:
    import copy

    r = copy.deepcopy(base)
    r["cell"]["backend"] = "tensorrt"
    r["settings"]["backend"] = {
        "backend": "tensorrt", "tensorrt_version": "10.3.0.26", "cuda_graph": graph, "cuda_graph_via": "cuda-python",
        "trtexec": f"trtexec --onnx=m.onnx {line}", "dla_core": -1, "engine_key": "k1", "cache_hit": hit,
        "layers": {"available": True, "matches_name": layers_ok, "compute_precision": {r["cell"]["precision"]: 3}}}
    r["memory"]["device"] = {"footprint_bytes": 3_000_000, "device_bytes": 4_194_304, "activation_scope": "cell shapes"}
    r["power"] = {"mean_mw": 90_000.0, "mj_per_inference": 3.0, "rails_mw": {"gpu_board": 90_000.0}, "source": "nvml",
                  "samples": 20, "method": method, "idle_mw": 60_000.0, "dynamic_mj_per_inference": 1.0,
                  "sm_mhz": {"min": 1980, "max": 1980}}
    return r


def _run_trust(tmp_path, records):
    import json

    d = tmp_path / "res"
    d.mkdir()
    for i, r in enumerate(records):
        (d / f"r{i}.json").write_text(json.dumps(r))
    p = subprocess.run([sys.executable, str(TRUST), str(d)], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "PYTHONPATH": str(SCRIPT.parents[1])})
    return p.returncode, {ln.split(":")[0][6:]: ln.split(":", 1)[1].split()[0]
                          for ln in p.stdout.splitlines() if ln.startswith("CHECK ")}, p.stdout


@pytest.fixture
def base_record():
    sys.path.insert(0, str(SCRIPT.parents[1]))
    from tests.report.helpers import load_case

    return load_case("go")[0]


def test_trust_checks_pass_on_good_records(tmp_path, base_record):
    rc, status, out = _run_trust(tmp_path, [_trt_record(base_record), _trt_record(base_record, hit=True)])
    assert rc == 0, out
    assert status["cuda_graphs+trtexec"] == "PASS" and status["engine_precision"] == "PASS"
    assert status["memory_footprint"] == "PASS" and status["power+clocks"] == "PASS"
    assert status["engine_cache"] == "PASS" and status["ort_int8_placement"] == "SKIP"


def test_trust_checks_fail_where_the_numbers_cannot_be_trusted(tmp_path, base_record):
    bad = [_trt_record(base_record, graph=False, line="--useCudaGraph", method="power samples")]
    rc, status, out = _run_trust(tmp_path, bad)
    assert rc == 1, out
    assert status["cuda_graphs+trtexec"] == "FAIL"  # the line claims a graph that did not run
    assert status["power+clocks"] == "FAIL"  # the 1-second average, not the energy counter
    assert status["engine_cache"] == "FAIL"  # the second run was not served from the cache


def test_trust_checks_skip_without_records(tmp_path):
    rc, status, _ = _run_trust(tmp_path, [])
    assert rc == 0 and set(status.values()) == {"SKIP"}


def test_tensorrt_stage_fits_the_budget():
    text = SCRIPT.read_text()
    stage = text[text.index("stage tensorrt 150"):text.index("stage tensorrt_cache")]
    assert "--forms graph" in stage and "--batch 8" in stage and "relu,crelu-half@2" in stage  # 6 engines
    assert '"${POWER_ARGS[@]}"' in stage and "--duration 2" in text  # power cells long enough to sample
    assert "stage trust_checks" in text
