"""A trial in its own worker process: the record's peak RSS is the cell's own."""

import pytest
from fixtures.tiny_bundle import LABEL_TOP1
from profile_helpers import cfg

from edgecrelu.profiling.session import run_profile


def test_process_isolation_reports_the_cells_own_peak(bundle, tmp_path):
    run = run_profile(cfg(bundle, tmp_path / "R", variants=("relu",), precisions=("fp32",), trials=1,
                          isolation="process"))
    (r,) = run.records
    mem = r["memory"]
    assert mem["peak_rss_scope"].startswith("cell worker process")
    assert mem["peak_rss_bytes"] >= mem["rss_before_session_bytes"] > 0
    assert r["accuracy"]["top1"] == pytest.approx(LABEL_TOP1)


def test_a_worker_killed_by_a_signal_fails_with_its_last_log_line(tmp_path, monkeypatch):
    import os

    from edgecrelu.profiling.launch import CellFailed, run_worker

    # A stand-in worker: prints a line (no flush, as a library's print would), waits until the parent
    # has copied it into the log, then dies by SIGKILL (the out-of-memory killer's signal) with no clean-up.
    (tmp_path / "dying_worker.py").write_text(
        "import os, signal, sys, time\n"
        "log = os.path.join(os.path.dirname(sys.argv[1]), 'trial0.log')\n"
        "print('building the engine for relu.graph.fp32')\n"
        "end = time.time() + 10\n"
        "while time.time() < end and 'building' not in open(log).read():\n"
        "    time.sleep(0.01)\n"
        "print('the log had the line while the worker ran' if 'building' in open(log).read() else 'not in the log')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    task = {"out": str(tmp_path / "cell" / "trial0.out"), "trial": 0}
    with pytest.raises(CellFailed) as err:
        run_worker(task, module="dying_worker")
    msg = str(err.value)
    assert msg.startswith("worker killed by signal 9 (SIGKILL")
    assert "its last log line: the log had the line while the worker ran" in msg, msg
    assert str(tmp_path / "cell" / "trial0.log") in msg and "\n" not in msg
    assert "building the engine" in (tmp_path / "cell" / "trial0.log").read_text()
