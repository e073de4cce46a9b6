"""Files to and from the board as tar streams over the ssh connection, packed and unpacked by Python's
``tarfile`` on both sides (the board's python3, 3.6 or newer: the scripts below keep to it).

The bundle goes to ``<remote-dir>/bundles/<manifest sha256>/``: before a copy the board hashes what
it holds there, and only files that are missing or whose sha256 is not the manifest's travel (a
second run copies nothing; a file changed on the board is named and copied again). After the copy
every file is hashed on the board once more (the verify step).
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING

from edgecrelu.bundle import MANIFEST
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import atomic_write
from edgecrelu.remote.board import Board, check_disk
from edgecrelu.remote.ssh import SSH_FAILED, RemoteError, Ssh, last_line, q
from edgecrelu.results import validate

if TYPE_CHECKING:
    from edgecrelu.bundle import Bundle

logger = logging.getLogger(__name__)

# stdin: {"root": DIR, "files": [rel, ...]} -> stdout: {rel: sha256 or null}
_HASHES = r"""
import hashlib, json, os, sys
req = json.load(sys.stdin)
out = {}
for rel in req["files"]:
    p = os.path.join(req["root"], rel)
    if not os.path.isfile(p):
        out[rel] = None
        continue
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    out[rel] = h.hexdigest()
sys.stdout.write(json.dumps(out))
"""

# argv[1]: DIR; stdin: a tar stream of regular files -> each written beside its place, then renamed
_UNTAR = r"""
import os, sys, tarfile
root = sys.argv[1]
n = 0
with tarfile.open(fileobj=sys.stdin.buffer, mode="r|") as tar:
    for m in tar:
        parts = m.name.split("/")
        if not m.isfile() or m.name.startswith("/") or ".." in parts:
            raise SystemExit("refusing tar member %r" % m.name)
        dest = os.path.join(root, *parts)
        d = os.path.dirname(dest)
        if not os.path.isdir(d):
            os.makedirs(d)
        tmp = "%s.partial-%d" % (dest, os.getpid())
        src = tar.extractfile(m)
        with open(tmp, "wb") as f:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
        n += 1
sys.stdout.write(str(n))
"""

# argv[1]: DIR -> stdout: a tar stream of DIR's result records (*.json, not hidden, top level)
_TAR_RECORDS = r"""
import os, sys, tarfile
root = sys.argv[1]
names = sorted(n for n in os.listdir(root) if n.endswith(".json") and not n.startswith(".")) \
    if os.path.isdir(root) else []
with tarfile.open(fileobj=sys.stdout.buffer, mode="w|") as tar:
    for n in names:
        tar.add(os.path.join(root, n), arcname=n)
"""


def py(board: Board, script: str, *args: str) -> str:
    return f"{q(board.python)} -c {q(script)} " + " ".join(q(a) for a in args)


def remote_hashes(ssh: Ssh, step: str, board: Board, root: str, files: list[str]) -> dict:
    out = ssh.text(step, py(board, _HASHES), input=json.dumps({"root": root, "files": files}).encode())
    try:
        return json.loads(out)
    except ValueError:
        raise RemoteError(ssh.target.label, step, f"unexpected answer from the board's python: {out[:80]!r}") from None


def push(ssh: Ssh, step: str, local_root: Path, rels: list[str], remote_root: str, board: Board | None = None,
         python: str = "python3") -> int:
    """Send ``rels`` (paths under ``local_root``) into ``remote_root``; returns the bytes sent."""
    board_py = board.python if board is not None else python
    script = f"mkdir -p {q(remote_root)} && {q(board_py)} -c {q(_UNTAR)} {q(remote_root)}"
    proc = ssh.popen(script, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sent = 0
    try:
        with tarfile.open(fileobj=proc.stdin, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for rel in rels:
                p = local_root / rel
                tar.add(str(p), arcname=rel, recursive=False)
                sent += p.stat().st_size
    except (BrokenPipeError, OSError):
        pass  # the board's side ended early: its status and stderr say why
    out, err = proc.communicate()
    if proc.returncode == SSH_FAILED:
        raise ssh.fail(step, err.decode(errors="replace"))
    if proc.returncode != 0:
        raise RemoteError(ssh.target.label, step, f"copy into {remote_root} failed: {last_line(err) or proc.returncode}")
    return sent


def sync_bundle(ssh: Ssh, board: Board, bundle: Bundle) -> tuple[str, list[str]]:
    """Copy what the board lacks of ``bundle`` (an opened, verified :class:`~edgecrelu.bundle.Bundle`)
    into its content-addressed directory; returns (that directory, the files copied)."""
    sha = bundle.manifest_sha256
    remote = board.path("bundles", sha)
    want = dict(bundle.manifest["files"])
    want[MANIFEST] = sha
    rels = sorted(want)
    have = remote_hashes(ssh, "copy", board, remote, rels)
    changed = [r for r in rels if have.get(r) is not None and have[r] != want[r]]
    todo = [r for r in rels if have.get(r) != want[r]]
    for r in changed:
        logger.warning(f"warning: {ssh.target.label}: {remote}/{r} did not match its sha256 in the manifest "
                       "(modified or corrupt on the board); copying it again")
    if todo:
        need = sum((bundle.root / r).stat().st_size for r in todo)
        check_disk(ssh, board, need)
        # the manifest last: a directory holding it holds the files it lists
        order = [r for r in todo if r != MANIFEST] + [r for r in todo if r == MANIFEST]
        logger.info(f"copying {len(todo)} of {len(rels)} bundle file(s) ({need / 2**20:.1f} MiB) to "
                    f"{ssh.target.label}:{remote}")
        push(ssh, "copy", bundle.root, order, remote, board)
    else:
        logger.info(f"bundle already on {ssh.target.label}:{remote} (every file matches its sha256); copying nothing")
    after = remote_hashes(ssh, "verify", board, remote, rels) if todo else have
    bad = [r for r in rels if after.get(r) != want[r]]
    if bad:
        what = "is missing" if after.get(bad[0]) is None else "does not match its sha256 in the manifest"
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise RemoteError(ssh.target.label, "verify", f"{remote}/{bad[0]} {what} after the copy{more}")
    return remote, todo


def _writer(raw: bytes):
    return lambda f: f.write(raw)


def fetch_records(ssh: Ssh, board: Board, remote_results: str, out: Path) -> list[Path]:
    """Copy the board's records into ``out``, each checked (:func:`edgecrelu.results.validate`) before
    it is written atomically; a record that does not check is a one-line error, nothing half written."""
    data = ssh.run("fetch", py(board, _TAR_RECORDS, remote_results)).stdout
    records = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        for m in tar:
            name = Path(m.name).name
            if not m.isfile() or name != m.name or not name.endswith(".json"):
                raise RemoteError(ssh.target.label, "fetch", f"unexpected entry {m.name!r} in the records")
            member = tar.extractfile(m)
            raw = member.read() if member is not None else b""
            source = f"{ssh.target.label}:{remote_results}/{name}"
            try:
                rec = json.loads(raw.decode("utf-8"))
            except ValueError as exc:
                raise RemoteError(ssh.target.label, "fetch", f"{source} is not JSON ({exc})") from None
            try:
                validate(rec, source)
            except EdgeCReLUError as exc:
                raise RemoteError(ssh.target.label, "fetch", str(exc)) from None
            records.append((name, raw))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, raw in records:
        written.append(atomic_write(out / name, _writer(raw), binary=True))
    return written
