"""What the board must have before a bundle travels: python3, the same edgecrelu as here (or this
checkout's wheel installed into a venv there with ``--install``), the backend's Python module, and
free disk for what the copy and the run will write."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from edgecrelu import __version__
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.remote.ssh import RemoteError, Ssh, last_line, q

logger = logging.getLogger(__name__)

DEFAULT_ROOT = "~/.cache/edgecrelu"  # on the board: bundles/, runs/, venv/, wheels/
# the Python module each backend needs on the board (the device profile's backends; others unchecked)
BACKEND_MODULES = {"onnxruntime": "onnxruntime", "tensorrt": "tensorrt", "torch": "torch"}
MARGIN_BYTES = 256 << 20  # results, logs and TensorRT engines written beside the bundle


@dataclass(frozen=True)
class Board:
    """Where things are on the board (absolute paths)."""

    home: str
    root: str  # --remote-dir, ~ expanded
    python: str  # the interpreter commands name (python3 or --remote-python)
    edgecrelu: str  # the edgecrelu command that runs the profile

    def path(self, *parts: str) -> str:
        return "/".join([self.root.rstrip("/"), *parts])


def install_line() -> str:
    return (f"install it there with `python3 -m pip install edgecrelu=={__version__}`, or rerun with --install "
            "(builds this checkout's wheel here and installs it into a venv on the board, no internet needed "
            "there when its dependencies are)")


def parse_version(text: str) -> str | None:
    m = re.search(r"version\s+(\S+)", text)
    return m.group(1) if m else None


def locate(ssh: Ssh, root: str, python: str, edgecrelu: str | None) -> Board:
    """The board's home, the remote directory, and which edgecrelu runs there: ``edgecrelu`` when
    given, else the venv ``--install`` made, else ``~/.local/bin/edgecrelu``, else the one on PATH."""
    home = ssh.text("check", 'printf %s "$HOME"')
    if not home.startswith("/"):
        raise RemoteError(ssh.target.label, "check", f"the board's $HOME is not an absolute path ({home!r})")
    root = home + root[1:] if root == "~" or root.startswith("~/") else root
    if not root.startswith("/"):
        root = f"{home}/{root}"
    board = Board(home, root.rstrip("/") or "/", python, edgecrelu or "")
    if not edgecrelu:
        found = ssh.run("check", "for e in " + " ".join(q(p) for p in (
            board.path("venv", "bin", "edgecrelu"), f"{home}/.local/bin/edgecrelu", "edgecrelu")) +
            '; do command -v "$e" >/dev/null 2>&1 && { printf %s "$e"; exit 0; }; done; exit 3', check=False)
        board = Board(home, board.root, python, found.stdout.decode().strip() if found.returncode == 0 else "")
    return board


def check_python(ssh: Ssh, board: Board) -> str:
    proc = ssh.run("check", f"{q(board.python)} -c 'import sys; print(\"%d.%d\" % sys.version_info[:2])'",
                   check=False)
    if proc.returncode != 0:
        raise RemoteError(ssh.target.label, "check", f"no {board.python} on the board ({last_line(proc.stderr)}): "
                          "install python3 there (JetPack has it), or name it with --remote-python")
    return proc.stdout.decode().strip()


def remote_version(ssh: Ssh, board: Board) -> str | None:
    if not board.edgecrelu:
        return None
    proc = ssh.run("check", f"{q(board.edgecrelu)} --version", check=False)
    return parse_version(proc.stdout.decode(errors="replace")) if proc.returncode == 0 else None


def check_version(ssh: Ssh, board: Board) -> None:
    """The board's edgecrelu must be this one's version: records, bundle schema and the profile's
    options are one release's contract."""
    have = remote_version(ssh, board)
    if have is None:
        where = board.edgecrelu or "edgecrelu (not on PATH, not in ~/.local/bin, no venv from --install)"
        raise RemoteError(ssh.target.label, "check", f"no working {where} on the board; {install_line()}")
    if have != __version__:
        raise RemoteError(ssh.target.label, "check", f"the board runs edgecrelu {have} ({board.edgecrelu}), this "
                          f"machine {__version__}: the versions must match; {install_line()}")


def check_modules(ssh: Ssh, board: Board, backends: list[str]) -> None:
    """Each backend's Python module imports in the interpreter of the board's edgecrelu (its shebang)."""
    mods = [BACKEND_MODULES[b] for b in backends if b in BACKEND_MODULES]
    if not mods:
        return
    py = 'py=$(head -n 1 "$(command -v ' + q(board.edgecrelu) + ')" | sed -n "s/^#! *//p"); [ -n "$py" ] || py=' + \
        q(board.python)
    code = "import importlib.util,sys; sys.stdout.write(' '.join(m for m in sys.argv[1:] " \
           "if importlib.util.find_spec(m) is None))"
    missing = ssh.text("check", f"{py}; $py -c {q(code)} {' '.join(mods)}").split()
    if missing:
        b = next(b for b in backends if BACKEND_MODULES.get(b) == missing[0])
        hint = "TensorRT comes with JetPack (python3-libnvinfer)" if b == "tensorrt" else \
            f"install {missing[0]} on the board"
        more = " (and onnxruntime for --backend onnxruntime)" if b == "tensorrt" and "onnxruntime" in missing else ""
        raise RemoteError(ssh.target.label, "check", f"backend '{b}' needs the Python module {missing[0]}, which "
                          f"the board's edgecrelu cannot import: {hint}{more}, or pick another with --backend")


def free_bytes(ssh: Ssh, board: Board) -> int:
    out = ssh.text("disk", f"mkdir -p {q(board.root)} && df -Pk {q(board.root)} | tail -n 1")
    parts = out.split()
    try:
        return int(parts[3]) * 1024
    except (IndexError, ValueError):
        raise RemoteError(ssh.target.label, "disk", f"cannot read the free space under {board.root} ({out!r})") \
            from None


def check_disk(ssh: Ssh, board: Board, need: int) -> None:
    have = free_bytes(ssh, board)
    if have < need + MARGIN_BYTES:
        raise RemoteError(ssh.target.label, "disk", f"disk full: {have / 2**20:.0f} MiB free under {board.root}, "
                          f"the copy needs {need / 2**20:.0f} MiB plus {MARGIN_BYTES >> 20} MiB for results and "
                          "engines: free space there or pass --remote-dir on a larger disk")


# -- --install ---------------------------------------------------------------------------------------

def source_root() -> Path:
    """The checkout this edgecrelu runs from (a wheel is built from it)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file():
        raise EdgeCReLUError("--install builds the wheel from an edgecrelu source checkout, and this edgecrelu is "
                             f"installed from a package ({root}): install edgecrelu=={__version__} on the board "
                             "with pip instead")
    return root


def build_wheel(dest: Path) -> Path:
    """``pip wheel --no-deps --no-build-isolation`` of this checkout (offline: setuptools is here)."""
    root = source_root()
    logger.info(f"building the edgecrelu {__version__} wheel from {root}")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(dest), str(root)], capture_output=True, text=True)
    wheels = sorted(dest.glob("edgecrelu-*.whl"))
    if proc.returncode != 0 or not wheels:
        raise EdgeCReLUError(f"cannot build the edgecrelu wheel from {root}: {last_line(proc.stderr) or proc.returncode}")
    return wheels[-1]


def install(ssh: Ssh, board: Board, push: Callable[[Ssh, str, Path, list[str], str], object]) -> Board:
    """Copy this checkout's wheel to the board and install it into ``<remote-dir>/venv`` (with the
    system's site-packages: JetPack's TensorRT and numpy are there). pip looks at no index first, so a
    board without internet installs when the dependencies are already on it."""
    with tempfile.TemporaryDirectory(prefix="edgecrelu-wheel-") as tmp:
        wheel = build_wheel(Path(tmp))
        push(ssh, "install", Path(tmp), [wheel.name], board.path("wheels"))
    venv, whl = board.path("venv"), q(board.path("wheels", wheel.name))
    vpy = q(board.path("venv", "bin", "python"))
    logger.info(f"installing {wheel.name} into {venv} on {ssh.target.label}")
    ssh.run("install", f"[ -x {vpy} ] || {q(board.python)} -m venv --system-site-packages {q(venv)}")
    proc = ssh.run("install", f"{vpy} -m pip install -q --no-index --force-reinstall --no-deps {whl} && "
                   f"{vpy} -m pip install -q --no-index {whl}", check=False)
    if proc.returncode != 0:  # a dependency is missing there: try the index the board may reach
        proc = ssh.run("install", f"{vpy} -m pip install -q {whl}", check=False)
    if proc.returncode != 0:
        raise RemoteError(ssh.target.label, "install", f"pip could not install {wheel.name} into {venv}: "
                          f"{last_line(proc.stderr) or proc.returncode} (a dependency the board has no copy of "
                          "and no index to fetch it from: install it there, e.g. with apt)")
    return Board(board.home, board.root, board.python, board.path("venv", "bin", "edgecrelu"))
