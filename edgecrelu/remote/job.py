"""The profile run on the board, detached from the connection.

``<remote-dir>/runs/<run key>/`` holds ``results/`` (the run's ``--out``), ``profile.log`` (its
stderr: the progress lines), ``profile.out`` (its stdout), ``profile.pid`` and, once it ended,
``profile.exit`` (its exit status). The run key hashes the bundle's manifest, the profile's options
(not ``--resume`` nor ``--budget``, which continue a run) and the local ``--out``: the same command
finds the same run again, whatever happened to the connection in between.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shlex
import subprocess
from dataclasses import dataclass
from typing import Protocol

from edgecrelu.remote.board import Board
from edgecrelu.remote.ssh import SSH_FAILED, ConnectionLost, RemoteError, Ssh, q

logger = logging.getLogger(__name__)

RESULTS, LOG, OUT, PID, EXIT = "results", "profile.log", "profile.out", "profile.pid", "profile.exit"
# exit statuses of a run that was stopped rather than failed (Ctrl-C, SIGTERM, SIGKILL, SIGHUP): continued
INTERRUPTED = {129, 130, 137, 143}


class ProfileOptions(Protocol):
    """What a board run reads of a profile run's options: ``edgecrelu.profiling.plan.ProfileConfig``,
    which this package may not import (the profiling side is its sibling in the layers of
    docs/architecture.md)."""

    @property
    def bundle(self) -> str: ...
    @property
    def device(self) -> str: ...
    @property
    def out(self) -> str: ...
    @property
    def backends(self) -> tuple | None: ...
    @property
    def variants(self) -> tuple | None: ...
    @property
    def precisions(self) -> tuple | None: ...
    @property
    def forms(self) -> tuple | None: ...
    @property
    def batches(self) -> tuple | None: ...
    @property
    def threads(self) -> int | None: ...
    @property
    def warmup_s(self) -> float | None: ...
    @property
    def duration_s(self) -> float | None: ...
    @property
    def iterations(self) -> int | None: ...
    @property
    def trials(self) -> int | None: ...
    @property
    def resume(self) -> bool: ...
    @property
    def isolation(self) -> str: ...
    @property
    def power(self) -> str: ...
    @property
    def budget_s(self) -> float | None: ...
    @property
    def seed(self) -> int: ...


def _fmt(v) -> str:
    if isinstance(v, (tuple, list)):
        return ",".join(str(x) for x in v)
    return repr(v) if isinstance(v, float) else str(v)


def profile_argv(config: ProfileOptions, device: str) -> list[str]:
    """The options of ``config`` (a ``ProfileConfig``) for ``edgecrelu profile`` on the board, without
    the bundle, ``--out`` and ``--resume`` (the run decides those). ``device``: the name, or the path
    of the copied profile TOML on the board."""
    opts = [("--device", device), ("--backend", config.backends), ("--variants", config.variants),
            ("--precisions", config.precisions), ("--forms", config.forms), ("--batch", config.batches),
            ("--threads", config.threads), ("--budget", config.budget_s), ("--seed", config.seed),
            ("--warmup", config.warmup_s), ("--duration", config.duration_s),
            ("--iterations", config.iterations), ("--trials", config.trials),
            ("--isolation", config.isolation), ("--power", config.power)]
    argv = []
    for flag, value in opts:
        if value is not None and value != ():
            argv += [flag, _fmt(value)]
    return argv


def run_key(manifest_sha: str, argv: list[str], local_out: str) -> str:
    kept, skip = [], False
    for a in argv:  # --budget continues the same sequence: not part of the run's identity
        if skip:
            skip = False
            continue
        if a == "--budget":
            skip = True
            continue
        kept.append(a)
    text = json.dumps({"bundle": manifest_sha, "argv": kept, "out": local_out}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class State:
    kind: str  # none | running | exited | dead
    pid: int | None = None
    code: int | None = None


class Job:
    def __init__(self, ssh: Ssh, board: Board, run_dir: str):
        self.ssh, self.board, self.dir = ssh, board, run_dir

    def path(self, name: str) -> str:
        return f"{self.dir}/{name}"

    def state(self) -> State:
        d = q(self.dir)
        script = (f"cd {d} 2>/dev/null || {{ echo none; exit 0; }}; "
                  f"if [ -f {EXIT} ]; then echo exited $(cat {EXIT}); exit 0; fi; "
                  f"if [ -f {PID} ]; then pid=$(cat {PID}); "
                  # alive, and ours: its working directory is this run's (a pid reused after a reboot is not)
                  f"if kill -0 \"$pid\" 2>/dev/null && [ \"$(readlink /proc/$pid/cwd)\" = \"$(pwd -P)\" ]; "
                  f"then echo running $pid; else echo dead; fi; exit 0; fi; echo none")
        words = self.ssh.text("profile", script).split()
        if words[:1] == ["running"]:
            return State("running", pid=int(words[1]))
        if words[:1] == ["exited"]:
            return State("exited", code=int(words[1]) if len(words) > 1 and words[1].lstrip("-").isdigit() else -1)
        return State(words[0] if words and words[0] in ("dead", "none") else "none")

    def start(self, bundle_dir: str, argv: list[str], resume: bool) -> tuple[int, int]:
        """Start ``edgecrelu profile`` detached (its own session, immune to the connection's hangup);
        returns (pid, the log's line count before it started)."""
        cmd = " ".join(q(a) for a in [self.board.edgecrelu, "profile", bundle_dir, "--out", RESULTS, *argv,
                                      *(["--resume"] if resume else [])])
        inner = f"{cmd} > {OUT} 2>> {LOG}; echo $? > {EXIT}.tmp; mv {EXIT}.tmp {EXIT}"
        script = (f"mkdir -p {q(self.dir)} && cd {q(self.dir)} && rm -f {EXIT} && touch {LOG} && "
                  f"printf '%s\\n' {q(cmd)} >> command && lines=$(wc -l < {LOG}) && "
                  "if command -v setsid >/dev/null 2>&1; then s=setsid; else s=; fi; "
                  f"$s nohup sh -c {q(inner)} </dev/null >/dev/null 2>&1 & "
                  f"echo $! > {PID}; echo $! $lines")
        words = self.ssh.text("profile", script).split()
        return int(words[0]), int(words[1])

    def follow(self, pid: int, from_line: int | None, tail_lines: int = 5) -> None:
        """Stream the run's progress lines until it ends. ``from_line``: the log's line count when
        this run started (its lines only); None: reattaching, the last ``tail_lines`` first."""
        start = f"-n +{from_line + 1}" if from_line is not None else f"-n {tail_lines}"
        proc = self.ssh.popen(f"exec tail {start} -f --pid={int(pid)} {q(self.path(LOG))}",
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        label = self.ssh.target.label
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                line = raw.decode(errors="replace").rstrip("\n")
                if line.strip():
                    logger.info(f"[{label}] {line}")
            _, err = proc.communicate()
        except KeyboardInterrupt as exc:
            proc.kill()
            from edgecrelu import signals

            signals.explain(exc, f"the profile goes on on {label} (pid {pid}); the same command again reattaches "
                                 "to it and fetches its records")
            raise
        if proc.returncode == SSH_FAILED or proc.returncode < 0:
            text = err.decode(errors="replace") if err else ""
            why = self.ssh.fail("profile", text).why if text.strip() else "the ssh client ended"
            raise ConnectionLost(label, "profile", f"{why}; the profile goes on on the board (pid {pid}): "
                                 "the same command again reattaches to it and fetches its records")
        if proc.returncode != 0:
            raise RemoteError(label, "profile", f"cannot follow {self.path(LOG)}: "
                              f"{err.decode(errors='replace').strip() or proc.returncode}")

    def last_log_line(self) -> str:
        text = self.ssh.text("profile", f"tail -n 20 {q(self.path(LOG))} 2>/dev/null || true")
        lines = [ln for ln in text.splitlines() if ln.strip()]
        errors = [ln for ln in lines if ln.startswith(("Error:", "error:"))]
        return (errors or lines or ["(no log)"])[-1].strip()

    def remove(self, *dirs: str) -> None:
        self.ssh.run("clean", "rm -rf " + " ".join(q(d) for d in dirs))


def shell_line(argv: list[str]) -> str:
    return " ".join(shlex.quote(a) for a in argv)
