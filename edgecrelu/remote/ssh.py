"""The OpenSSH client as a subprocess: one control connection, commands run through ``sh -c``, and
ssh's own failures (exit status 255) turned into one line naming the host and the step."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgecrelu.errors import EdgeCReLUError

SSH_CONFIG_ENV = "EDGECRELU_SSH_CONFIG"  # an ssh_config file passed as ``ssh -F`` (tests use their own)
SSH_FAILED = 255  # ssh's exit status for its own errors (a remote command's status is passed through)


class RemoteError(EdgeCReLUError):
    """A step on the board failed: ``host X, step S: why``."""

    def __init__(self, host: str, step: str, why: str):
        self.host, self.step, self.why = host, step, why
        super().__init__(f"host {host}, step {step}: {why}")


class ConnectionLost(RemoteError):
    """ssh itself failed after the connection had been made (a dropped link, a killed client)."""


@dataclass(frozen=True)
class Target:
    """``[user@]host[:port]`` as given on the command line (the host may be an alias of ~/.ssh/config)."""

    host: str
    user: str | None = None
    port: int | None = None

    @classmethod
    def parse(cls, text: str) -> Target:
        t = text.strip()
        user = None
        if "@" in t:
            user, _, t = t.rpartition("@")
            if not user:
                raise EdgeCReLUError(f"--host {text!r}: empty user before '@'")
        port_text = None
        if t.startswith("["):  # [ipv6]:port
            host, _, rest = t[1:].partition("]")
            if rest.startswith(":"):
                port_text = rest[1:]
        elif t.count(":") == 1:
            host, _, port_text = t.partition(":")
        else:
            host = t
        if not host or any(c.isspace() for c in host) or host.startswith("-"):
            raise EdgeCReLUError(f"--host {text!r}: expected [user@]host[:port]")
        if port_text is not None and (not port_text.isdigit() or not 0 < int(port_text) < 65536):
            raise EdgeCReLUError(f"--host {text!r}: port must be a number 1-65535")
        return cls(host, user, int(port_text) if port_text is not None else None)

    @property
    def label(self) -> str:
        """How messages name the board."""
        name = f"{self.user}@{self.host}" if self.user else self.host
        return f"{name}:{self.port}" if self.port else name


def classify(stderr: str) -> tuple[str, str]:
    """ssh's stderr after exit 255 -> (kind, one line). Kinds: unreachable, auth, hostkey-changed,
    hostkey-unknown, lost, other."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    text = "\n".join(lines)
    low = text.lower()
    last = next((ln for ln in reversed(lines) if not ln.startswith(("@", "Warning: Permanently"))), "")
    if "remote host identification has changed" in low or "host key for" in low and "has changed" in low:
        return "hostkey-changed", "its host key changed since it was last seen (a reinstalled board, or someone " \
            "in between): if the board was reinstalled, remove the old key with `ssh-keygen -R HOST` and connect " \
            "once with ssh to check the new one"
    if "host key verification failed" in low or "no matching host key" in low:
        return "hostkey-unknown", "its host key is not known here and BatchMode cannot ask: connect once with " \
            "`ssh HOST` to check and accept it"
    if "permission denied" in low or "too many authentication failures" in low:
        return "auth", f"authentication refused ({last}): load the key into the agent (ssh-add) or name it " \
            "with IdentityFile in ~/.ssh/config; no password is asked for"
    for marker in ("connection refused", "no route to host", "could not resolve hostname", "connection timed out",
                   "network is unreachable", "operation timed out", "name or service not known"):
        if marker in low:
            return "unreachable", f"unreachable ({last})"
    for marker in ("connection closed", "closed by remote host", "connection reset", "broken pipe", "timeout, server", "not responding",
                   "mux_client", "control socket"):
        if marker in low:
            return "lost", f"the connection was lost ({last})"
    return "other", last or "ssh failed without a message"


class Ssh:
    """Commands on one board over one multiplexed connection; use as a context manager (the
    control connection is closed on exit)."""

    def __init__(self, target: Target, config_file: str | None = None, connect_timeout: int = 10):
        self.target = target
        self.config_file = config_file if config_file is not None else os.environ.get(SSH_CONFIG_ENV) or None
        if self.config_file is not None and not Path(self.config_file).is_file():
            raise EdgeCReLUError(f"ssh config file not found: {self.config_file}")
        if shutil.which("ssh") is None:
            raise EdgeCReLUError("--host needs the OpenSSH client (ssh) on this machine: install openssh-client")
        self.connect_timeout = connect_timeout
        # a short path: a control socket's path must fit in sun_path (about 100 bytes)
        self._control_dir = tempfile.mkdtemp(prefix="ecr-ssh-", dir="/tmp" if os.path.isdir("/tmp") else None)
        self.connected = False

    # -- argv -------------------------------------------------------------------------------
    def base_argv(self) -> list[str]:
        argv = ["ssh"]
        if self.config_file:
            argv += ["-F", self.config_file]
        argv += ["-o", "BatchMode=yes", "-o", f"ConnectTimeout={self.connect_timeout}",
                 "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3",
                 "-o", "ControlMaster=auto", "-o", f"ControlPath={self._control_dir}/%C",
                 "-o", "ControlPersist=60"]
        if self.target.port:
            argv += ["-p", str(self.target.port)]
        if self.target.user:
            argv += ["-l", self.target.user]
        return argv

    def argv(self, script: str) -> list[str]:
        """ssh argv running ``script`` with ``sh -c`` whatever the board's login shell is."""
        return [*self.base_argv(), "--", self.target.host, "sh -c " + shlex.quote(script)]

    # -- running ----------------------------------------------------------------------------
    def fail(self, step: str, proc_stderr: str) -> RemoteError:
        kind, line = classify(proc_stderr)
        line = line.replace("HOST", self.target.host)
        cls = ConnectionLost if (self.connected and kind in ("lost", "other", "unreachable")) else RemoteError
        return cls(self.target.label, step, line)

    def run(self, step: str, script: str, *, input: bytes | None = None, check: bool = True,
            timeout: float | None = None) -> subprocess.CompletedProcess:
        """Run ``script`` on the board; ssh's own failure raises :class:`RemoteError`, a non-zero status
        of the script raises it too unless ``check`` is False. stdout / stderr are bytes."""
        try:
            proc = subprocess.run(self.argv(script), input=input if input is not None else b"",
                                  capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RemoteError(self.target.label, step, f"no answer within {timeout:g} s") from None
        if proc.returncode == SSH_FAILED:
            raise self.fail(step, proc.stderr.decode(errors="replace"))
        if check and proc.returncode != 0:
            raise RemoteError(self.target.label, step, last_line(proc.stderr) or f"exit status {proc.returncode}")
        return proc

    def text(self, step: str, script: str, *, input: bytes | None = None, check: bool = True,
             timeout: float | None = None) -> str:
        return self.run(step, script, input=input, check=check, timeout=timeout).stdout.decode(errors="replace").strip()

    def popen(self, script: str, **kw: Any) -> subprocess.Popen:  # kw: subprocess.Popen's own keywords
        return subprocess.Popen(self.argv(script), **kw)

    def connect(self) -> None:
        """Open the control connection (the step that names unreachable hosts and refused keys)."""
        self.run("connect", "true", timeout=self.connect_timeout * 3 + 10)
        self.connected = True

    def close(self) -> None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run([*self.base_argv(), "-O", "exit", self.target.host], capture_output=True, timeout=10)
        shutil.rmtree(self._control_dir, ignore_errors=True)

    def __enter__(self) -> Ssh:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def last_line(data: bytes | str) -> str:
    text = data.decode(errors="replace") if isinstance(data, bytes) else data
    return next((ln.strip() for ln in reversed(text.splitlines()) if ln.strip()), "")


def q(path: str) -> str:
    """A path quoted for ``sh``."""
    return shlex.quote(str(path))
