"""`edgecrelu report` through the CLI: files, verdict, tablefmt, and bad input as one line."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import one_line_error  # noqa: E402  (tests/cli_helpers.py)
from click.testing import CliRunner

from edgecrelu.cli import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records"


def invoke(*args):
    return CliRunner().invoke(cli, ["report", *map(str, args)])




def test_report_go(tmp_path):
    r = invoke(FIXTURES / "go", "--out", tmp_path / "rep")
    assert r.exit_code == 0, r.output
    assert "GO: best CReLU crelu-half@4 (folded, int8, onnxruntime) is 20.0 % faster at p99" in r.output
    assert "Best deployable configuration" in r.output
    for name in ("report.md", "report.html", "results.csv", "report.json"):
        assert (tmp_path / "rep" / name).is_file()
        assert f"wrote {tmp_path / 'rep' / name}" in r.output


def test_report_format_and_tablefmt(tmp_path):
    r = invoke(FIXTURES / "nogo_memory", "--out", tmp_path, "--format", "json,md", "--tablefmt", "github")
    assert r.exit_code == 0, r.output
    assert "| variant" in r.output and "!mem" in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "report.md"]
    d = json.loads((tmp_path / "report.json").read_text())
    assert d["verdict"]["verdict"] == "NO-GO" and d["sections"][0]["verdict"]["reason"] == "memory"


def test_policy_file_overrides_the_records(tmp_path):
    pol = tmp_path / "policy.toml"
    pol.write_text("[decision]\nmin_gain = 0.30\n")
    r = invoke(FIXTURES / "go", "--out", tmp_path / "rep", "--policy", pol, "--format", "json")
    assert r.exit_code == 0, r.output
    assert "NO-GO" in r.output and "short of the 30 % minimum gain" in r.output


def test_several_result_dirs_make_sections_and_a_warning(tmp_path):
    d = FIXTURES / "two_devices"
    r = invoke(d / "cpu", d / "jetson-orin-nano", "--out", tmp_path, "--format", "html")
    assert r.exit_code == 0, r.output
    assert "WARNING: results come from 2 machines" in r.output
    assert "== cpu on bench-01" in r.output and "== jetson-orin-nano on orin-07" in r.output
    assert "NO-GO overall" in r.output


def test_missing_results_dir(tmp_path):
    one_line_error(invoke(tmp_path / "nope", "--out", tmp_path / "rep"), "results not found")
    assert not (tmp_path / "rep").exists()


def test_corrupt_record_keeps_existing_report(tmp_path):
    res = tmp_path / "results"
    shutil.copytree(FIXTURES / "go", res)
    next(iter(sorted(res.glob("*.json")))).write_text('{"schema_version": 1, "kind": "edgecrelu-res')
    out = tmp_path / "rep"
    out.mkdir()
    (out / "report.md").write_text("previous report")
    (out / "notes.txt").write_text("mine")
    one_line_error(invoke(res, "--out", out), "cannot read result record")
    assert (out / "report.md").read_text() == "previous report"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "report.md"]


def test_not_a_record(tmp_path):
    res = tmp_path / "results"
    res.mkdir()
    (res / "x.json").write_text('{"hello": 1}')
    one_line_error(invoke(res, "--out", tmp_path / "rep"), "is not an edgecrelu result record")


def _set(rec, path, value):
    *parents, last = path.split(".")
    for k in parents:
        rec = rec[k]
    rec[last] = value


@pytest.mark.parametrize("path, value, words", [
    ("latency_ms.p50", "fast", "latency_ms.p50 must be a number or null, got 'fast'"),
    ("cell.batch", "x", "cell.batch must be a positive integer, got 'x'"),
    ("cell", [1], "cell must be an object, got [1]"),
    ("stages_ms", {"compute": "x"}, "stages_ms.compute must be an object or null"),
    ("trials", [{"p50": "1"}], "trials[0].p50 must be a number or null"),
    ("accuracy.top1", True, "accuracy.top1 must be a number or null, got True"),
    ("power", {"mean_mw": 5, "rails_mw": {"VDD_IN": "5W"}}, "power.rails_mw.VDD_IN must be a number"),
    ("bundle.train", {"test_acc": ["0.9", 0.8]}, "bundle.train.test_acc must be a list of numbers"),
    ("warnings", "none", "warnings must be a list of strings"),
])
def test_hand_edited_record_is_one_line(tmp_path, path, value, words):
    """Records are files users copy between machines and sometimes edit: a wrong type is named."""
    res = tmp_path / "results"
    shutil.copytree(FIXTURES / "go", res)
    victim = sorted(res.glob("*.json"))[0]
    rec = json.loads(victim.read_text())
    _set(rec, path, value)
    victim.write_text(json.dumps(rec))
    one_line_error(invoke(res, "--out", tmp_path / "rep"), f"{victim}: {words}")
    assert not (tmp_path / "rep").exists()


@pytest.mark.parametrize("text, words", [
    ("[decision]\nmax_acc_drop = 1\n", "unknown key 'decision.max_acc_drop'; valid keys: baseline_variant"),
    ('[decision]\nobjective = "vibes"\n', "decision.objective 'vibes'"),
    ('[decision]\nbaseline_precision = "fp16"\n', "baseline cell relu/graph/fp16/onnxruntime/b1 not found"),
])
def test_bad_policy(tmp_path, text, words):
    pol = tmp_path / "policy.toml"
    pol.write_text(text)
    one_line_error(invoke(FIXTURES / "go", "--out", tmp_path / "rep", "--policy", pol), words)
    assert not (tmp_path / "rep").exists()


def test_bad_format(tmp_path):
    one_line_error(invoke(FIXTURES / "go", "--out", tmp_path, "--format", "md,pdf"), "unknown report format 'pdf'")


def test_report_imports_nothing_heavy():
    code = ("import sys, edgecrelu.commands.report, edgecrelu.report.model, edgecrelu.report.render_html\n"
            "heavy = [m for m in ('torch', 'onnxruntime', 'onnx', 'tensorrt', 'pycuda', 'sklearn') if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr


def test_report_runs_without_torch(tmp_path, no_torch_cli):
    p = no_torch_cli(["report", FIXTURES / "go", "--out", tmp_path, "--format", "md"])
    assert p.returncode == 0, p.stderr
    assert "GO: best CReLU" in p.stdout and (tmp_path / "report.md").is_file()


FAST = ["--warmup", "0", "--duration", "0.02", "--iterations", "5", "--trials", "2", "--batch", "1", "--budget", "1",
        "--isolation", "none"]


def _profiled(tmp_path, with_counts: bool):
    """Profile a copy of the tiny bundle (whose manifest gains each artifact's own MACs and params,
    counted from its ONNX file, when ``with_counts``) and report it; (manifest, report.json, output)."""
    import numpy as np
    import onnx
    from fixtures.tiny_bundle import cached_tiny_bundle, copy_bundle

    from edgecrelu.export.macs import onnx_macs

    bundle = copy_bundle(cached_tiny_bundle(), tmp_path / "bundle")
    manifest = json.loads((bundle / "manifest.json").read_text())
    if with_counts:
        for a in manifest["artifacts"]:
            model = onnx.load(str(bundle / a["path"]))
            a["macs"] = onnx_macs(model)
            a["params"] = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
        (bundle / "manifest.json").write_text(json.dumps(manifest))
    res = CliRunner().invoke(cli, ["profile", str(bundle), "--device", "cpu", "--out", str(tmp_path / "R"),
                                   "--precisions", "fp32", *FAST])
    assert res.exit_code == 0, res.output
    r = invoke(tmp_path / "R", "--out", tmp_path / "rep")
    assert r.exit_code == 0, r.output
    return manifest, json.loads((tmp_path / "rep" / "report.json").read_text()), r.output


def test_every_row_shows_its_artifacts_macs(tmp_path):
    manifest, rep, _ = _profiled(tmp_path, with_counts=True)
    entry = {(a["variant"], a["form"], a["precision"]): a for a in manifest["artifacts"]}
    assert len(rep["rows"]) == 3  # relu graph, crelu-half@1 graph and folded, fp32
    for row in rep["rows"]:
        a = entry[(row["variant"], row["form"], row["precision"])]
        assert row["macs"] == a["macs"] and row["macs_source"] == "artifact", row
        assert row["params"] == a["params"] and row["params_source"] == "artifact", row
    by_form = {r["form"]: r for r in rep["rows"] if r["variant"] == "crelu-half@1"}
    variant = manifest["variants"]["crelu-half@1"]
    # folded runs [W; -W]: it executes ReLU's MACs, not the variant's saving, and the row says so
    assert by_form["graph"]["macs"] == variant["macs"] != by_form["folded"]["macs"]
    relu = next(r for r in rep["rows"] if r["variant"] == "relu")
    assert by_form["folded"]["macs"] == relu["macs"]


def test_without_manifest_counts_macs_fall_back_and_say_so(tmp_path):
    from fixtures.tiny_bundle import _params_macs

    manifest, rep, out = _profiled(tmp_path, with_counts=False)
    for row in rep["rows"]:
        assert row["macs"] == manifest["variants"][row["variant"]]["macs"] and row["macs_source"] == "variant"
        # params are counted in the ONNX file the cell ran: folded executes ReLU's parameters
        want = _params_macs("relu" if row["form"] == "folded" else row["variant"])[0]
        assert row["params"] == want and row["params_source"] == "artifact", row
    assert "*" in out and "the variant's count" in out


def test_header_names_the_data_and_the_noise(tmp_path):
    _, rep, out = _profiled(tmp_path, with_counts=False)
    assert rep["data"]["dataset"] == "synthetic" and rep["data"]["eval_images"] == "50"
    assert rep["data"]["model"] == "tiny-test-cnn" and rep["data"]["width"] == "8" and rep["data"]["input"] == "1×8×8"
    assert rep["data"]["epochs"] == "not recorded"  # the bundle does not carry the training recipe
    md = (tmp_path / "rep" / "report.md").read_text()
    html = (tmp_path / "rep" / "report.html").read_text()
    line = rep["header"]["data"]
    assert line.startswith("Data: data set synthetic, eval images 50; model tiny-test-cnn, width 8, input 1×8×8")
    assert line in md and "Data: data set synthetic" in html and line in out
    noise = rep["noise"]
    assert f"{noise['unstable']} of {noise['total']} cells" in out or "were steady" in out
    assert rep["header"]["noise"] in md
