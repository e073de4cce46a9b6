"""``edgecrelu profile --host`` against a real sshd on 127.0.0.1 (tests/remote/conftest.py): the board
is this machine, its edgecrelu this venv's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FAST, host_args

from edgecrelu.cli import cli
from edgecrelu.results import load_records

BUDGET = ["--budget", "2"]
SLOWER = ["--duration", "0.3"]  # each cell's own pass takes a while: time to break a connection in it


def _names(d):
    return sorted(p.name for p in d.glob("*.json") if not p.name.startswith("."))


def _profile(bundle, out, server, remote_dir, *extra):
    return CliRunner().invoke(cli, ["profile", str(bundle), "--out", str(out), *FAST, *BUDGET,
                                    *host_args(server, remote_dir), *extra])


def _accuracy(out):
    return {json.dumps(r["cell"], sort_keys=True): r["accuracy"] for r in load_records([out])}


@pytest.fixture(scope="module")
def unbroken(sshd, bundle, tmp_path_factory):
    """One run of the slower command from start to end, nothing broken."""
    root = tmp_path_factory.mktemp("unbroken")
    res = _profile(bundle, root / "R", sshd, root / "board", *SLOWER)
    assert res.exit_code == 0, res.output
    return root / "R"


def test_profile_on_host_fetches_checked_records_and_a_second_run_copies_nothing(sshd, bundle, tmp_path):
    remote = tmp_path / "board"
    out = tmp_path / "R"
    res = _profile(bundle, out, sshd, remote)
    assert res.exit_code == 0, res.output
    recs = load_records([out])
    assert {r["cell"]["variant"] for r in recs} == {"relu", "crelu-half@1"} and len(recs) == 3
    assert "copying 6 of 6 bundle file(s)" in res.stderr
    assert "[board] [cell 1/3]" in res.stderr  # the board's progress lines, streamed
    assert "p50 ms" in res.stdout  # the summary of the fetched records
    (board_bundle,) = (remote / "bundles").iterdir()
    assert board_bundle.name == recs[0]["bundle"]["manifest_sha256"]  # content-addressed
    # the board keeps its copy (no --clean)
    (run_dir,) = (remote / "runs").iterdir()
    assert _names(run_dir / "results") == _names(out)
    assert json.loads((out / ".remote.json").read_text())["host"] == "board"

    again = _profile(bundle, out, sshd, remote)
    assert again.exit_code == 0, again.output
    assert "copying nothing" in again.stderr and "copying 0" not in again.stderr
    assert "has finished" in again.stderr and "[cell" not in again.stderr  # fetched, not measured again
    assert load_records([out]) == recs

    clean = _profile(bundle, out, sshd, remote, "--clean")
    assert clean.exit_code == 0, clean.output
    assert not list((remote / "bundles").iterdir()) and not list((remote / "runs").iterdir())
    assert load_records([out]) == recs


def _cli_process(bundle, out, server, remote):
    cmd = [str(Path(sys.executable).parent / "edgecrelu"), "profile", str(bundle), "--out", str(out), *FAST,
           *BUDGET, *SLOWER, *host_args(server, remote)]
    return cmd, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _children(pid: int) -> list[tuple[int, str]]:
    out = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            stat = (p / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            cmdline = (p / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            out.append((int(p.name), cmdline))
    return out


def _wait_for(proc, text: str) -> list[str]:
    seen = []
    deadline = time.monotonic() + 60
    for line in proc.stderr:
        seen.append(line)
        if text in line or time.monotonic() > deadline:
            return seen
    return seen


@pytest.mark.slow  # two profile runs and a broken one: about 20 s each on the shared 2-core box
@pytest.mark.parametrize("break_what", ["connection", "board process"])
def test_a_broken_run_then_the_same_command_gives_the_unbroken_records(sshd, bundle, unbroken, tmp_path, break_what):
    """'connection': the ssh client that streams the progress is killed (the profile goes on, the same
    command reattaches or fetches); 'board process': the profile on the board is killed (the same
    command continues it with --resume). Either way: the unbroken run's cells, accuracy identical."""
    out, remote = tmp_path / "R", tmp_path / "board"
    cmd, proc = _cli_process(bundle, out, sshd, remote)
    seen = _wait_for(proc, "[board] [cell 1/3]")
    assert any("[cell 1/3]" in s for s in seen), "".join(seen)
    if break_what == "connection":
        tails = [pid for pid, c in _children(proc.pid) if c.startswith("ssh ") and "tail" in c]
        assert tails, _children(proc.pid)
        for pid in tails:
            os.kill(pid, signal.SIGKILL)
    else:
        (run_dir,) = (remote / "runs").iterdir()
        os.killpg(int((run_dir / "profile.pid").read_text()), signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("Error: host board, step profile: ") and "the same command again" in last, err
    assert "Traceback" not in err

    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    said = "reattaching" if break_what == "connection" else "continuing it with --resume"
    if break_what == "connection":
        assert "reattaching" in again.stderr or "has finished" in again.stderr, again.stderr
    else:
        assert said in again.stderr, again.stderr
    assert _names(out) == _names(unbroken)
    assert _accuracy(out) == _accuracy(unbroken)


def test_a_tampered_file_on_the_board_is_caught(sshd, bundle, tmp_path):
    out, remote = tmp_path / "R", tmp_path / "board"
    assert _profile(bundle, out, sshd, remote).exit_code == 0
    (board_bundle,) = (remote / "bundles").iterdir()
    with open(board_bundle / "data" / "eval.npz", "ab") as f:
        f.write(b"tampered")
    before = {p.name: p.read_bytes() for p in out.glob("*.json")}

    res = _profile(bundle, out, sshd, remote)
    assert res.exit_code == 0, res.output
    assert "data/eval.npz did not match its sha256" in res.stderr and "copying 1 of 6" in res.stderr
    assert (board_bundle / "data" / "eval.npz").read_bytes() == (bundle / "data" / "eval.npz").read_bytes()

    (run_dir,) = (remote / "runs").iterdir()
    rec = next((run_dir / "results").glob("relu*.json"))
    rec.write_text(rec.read_text().replace('"top1"', '"top1_"', 1)[:-40])  # truncated and edited
    res = _profile(bundle, out, sshd, remote)
    assert res.exit_code == 1
    assert res.output.strip().splitlines()[-1].startswith(f"Error: host board, step fetch: board:{rec}")
    assert {p.name: p.read_bytes() for p in out.glob("*.json")} == before  # nothing half fetched


def test_another_version_on_the_board_is_refused_with_the_install_line(sshd, bundle, tmp_path):
    # a test double for a board with another release: its `edgecrelu --version` says 9.9.9
    fake = tmp_path / "edgecrelu"
    fake.write_text("#!/bin/sh\necho 'edgecrelu, version 9.9.9'\n")
    fake.chmod(0o755)
    res = CliRunner().invoke(cli, ["profile", str(bundle), "--out", str(tmp_path / "R"), *FAST,
                                   *host_args(sshd, tmp_path / "board", edgecrelu=str(fake))])
    assert res.exit_code == 1
    from edgecrelu import __version__

    line = res.output.strip().splitlines()[-1]
    assert line.startswith("Error: host board, step check: the board runs edgecrelu 9.9.9")
    assert f"python3 -m pip install edgecrelu=={__version__}" in line and "--install" in line
    assert not (tmp_path / "board" / "bundles").exists()  # refused before anything travelled
    assert not (tmp_path / "R").exists()


@pytest.mark.parametrize("case, says", [
    ("closed port", "step connect: unreachable ("),
    ("refused key", "step connect: authentication refused ("),
    ("changed host key", "step connect: its host key changed"),
])
def test_connection_failures_are_one_line(sshd, bundle, tmp_path, case, says):
    from conftest import _free_port

    config, host = sshd.config, "board"
    if case == "closed port":
        host = f"board:{_free_port()}"
    elif case == "refused key":
        config = sshd.client_config("refused_config", "other_ed25519")
    else:
        other = (sshd.root / "other_ed25519.pub").read_text().split()
        (sshd.root / "changed_known_hosts").write_text(f"[127.0.0.1]:{sshd.port} {other[0]} {other[1]}\n")
        config = sshd.client_config("changed_config", "id_ed25519", known_hosts="changed_known_hosts")
    res = CliRunner().invoke(cli, ["profile", str(bundle), "--out", str(tmp_path / "R"), *FAST,
                                   "--host", host, "--ssh-config", config, "--remote-dir", str(tmp_path / "b")])
    assert res.exit_code == 1
    lines = [ln for ln in res.output.strip().splitlines() if ln.startswith("Error:")]
    assert len(lines) == 1 and says in lines[0], res.output
    assert lines[0].startswith(f"Error: host {host}, ")
    assert not (tmp_path / "R").exists()
