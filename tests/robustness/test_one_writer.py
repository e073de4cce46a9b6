"""One writer per output however its path is spelled, records of one bundle only, no worker that
can hang a run, and outputs that follow the umask (issue 28: cases 2, 5, 17, 14).

Real worker processes and signals on the tiny torch-free bundle; ``Session.open`` / ``run_trial``
are wrapped only to hold a run at a known point (a lock held, a bundle swapped between two cells)."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import sys
import threading
import time
from pathlib import Path

import pytest

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.profiling import launch, session
from edgecrelu.profiling.launch import CellFailed
from tests.fixtures.tiny_bundle import build_tiny_bundle, cached_tiny_bundle
from tests.profiling.profile_helpers import cfg

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="flock, /proc and signals")


def _bundle(tmp_path: Path, name: str = "b") -> Path:
    b = tmp_path / name
    shutil.copytree(cached_tiny_bundle(precisions=("fp32",)), b)
    return b


# -- case 2: the lock is the directory's, not the spelling's --------------------------------------

def test_one_profile_per_results_directory_however_spelled(tmp_path, monkeypatch):
    """`profile --out lk` holds lk; `cd lk && profile --out .` (or a symlink to lk) must not measure
    into it at the same time: A's records would be overwritten by B's."""
    bundle = _bundle(tmp_path)
    lk = tmp_path / "lk"
    lk.mkdir()
    (tmp_path / "link").symlink_to(lk)
    inside, release = threading.Event(), threading.Event()
    got_in = []

    def held_open(config):
        if config.out == str(lk):  # run A: holds the lock until released
            inside.set()
            release.wait(30)
            raise EdgeCReLUError("run A stops here")
        got_in.append(config.out)  # a second writer got past the lock
        raise EdgeCReLUError("a second writer got in")

    monkeypatch.setattr(session.Session, "open", staticmethod(held_open))
    errors = []
    a = threading.Thread(target=lambda: errors.append(_raises(lambda: session.run_profile(cfg(bundle, lk)))))
    a.start()
    try:
        assert inside.wait(30)
        monkeypatch.chdir(lk)
        for spelling in (".", "./", "../lk", str(tmp_path / "link"), str(tmp_path / "link") + "/."):
            with pytest.raises(EdgeCReLUError, match="in use by another edgecrelu process"):
                session.run_profile(cfg(bundle, spelling))
    finally:
        release.set()
        a.join(30)
    assert got_in == []
    assert errors == ["run A stops here"]


def _raises(fn) -> str | None:
    try:
        fn()
    except EdgeCReLUError as exc:
        return str(exc)
    return None


# -- case 5: a bundle replaced while profile runs ------------------------------------------------

def _swap_before(monkeypatch, tmp_path: Path, bundle: Path, nth: int) -> None:
    """Replace ``bundle`` by another model (rename aside, rename in: what `export --overwrite` does)
    just before the ``nth`` trial of the run."""
    other = build_tiny_bundle(tmp_path / "other", precisions=("fp32",), seed=1)
    real = session.Session.run_trial
    calls = []

    def run_trial(self, cell, k):
        calls.append(cell)
        if len(calls) == nth:
            os.rename(bundle, tmp_path / "b.aside")
            os.rename(other, bundle)
        return real(self, cell, k)

    monkeypatch.setattr(session.Session, "run_trial", run_trial)


@pytest.mark.parametrize("isolation", ["process", "none"])
def test_bundle_replaced_before_the_cells_fails_them(tmp_path, monkeypatch, isolation):
    bundle = _bundle(tmp_path)
    out = tmp_path / "res"
    _swap_before(monkeypatch, tmp_path, bundle, 1)
    run = session.run_profile(cfg(bundle, out, isolation=isolation))
    assert len(run.failures) == 3 and not run.measured, run.failures
    for why in run.failures.values():
        assert "bundle" in why and "changed since this run checked it" in why, why
        assert "\n" not in why
    assert not list(out.glob("*.json"))  # no record of the new model under the old one's hash


def test_bundle_replaced_between_cells_writes_no_mixed_records(tmp_path, monkeypatch):
    bundle = _bundle(tmp_path)
    out = tmp_path / "res"
    _swap_before(monkeypatch, tmp_path, bundle, 2)
    with pytest.raises(EdgeCReLUError) as exc:
        session.run_profile(cfg(bundle, out, isolation="process"))
    assert "changed since this run checked it" in str(exc.value) and "\n" not in str(exc.value)
    assert not list(out.glob("*.json"))


# -- case 17: a stopped worker -------------------------------------------------------------------

def _stopped_workers(tag: str) -> list[int]:
    found = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                args = (p / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if tag in args and "stopped_worker" in args:
                found.append(int(p.name))
    return found


def test_a_stopped_worker_times_out_in_one_line(tmp_path):
    task = {"out": str(tmp_path / "trial0.out"), "trial": 0, "timeout_s": 2.0}
    res = []

    def go():
        try:
            launch.run_worker(task, module="tests.robustness.stopped_worker")
        except CellFailed as exc:
            res.append(str(exc))

    t = threading.Thread(target=go, daemon=True)
    t0 = time.monotonic()
    t.start()
    t.join(30)
    if t.is_alive():  # the bug: unstick the test
        for pid in _stopped_workers(str(tmp_path)):
            os.kill(pid, signal.SIGKILL)
        t.join(10)
        pytest.fail("run_worker waited on a stopped worker with no end")
    assert time.monotonic() - t0 < 20
    [why] = res
    assert "no result within 2 s" in why and "stopping now" in why and "\n" not in why, why
    assert _stopped_workers(str(tmp_path)) == []  # killed, not left stopped


def test_the_timeout_grows_with_the_planned_work():
    short = launch.worker_timeout_s(1.0)
    assert launch.worker_timeout_s(100.0) > short >= launch.START_S


def test_a_stopped_cell_fails_and_the_run_goes_on(tmp_path, monkeypatch):
    bundle = _bundle(tmp_path)
    out = tmp_path / "res"
    monkeypatch.setattr(launch, "START_S", 6.0)
    stopped = []

    def stop_first_worker():
        end = time.time() + 60
        while time.time() < end and not stopped:
            for p in Path("/proc").iterdir():
                if not p.name.isdigit():
                    continue
                try:
                    args = (p / "cmdline").read_bytes().decode(errors="replace")
                except OSError:
                    continue
                if "edgecrelu.profiling.worker" in args and str(out) in args:
                    os.kill(int(p.name), signal.SIGSTOP)
                    stopped.append(int(p.name))
                    return
            time.sleep(0.02)

    t = threading.Thread(target=stop_first_worker, daemon=True)
    t.start()
    run = session.run_profile(cfg(bundle, out, isolation="process"))
    t.join(5)
    assert stopped
    assert len(run.failures) == 1, run.failures
    [why] = run.failures.values()
    assert "no result within" in why and "stopped or hung" in why, why
    assert len(run.measured) == 2 and len(list(out.glob("*.json"))) == 2


# -- case 14: modes follow the umask -------------------------------------------------------------

@pytest.mark.parametrize("umask, dmode, fmode", [(0o022, 0o755, 0o644), (0o027, 0o750, 0o640)])
def test_outputs_follow_the_umask(tmp_path, umask, dmode, fmode):
    from edgecrelu.fileio import atomic_write_json

    old = os.umask(umask)
    try:
        b = build_tiny_bundle(tmp_path / "b", precisions=("fp32",))
        rec = atomic_write_json(tmp_path / "r" / "x.json", {"a": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE(b.stat().st_mode) == dmode
    for p in [b, *b.rglob("*")]:
        assert stat.S_IMODE(p.stat().st_mode) == (dmode if p.is_dir() else fmode), p
    assert stat.S_IMODE(rec.stat().st_mode) == fmode
