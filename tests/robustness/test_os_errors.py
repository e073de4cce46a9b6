"""An OSError while writing an output (read-only file system, no permission, disk full) is one
``Error:`` line naming the output and the file that failed, exit 1, no traceback, and what was
written before is intact (``train``, ``export``, ``profile``, ``report``).

Honest about the doubles: the CI runs as root, which file modes do not stop, and has no small file
system to fill. So most cases here patch the OS call at the boundary (``os.replace``, ``os.mkdir``,
``os.rename``, ``os.fsync``, ``os.scandir``) to raise what the kernel raises (EACCES, EROFS, ENOSPC),
only for paths of the output under test, and invoke the CLI in this process. Two conditions are
real: an output under ``/proc`` (refused even to root; rows of ``test_bad_inputs.py``) and a file
size limit (``RLIMIT_FSIZE``), under which the kernel fails a write part-way (EFBIG) as a full disk
does (ENOSPC); Python ignores the SIGXFSZ that would otherwise end the process.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from edgecrelu.cli import cli
from tests.fixtures.tiny_bundle import cached_tiny_bundle

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _under(path, root: Path) -> bool:
    p = Path(os.fsdecode(path)).absolute()
    return p == root or root in p.parents


def _fail(monkeypatch, name: str, err: int, root: Path, nth: int = 1) -> None:
    """``os.<name>`` raises ``OSError(err)`` for its ``nth`` call (and later ones) on a path under
    ``root`` (``os.fsync``: a descriptor of a file there, found through /proc/self/fd)."""
    real = getattr(os, name)
    seen = [0]

    def fake(*args, **kw):
        target = args[0]
        if name == "fsync":
            target = os.readlink(f"/proc/self/fd/{target}")
        if _under(target, root):
            seen[0] += 1
            if seen[0] >= nth:
                if name == "fsync":  # a write or fsync on a full disk names no file
                    raise OSError(err, os.strerror(err))
                if name in ("replace", "rename"):  # (errno, strerror, filename, winerror, filename2)
                    raise OSError(err, os.strerror(err), os.fsdecode(args[0]), None, os.fsdecode(args[1]))
                raise OSError(err, os.strerror(err), os.fsdecode(target))
        return real(*args, **kw)

    monkeypatch.setattr(os, name, fake)


def _hashes(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _one_error(r, *words: str) -> str:
    assert r.exit_code == 1, r.output
    assert isinstance(r.exception, SystemExit), f"uncaught {r.exception!r}\n{r.output}"
    assert "Traceback" not in r.output, r.output
    errors = [ln for ln in r.output.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1, r.output
    for w in words:
        assert w in errors[0], errors[0]
    return errors[0]


linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")


# -- report -------------------------------------------------------------------------------------

@pytest.fixture
def report(tmp_path):
    """Good records and the report already written from them."""
    res = shutil.copytree(FIXTURES / "records" / "go", tmp_path / "results")
    rep = tmp_path / "report"
    r = CliRunner().invoke(cli, ["report", str(res), "--out", str(rep), "--format", "md,json"])
    assert r.exit_code == 0, r.output
    return res, rep


@linux_only
def test_report_disk_full_on_a_later_file_replaces_none(monkeypatch, report):
    """The disk fills while the second file is written: every file is staged before any is renamed
    into place, so the report directory holds the old report whole, not a mix of old and new."""
    _, rep = report
    other = FIXTURES / "records" / "nogo_latency"  # other records: every new file differs from the old
    before = _hashes(rep)
    _fail(monkeypatch, "fsync", errno.ENOSPC, rep, nth=2)
    r = CliRunner().invoke(cli, ["report", str(other), "--out", str(rep), "--format", "md,json"])
    _one_error(r, f"cannot write the report {rep}: No space left on device")
    monkeypatch.undo()
    assert _hashes(rep) == before
    ok = CliRunner().invoke(cli, ["report", str(other), "--out", str(rep), "--format", "md,json"])
    assert ok.exit_code == 0 and set(_hashes(rep)) == set(before) and _hashes(rep) != before


@linux_only
@pytest.mark.parametrize("call, err, words", [
    ("replace", errno.EACCES, "Permission denied (/"),
    ("replace", errno.EROFS, "Read-only file system (/"),
    ("fsync", errno.ENOSPC, "No space left on device"),
], ids=["no-permission", "read-only", "disk-full"])
def test_report_write_fails(monkeypatch, report, call, err, words):
    res, rep = report
    before = _hashes(rep)
    _fail(monkeypatch, call, err, rep)
    r = CliRunner().invoke(cli, ["report", str(res), "--out", str(rep), "--format", "md,json"])
    _one_error(r, f"cannot write the report {rep}: {words}")
    monkeypatch.undo()
    assert _hashes(rep) == before  # no file replaced, no temporary file left


def test_unreadable_results_directory_is_not_empty(monkeypatch, report):
    """``rglob`` skipped a directory it could not list, so the report said "no result records"."""
    res, rep = report
    _fail(monkeypatch, "scandir", errno.EACCES, res)
    r = CliRunner().invoke(cli, ["report", str(res), "--out", str(rep.parent / "new")])
    line = _one_error(r, f"cannot read the results directory {res}: Permission denied")
    assert "no result records" not in line


# -- profile ------------------------------------------------------------------------------------

PROFILE = ["--device", "cpu", "--variants", "relu", "--precisions", "fp32", "--batch", "1", "--budget", "1", "--duration", "0.1",
           "--warmup", "0", "--iterations", "3", "--trials", "1"]


def test_profile_cannot_create_its_results_directory(monkeypatch, tmp_path):
    out = tmp_path / "res"
    _fail(monkeypatch, "mkdir", errno.EROFS, out)
    r = CliRunner().invoke(cli, ["profile", str(cached_tiny_bundle(precisions=("fp32",))), "--out", str(out), *PROFILE])
    _one_error(r, f"cannot write results {out}: Read-only file system")
    assert not out.exists()


@linux_only
def test_profile_disk_full_keeps_finished_records(monkeypatch, tmp_path):
    """One cell measured and recorded; a second run with --resume, for more cells, finds the disk full."""
    bundle = str(cached_tiny_bundle(precisions=("fp32",)))
    out = tmp_path / "res"
    r = CliRunner().invoke(cli, ["profile", bundle, "--out", str(out), *PROFILE])
    assert r.exit_code == 0, r.output
    before = _hashes(out)
    assert len([p for p in before if p.endswith(".json")]) == 1
    _fail(monkeypatch, "fsync", errno.ENOSPC, out)
    r = CliRunner().invoke(cli, ["profile", bundle, "--out", str(out), *PROFILE[:2], "--variants", "relu,crelu-half@1",
                                 *PROFILE[4:], "--resume"])
    _one_error(r, f"cannot write results {out}: No space left on device")
    monkeypatch.undo()
    after = _hashes(out)
    assert {k: v for k, v in after.items() if k in before} == before  # the finished record is untouched
    assert [p for p in after if p.endswith(".json")] == [p for p in before if p.endswith(".json")]


# -- export -------------------------------------------------------------------------------------

@pytest.fixture
def old_bundle(tmp_path):
    b = shutil.copytree(cached_tiny_bundle(precisions=("fp32",)), tmp_path / "bundle")
    return b, _hashes(b)


def test_export_cannot_make_its_temporary_bundle(monkeypatch, tmp_path, old_bundle):
    """Refused before any work: the temporary bundle beside --out is made first."""
    pytest.importorskip("torch")
    b, before = old_bundle
    _fail(monkeypatch, "mkdir", errno.EACCES, tmp_path)
    r = CliRunner().invoke(cli, ["export", str(tmp_path / "no-run-needed"), "--out", str(b), "--overwrite"])
    _one_error(r, f"cannot write the bundle {b}: Permission denied")
    monkeypatch.undo()
    assert _hashes(b) == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".bundle.")]


def test_export_read_only_at_the_commit_keeps_the_old_bundle(monkeypatch, tmp_path, old_bundle):
    pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    from tests.export.helpers import make_run

    run = make_run(tmp_path / "run", variants=("relu",))
    b, before = old_bundle
    _fail(monkeypatch, "rename", errno.EROFS, b)  # the first step of the commit sets the old bundle aside
    r = CliRunner().invoke(cli, ["export", str(run), "--out", str(b), "--overwrite", "--precisions", "fp32"])
    _one_error(r, f"cannot write the bundle {b}: Read-only file system")
    monkeypatch.undo()
    assert _hashes(b) == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".bundle.")]


# -- train --------------------------------------------------------------------------------------

def _tiny_data(tmp_path) -> str:
    p = tmp_path / "tiny.npz"
    np.savez(p, x=np.random.default_rng(0).random((60, 8, 8)).astype(np.float32), y=np.arange(60) % 3)
    return f"npz:{p}"


TRAIN = ["--input-size", "8", "--width", "0.25", "--variants", "relu", "--epochs", "1", "--threads", "1"]


def test_train_without_permission_for_its_run_directory(monkeypatch, tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "run"
    _fail(monkeypatch, "replace", errno.EACCES, out)
    r = CliRunner().invoke(cli, ["train", "--data", _tiny_data(tmp_path), "--out", str(out), *TRAIN])
    # the data check is the run's first file (run.json follows it)
    _one_error(r, f"cannot write the train run {out}: Permission denied", f"{out}/data-check.json")
    monkeypatch.undo()
    assert not list(out.rglob("*.json"))


def test_train_write_fails_part_way_keeps_finished_checkpoints(tmp_path):
    """Real: a file size limit makes the kernel fail the write of the second seed's weights.pt part-way
    (torch.save reports that as a RuntimeError, "unexpected pos"); the first seed stays intact."""
    pytest.importorskip("torch")
    resource = pytest.importorskip("resource")
    out, data = tmp_path / "run", _tiny_data(tmp_path)
    r = CliRunner().invoke(cli, ["train", "--data", data, "--out", str(out), *TRAIN])
    assert r.exit_code == 0, r.output
    before = _hashes(out / "relu" / "seed0")
    assert (out / "relu" / "seed0" / "weights.pt").stat().st_size > 1 << 17
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 17, hard))  # 128 KiB: run.json fits, weights.pt does not
    try:
        r = CliRunner().invoke(cli, ["train", "--data", data, "--out", str(out), *TRAIN, "--seeds", "0,1", "--resume"])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    _one_error(r, f"cannot write the train run {out}: File too large ({out}/relu/seed1/weights.pt)")
    assert _hashes(out / "relu" / "seed0") == before
    run = json.loads((out / "run.json").read_text())
    assert [c["seed"] for c in run["checkpoints"]] == [0] and run["complete"] is False
    assert not list((out / "relu").glob("seed1/*.pt")) and not list((out / "relu").glob("seed1/.*"))
