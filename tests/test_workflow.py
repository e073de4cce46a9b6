"""`edgecrelu run`: the four stages end to end on the embedded defaults (the --quick preset)."""

import json

import pytest
from cli_helpers import one_line_error
from click.testing import CliRunner

from edgecrelu.cli import cli
from edgecrelu.workflow import RunConfig, run_pipeline


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    pytest.importorskip("torch")
    out = tmp_path_factory.mktemp("run") / "out"
    result = run_pipeline(RunConfig(out=str(out), quick=True))
    return out, result


def test_quick_run_writes_every_stage_and_a_verdict(quick_run):
    out, result = quick_run
    assert (out / "run" / "run.json").is_file()
    assert (out / "bundle" / "manifest.json").is_file()
    records = sorted((out / "results").glob("*.json"))
    # relu (graph) + two CReLU variants x the quick preset's forms, at fp32 and int8, batch 1
    from edgecrelu.workflow import PRESETS

    forms = PRESETS["quick"].forms
    assert len(records) == 2 + 2 * len(forms) * 2
    assert {json.loads(p.read_text())["cell"]["form"] for p in records} == set(forms)
    assert "Recommended CReLU form" in (out / "report" / "report.md").read_text()
    report = json.loads((out / "report" / "report.json").read_text())
    assert result.verdict in ("GO", "NO-GO", "INCONCLUSIVE") and result.sentence.startswith(result.verdict)
    assert {p.name for p in (out / "report").iterdir()} >= {"report.md", "report.html", "results.csv", "report.json"}
    assert report["verdict"]["verdict"] == result.verdict
    rec = json.loads(records[0].read_text())
    assert rec["latency_ms"]["n"] > 0 and rec["accuracy"]["n"] > 0
    assert len(rec["bundle"]["train"]["test_acc"]) == 1  # the training seed carried into the record
    # every cell scored on every shifted eval set of the bundle, and the report's robustness section
    shifted = manifest_shifts = json.loads((out / "bundle" / "manifest.json").read_text())["dataset"]["shifts"]
    assert len(rec["shifts"]) == len(manifest_shifts) > 0 and shifted[0]["n"] == PRESETS["quick"].shift_images
    assert "Robustness under shifted conditions" in (out / "report" / "report.md").read_text()


def test_default_data_is_the_synthetic_inspection_set_and_records_say_so(quick_run):
    out, _ = quick_run
    manifest = json.loads((out / "bundle" / "manifest.json").read_text())
    assert manifest["dataset"]["name"] == "inspection" and manifest["dataset"]["synthetic"] is True
    assert manifest["model"]["class_names"] == ["good", "scratch", "spot", "crack", "stain"]
    run = json.loads((out / "run" / "run.json").read_text())
    assert run["data"]["name"] == "inspection" and run["data"]["synthetic"] is True
    for path in (out / "results").glob("*.json"):
        ds = json.loads(path.read_text())["bundle"]["dataset"]
        # the run renders its own eval images, sized to decide its accuracy budget (quick: 1000)
        assert {k: ds.get(k) for k in ("spec", "name", "synthetic", "eval_n")} == {
            "spec": "inspection:test=1000", "name": "inspection", "synthetic": True, "eval_n": 1000}


def test_second_run_resumes_without_retraining(quick_run):
    out, _ = quick_run
    before = {p: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}
    weights = sorted((out / "run").rglob("weights.pt"))
    mtimes = [w.stat().st_mtime_ns for w in weights]
    run_pipeline(RunConfig(out=str(out), quick=True))
    assert [w.stat().st_mtime_ns for w in weights] == mtimes
    assert {p: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")} == before


def test_bad_device_fails_before_any_work(tmp_path):
    r = CliRunner().invoke(cli, ["run", "--quick", "--out", str(tmp_path / "o"), "--device", "toaster"])
    one_line_error(r, "unknown device 'toaster'")
    assert not (tmp_path / "o").exists()


def test_missing_tensorrt_fails_before_training(tmp_path):
    pytest.importorskip("torch")
    try:
        import tensorrt  # noqa: F401
        pytest.skip("TensorRT is installed here")
    except ImportError:
        pass
    r = CliRunner().invoke(cli, ["run", "--quick", "--out", str(tmp_path / "o"), "--device", "jetson-orin-nano"])
    one_line_error(r, "pip install 'edgecrelu[trt]'")
    assert "--backend onnxruntime" in r.output  # the fallback the README gives
    assert not (tmp_path / "o").exists()


def test_resuming_with_other_settings_is_refused(quick_run):
    out, _ = quick_run
    r = CliRunner().invoke(cli, ["run", "--out", str(out)])  # default preset over a --quick directory
    one_line_error(r, "was made by `edgecrelu run` with other settings")


def test_foreign_directory_is_refused(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    r = CliRunner().invoke(cli, ["run", "--quick", "--out", str(tmp_path)])
    one_line_error(r, "is not an `edgecrelu run` directory")
    assert (tmp_path / "mine.txt").read_text() == "keep me"
