"""``edgecrelu profile`` through Click, and once in a fresh interpreter with torch blocked."""

import json

import pytest
from click.testing import CliRunner
from fixtures.tiny_bundle import cached_tiny_bundle

from edgecrelu.cli import cli
from edgecrelu.profiling import session
from edgecrelu.results import load_records

FAST = ["--warmup", "0", "--duration", "0.02", "--iterations", "5", "--trials", "2", "--batch", "1", "--budget", "1"]


@pytest.fixture(scope="module")
def bundle():
    return str(cached_tiny_bundle())


@pytest.fixture(scope="module")
def finished(bundle, tmp_path_factory):
    """A results dir holding one finished record, to check errors leave it untouched."""
    out = tmp_path_factory.mktemp("done") / "R"
    res = CliRunner().invoke(cli, ["profile", bundle, "--out", str(out), "--variants", "relu",
                                   "--precisions", "fp32", "--isolation", "none", *FAST])
    assert res.exit_code == 0, res.output
    return out


def test_profile_writes_records_and_prints_the_summary(bundle, tmp_path):
    out = tmp_path / "R"
    res = CliRunner().invoke(cli, ["profile", bundle, "--device", "cpu", "--out", str(out), "--forms", "graph",
                                   "--threads", "2", *FAST])
    assert res.exit_code == 0, res.output
    recs = load_records([out])
    assert len(recs) == 4  # relu + crelu-half graph, fp32 + int8
    assert all(r["settings"]["threads"] == 2 and r["settings"]["backend"]["allow_spinning"] == "0" for r in recs)
    for head in ("variant", "form", "precision", "backend", "batch", "p50 ms", "p99 ms", "CoV", "ips", "top1", "agree"):
        assert head in res.stdout
    assert "crelu-half@1" in res.stdout and "[cell 4/4]" in res.stderr and "onnxruntime.b1: worker 1" in res.stderr


def _snapshot(out):
    return {p.name: p.read_bytes() for p in out.glob("*.json")}


@pytest.mark.parametrize("args, match", [
    (["--device", "no-such-device"], "unknown device 'no-such-device'"),
    (["--backend", "nosuch"], "unknown backend 'nosuch'"),
    (["--device", "jetson-nano", "--backend", "onnxruntime", "--precisions", "int8"], "no INT8 support"),
    (["--batch", "one"], "bad batch size 'one'"),
    (["--variants", "relu", "--precisions", "fp32"], "already has records"),
])
def test_errors_are_one_line_and_keep_records(bundle, finished, args, match):
    before = _snapshot(finished)
    res = CliRunner().invoke(cli, ["profile", bundle, "--out", str(finished), *FAST, *args])
    assert res.exit_code == 1
    assert match in res.output and len(res.output.strip().splitlines()) == 1
    assert _snapshot(finished) == before


def test_missing_bundle(finished, tmp_path):
    before = _snapshot(finished)
    res = CliRunner().invoke(cli, ["profile", str(tmp_path / "nope"), "--out", str(finished), *FAST])
    assert res.exit_code == 1 and "bundle not found" in res.output
    assert _snapshot(finished) == before


def test_jetson_profile_without_tensorrt_names_the_install(bundle, tmp_path):
    pytest.importorskip("edgecrelu.backends.tensorrt")
    try:
        import tensorrt  # noqa: F401
        pytest.skip("tensorrt is installed here")
    except ImportError:
        pass
    res = CliRunner().invoke(cli, ["profile", bundle, "--device", "jetson-orin-nano", "--out", str(tmp_path / "R")])
    assert res.exit_code == 1 and "tensorrt" in res.output and "install" in res.output
    assert "--backend onnxruntime" in res.output and len(res.output.strip().splitlines()) == 1  # the fallback
    assert not (tmp_path / "R").exists()


@pytest.mark.parametrize("power, says", [("auto", "cannot run here"), ("none", "--power none")])
def test_jetson_profile_off_device_runs_to_the_end_without_power(bundle, tmp_path, monkeypatch, power, says):
    """The README's desktop flow: a Jetson profile on this CPU with --backend onnxruntime. tegrastats
    is a Jetson tool and cannot be here (PATH is emptied of it to be sure): power degrades to "none"
    and every record says why; the profile's CUDA / TensorRT providers fall back to CPU, flagged."""
    import os
    import shutil

    if shutil.which("tegrastats"):
        monkeypatch.setenv("PATH", os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                                                   if not (p and os.path.exists(os.path.join(p, "tegrastats")))))
    out = tmp_path / "R"
    res = CliRunner().invoke(cli, ["profile", bundle, "--device", "jetson-orin-nano", "--backend", "onnxruntime",
                                   "--out", str(out), "--variants", "relu", "--precisions", "fp32",
                                   "--isolation", "none", "--power", power, *FAST])
    assert res.exit_code == 0, res.output
    (rec,) = load_records([out])
    assert rec["settings"]["power_source"] == "none" and rec["power"] is None
    assert any("power not measured" in w and says in w for w in rec["warnings"]), rec["warnings"]
    assert any("--power none" in w for w in rec["warnings"])  # where power cannot run, the flag is the fix
    assert len([line for line in res.stderr.splitlines() if "power not measured" in line]) == 1  # said once
    backend = rec["settings"]["backend"]
    assert backend["providers"][0] == "CPUExecutionProvider"
    assert backend["provider_fallback"] == backend["providers_requested"][0] != "CPUExecutionProvider"
    if power == "none":  # the report's section says the numbers were measured off the board
        rep = CliRunner().invoke(cli, ["report", str(out), "--out", str(tmp_path / "rep"), "--format", "md"])
        assert rep.exit_code == 0, rep.output
        assert "## jetson-orin-nano on" in (md := (tmp_path / "rep" / "report.md").read_text())
        assert "measured off the device: no Jetson here" in md


def test_resume_flag(bundle, finished, tmp_path):
    import shutil

    out = tmp_path / "R"
    shutil.copytree(finished, out)
    before = _snapshot(out)
    res = CliRunner().invoke(cli, ["profile", bundle, "--out", str(out), "--variants", "relu", "--resume",
                                   "--isolation", "none", *FAST])
    assert res.exit_code == 0, res.output
    after = _snapshot(out)
    assert len(after) == 2 and all(after[k] == v for k, v in before.items())


def test_profile_runs_without_torch(bundle, tmp_path, no_torch_cli):
    out = tmp_path / "R"
    p = no_torch_cli(["profile", bundle, "--out", out, "--variants", "crelu-half@1", "--precisions", "fp32",
                      "--forms", "folded", *FAST])
    assert p.returncode == 0, p.stderr
    (rec,) = load_records([out])
    assert rec["memory"]["peak_rss_scope"].startswith("cell worker process")
    assert "crelu-half@1" in p.stdout
    assert json.loads((out / f"{rec['cell']['variant'].replace('@', '_')}.folded.fp32.onnxruntime.b1.json")
                      .read_text())["run_id"] == rec["run_id"]


def test_sigint_keeps_finished_records_and_resume_completes(bundle, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "R"
    args = ["profile", bundle, "--out", str(out), "--precisions", "fp32,int8", "--budget", "1", "--warmup", "0", "--duration", "0.05",
            "--iterations", "5", "--trials", "2", "--batch", "1,8"]  # 12 cells, each trial in a worker process
    p = subprocess.Popen([sys.executable, "-m", "edgecrelu", *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not list(out.glob("*.json")) and p.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    p.send_signal(signal.SIGINT)  # Ctrl-C once the first record is on disk
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    kept = _snapshot(out)
    assert 1 <= len(kept) < 12
    assert f"interrupted; {len(kept)} of 12 records are written in {out} and kept; `--resume` continues" in err
    assert len(load_records([out])) == len(kept)  # every file on disk is a whole record
    res = CliRunner().invoke(cli, [*args, "--resume"])
    assert res.exit_code == 0, res.output
    after = _snapshot(out)
    assert len(after) == 12 and all(after[k] == v for k, v in kept.items())


def _interrupt_on_call(monkeypatch, mod, attr: str, n: int):
    """Make ``mod.attr`` raise KeyboardInterrupt (Ctrl-C) on its ``n``-th call."""
    real, calls = getattr(mod, attr), []

    def wrapped(*a, **k):
        calls.append(1)
        if len(calls) == n:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(mod, attr, wrapped)


def test_ctrl_c_before_any_record_says_so_and_resume_takes_up_the_cells_measured(bundle, tmp_path, monkeypatch):
    out = tmp_path / "R"
    args = ["profile", bundle, "--out", str(out), "--precisions", "fp32", "--isolation", "none", *FAST]
    with monkeypatch.context() as m:
        _interrupt_on_call(m, session.Session, "run_trial", 2)  # in the second cell
        res = CliRunner().invoke(cli, args)
    assert res.exit_code == 130, res.output
    assert (f"interrupted; no record was written yet; `--resume` continues the cells and rounds already measured "
            f"(kept in {out / '.partial'})") in res.stderr
    assert "already written are kept" not in res.stderr and not _snapshot(out)
    res = CliRunner().invoke(cli, [*args, "--resume"])  # what the line promised
    assert res.exit_code == 0, res.output
    assert "[cell 1/3] crelu-half_1.folded.fp32.onnxruntime.b1: resumed: top-1" in res.stderr
    assert "[cell 2/3] crelu-half_1.graph.fp32.onnxruntime.b1: top-1" in res.stderr and len(_snapshot(out)) == 3


def test_ctrl_c_while_records_are_written_counts_them(bundle, tmp_path, monkeypatch):
    out = tmp_path / "R"
    _interrupt_on_call(monkeypatch, session, "write_record", 3)
    res = CliRunner().invoke(cli, ["profile", bundle, "--out", str(out), "--precisions", "fp32",
                                   "--isolation", "none", *FAST])
    assert res.exit_code == 130, res.output
    assert len(_snapshot(out)) == 2
    assert f"interrupted; 2 of 3 records are written in {out} and kept; `--resume` continues" in res.stderr
