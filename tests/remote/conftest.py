"""A real OpenSSH server on 127.0.0.1 for the ``profile --host`` tests, started by the suite.

The "board" is this machine: sshd runs as the current user with a config, a throwaway host key and a
throwaway user key in a temporary directory, on a free non-standard port; the client gets its own
ssh_config through ``--ssh-config`` (``ssh -F``), so ~/.ssh is neither read nor written. Without
sshd (``apt-get install openssh-server``; scripts/test.sh installs it) these tests skip and say so.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixtures.tiny_bundle import cached_tiny_bundle

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)
EDGECRELU = str(Path(sys.executable).parent / "edgecrelu")  # the board's edgecrelu: this venv's
FAST = ["--warmup", "0", "--duration", "0.02", "--iterations", "5", "--trials", "1", "--batch", "1",
        "--isolation", "none", "--power", "none"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "edgecrelu-test", "-f", str(path)],
                   check=True, capture_output=True)


class SshServer:
    def __init__(self, root: Path):
        self.root = root
        self.port = _free_port()
        self.user = getpass.getuser()
        _keygen(root / "host_ed25519")
        _keygen(root / "id_ed25519")
        _keygen(root / "other_ed25519")  # a key the server does not accept
        shutil.copy(root / "id_ed25519.pub", root / "authorized_keys")
        (root / "sshd_config").write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {root}/host_ed25519\nPidFile {root}/sshd.pid\n"
            f"AuthorizedKeysFile {root}/authorized_keys\nUsePAM no\nStrictModes no\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nPermitRootLogin prohibit-password\n"
            "MaxSessions 100\nMaxStartups 100\nLogLevel ERROR\n")
        host_pub = (root / "host_ed25519.pub").read_text().split()
        (root / "known_hosts").write_text(f"[127.0.0.1]:{self.port} {host_pub[0]} {host_pub[1]}\n")
        self.config = self.client_config("ssh_config", "id_ed25519")
        self.proc = None

    def client_config(self, name: str, key: str, known_hosts: str = "known_hosts") -> str:
        path = self.root / name
        path.write_text(
            f"Host board\n  HostName 127.0.0.1\n  Port {self.port}\n  User {self.user}\n"
            f"  IdentityFile {self.root}/{key}\n  IdentitiesOnly yes\n  IdentityAgent none\n"
            f"  UserKnownHostsFile {self.root}/{known_hosts}\n  GlobalKnownHostsFile /dev/null\n"
            "  StrictHostKeyChecking yes\n  LogLevel ERROR\n")
        return str(path)

    def start(self) -> None:
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation directory
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(self.root / "sshd_config")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(100):
            if self.proc.poll() is not None:
                pytest.skip(f"sshd did not start: {self.proc.stderr.read().decode(errors='replace').strip()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        pytest.skip("sshd did not listen within 5 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="session")
def sshd(tmp_path_factory):
    if SSHD is None or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        pytest.skip("no OpenSSH server/client here (apt-get install openssh-server; scripts/test.sh installs it)")
    server = SshServer(tmp_path_factory.mktemp("sshd"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def bundle():
    return cached_tiny_bundle(precisions=("fp32",))


def host_args(server, remote_dir, *extra, edgecrelu=EDGECRELU):
    return ["--host", "board", "--ssh-config", server.config, "--remote-dir", str(remote_dir),
            "--remote-edgecrelu", edgecrelu, *extra]
