"""SIGINT and SIGTERM in ``profile`` (and SIGKILL of its parent): the run stops with the shell's
exit code (130 / 143) and one message, no worker outlives it, no half record is left, and
``--resume`` finishes the job. ``train`` likewise: finished checkpoints are kept, an interrupted one
does not count, ``--resume`` completes the run. ``export`` interrupted: the bundle already there is
intact and no ``.partial`` directory is left. Real processes and signals; the tiny torch-free bundle."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tests.fixtures.tiny_bundle import cached_tiny_bundle

ROOT = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))


def _cli(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "edgecrelu", *map(str, args)], env=ENV, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _workers(out: Path) -> list[str]:
    """Command lines of live worker processes of the run writing into ``out``."""
    found = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                args = (p / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if "edgecrelu.profiling.worker" in args and str(out) in args:
                found.append(args)
    return found


def _wait_gone(out: Path, seconds: float = 10.0) -> list[str]:
    end = time.time() + seconds
    while time.time() < end:
        left = _workers(out)
        if not left:
            return []
        time.sleep(0.1)
    return _workers(out)


def _profile(bundle, out, *extra):
    return _cli("profile", bundle, "--out", out, "--device", "cpu", "--precisions", "fp32", "--batch", "1",
                "--duration", "0.3", "--warmup", "0", "--iterations", "5", "--trials", "2", "--budget", "2", *extra)


def _until_a_worker_runs(proc, out: Path, seconds: float = 60.0) -> None:
    end = time.time() + seconds
    while time.time() < end and proc.poll() is None:
        if _workers(out):
            return
        time.sleep(0.05)
    raise AssertionError(f"no worker started; stderr: {proc.stderr.read() if proc.poll() is not None else ''}")


def _records_all_load(out: Path) -> int:
    from edgecrelu.results import load_record

    recs = sorted(p for p in out.glob("*.json"))
    for p in recs:
        load_record(p)  # a half record would raise
    return len(recs)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig, code, word", [(signal.SIGINT, 130, "interrupted"),
                                             (signal.SIGTERM, 143, "terminated")], ids=["INT", "TERM"])
def test_profile_interrupted_then_resumed(tmp_path, sig, code, word):
    bundle = cached_tiny_bundle(precisions=("fp32",))
    out = tmp_path / "res"
    proc = _profile(bundle, out)
    _until_a_worker_runs(proc, out)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert word in err and "Traceback" not in err, err
    # records are written after the rounds: the line says none is there yet, and what --resume takes up
    assert f"{word}; no record was written yet; `--resume` continues the cells and rounds already measured" in err
    assert _wait_gone(out) == []  # no orphan keeps measuring
    _records_all_load(out)
    proc = _profile(bundle, out, "--resume")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert _records_all_load(out) == 3  # relu/graph, crelu-half@1/graph, crelu-half@1/folded at b1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG and /proc")
def test_profile_worker_dies_with_its_parent(tmp_path):
    out = tmp_path / "res"
    proc = _profile(cached_tiny_bundle(precisions=("fp32",)), out, "--duration", "30")
    _until_a_worker_runs(proc, out)
    proc.kill()  # SIGKILL: no handler runs in the parent
    proc.communicate(timeout=30)
    assert _wait_gone(out) == []
    _records_all_load(out)


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["INT", "TERM"])
def test_export_overwrite_interrupted_keeps_the_old_bundle(tmp_path, sig, code):
    pytest.importorskip("torch")
    from edgecrelu.bundle import Bundle
    from tests.export.helpers import make_run

    run = make_run(tmp_path / "run", variants=("relu",))
    old = tmp_path / "bundle"
    shutil.copytree(cached_tiny_bundle(precisions=("fp32",)), old)
    before = json.loads((old / "manifest.json").read_text())
    proc = _cli("export", run, "--out", old, "--overwrite", "--precisions", "fp32")
    end = time.time() + 60  # interrupt while it builds (its temporary bundle exists)
    while time.time() < end and proc.poll() is None and not list(tmp_path.glob(".bundle.partial-*")):
        time.sleep(0.02)
    if proc.poll() is not None:
        pytest.skip("export finished before it could be interrupted")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "Traceback" not in err, err
    b = Bundle.open(old)  # complete: every file matches its sha256
    assert b.manifest == before  # the old bundle, untouched
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".bundle.")]


class _Stderr:
    """The lines a process writes to stderr, read by a thread (a blocking readline cannot time out)."""

    def __init__(self, proc):
        self.proc, self.lines, self._q = proc, [], queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stderr:
            self._q.put(line)
        self._q.put(None)

    def wait_for(self, text: str, seconds: float = 180.0) -> None:
        end = time.time() + seconds
        while time.time() < end:
            try:
                line = self._q.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                break
            self.lines.append(line)
            if text in line:
                return
        raise AssertionError(f"never printed {text!r}:\n{''.join(self.lines)}")

    def rest(self, seconds: float = 60.0) -> str:
        self.proc.wait(timeout=seconds)
        while (line := self._q.get(timeout=seconds)) is not None:
            self.lines.append(line)
        return "".join(self.lines)


def _train(data, out, *extra):
    return _cli("train", "--data", f"npz:{data}", "--model", "convpool-c", "--width", "0.25", "--input-size", "8",
                "--variants", "relu", "--seeds", "0,1", "--epochs", "20", "--threads", "1", "--out", out, *extra)


def test_train_interrupted_then_resumed(tmp_path):
    """SIGINT once seed 0 is finished (seed 1 under way), SIGTERM in the resumed run, then a second
    resume completes the run; seed 0 is trained once and kept byte for byte. The data are 300 small
    images: an epoch takes ~0.1 s, so each checkpoint's 20 epochs leave a wide window for the signal
    while the test stays short (digits at 16 px took ~30 s for the same three runs)."""
    pytest.importorskip("torch")
    from edgecrelu.train.rundir import load_record

    data = tmp_path / "d.npz"
    np.savez(data, x=np.random.default_rng(0).random((300, 8, 8)).astype(np.float32), y=np.arange(300) % 3)
    out = tmp_path / "run"
    proc = _train(data, out)
    err = _Stderr(proc)
    err.wait_for("relu seed 0: val")  # seed 0's checkpoint is written, seed 1 starts
    proc.send_signal(signal.SIGINT)
    text = err.rest()
    assert proc.returncode == 130, text
    assert "interrupted; results already written are kept" in text and "Traceback" not in text, text
    assert load_record(out, "relu", 0) is not None and load_record(out, "relu", 1) is None
    weights0 = (out / "relu/seed0/weights.pt").read_bytes()
    assert json.loads((out / "run.json").read_text())["complete"] is False

    proc = _train(data, out, "--resume")
    err = _Stderr(proc)
    err.wait_for("resume: 1 checkpoint(s) already finished")
    proc.send_signal(signal.SIGTERM)
    text = err.rest()
    assert proc.returncode == 143, text
    assert "terminated; results already written are kept" in text and "Traceback" not in text, text
    assert load_record(out, "relu", 1) is None

    proc = _train(data, out, "--resume")
    text = _Stderr(proc).rest(seconds=300)
    assert proc.returncode == 0, text
    run = json.loads((out / "run.json").read_text())
    assert run["complete"] is True and [c["seed"] for c in run["checkpoints"]] == [0, 1]
    assert (out / "relu/seed0/weights.pt").read_bytes() == weights0  # not trained again
    assert not list(tmp_path.glob(".run.lock"))  # the lock went with the process


def test_a_late_second_signal_does_not_turn_the_interrupted_exit_into_a_kill(tmp_path):
    # A command is interrupted, prints its line and exits 130; a second SIGINT then arrives while the
    # interpreter shuts down (a repeated Ctrl-C, a supervisor's follow-up). Simulated in a child
    # process: the command raises KeyboardInterrupt and an atexit hook sends the second signal.
    script = tmp_path / "late.py"
    script.write_text(
        "import atexit, os, signal\n"
        "import edgecrelu.commands.models as m\n"
        "def boom(*a, **k):\n"
        "    atexit.register(lambda: os.kill(os.getpid(), signal.SIGINT))\n"
        "    raise KeyboardInterrupt\n"
        "m.command.callback = boom\n"
        "from edgecrelu.cli import main\n"
        "main(['models'])\n")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 130, (proc.returncode, proc.stderr)
    assert "interrupted; results already written are kept" in proc.stderr and "Traceback" not in proc.stderr
