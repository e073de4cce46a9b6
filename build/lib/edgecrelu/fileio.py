"""Files every stage writes and reads: atomic writes (a reader, or a crash, never sees half a
file), JSON objects, content hashes and UTC time stamps."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Callable


def atomic_write(path: str | os.PathLike, write: Callable[[IO], None], binary: bool = False) -> Path:
    """Call ``write(f)`` on a temp file in the same directory, fsync, then rename over ``path``.

    On any exception the temp file is removed and an existing ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; results and checkpoints are meant to be shared
        with os.fdopen(fd, "wb" if binary else "w") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def atomic_write_json(path: str | os.PathLike, obj) -> Path:
    """Write JSON so that a reader never sees a half file (see :func:`atomic_write`)."""
    text = json.dumps(obj, indent=2, sort_keys=True) + "\n"  # serialise first: a bad object leaves no file
    return atomic_write(path, lambda f: f.write(text))


def read_json_object(path: str | os.PathLike, what: str) -> dict:
    """Load a JSON object or raise a one-line error naming ``what`` (missing, corrupt, not an object)."""
    from edgecrelu.errors import EdgeCReLUError

    path = Path(path)
    if not path.is_file():
        raise EdgeCReLUError(f"{what} not found: {path}")
    try:
        obj = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise EdgeCReLUError(f"corrupt {what} {path}: {exc}") from None
    if not isinstance(obj, dict):
        raise EdgeCReLUError(f"corrupt {what} {path}: not a JSON object")
    return obj


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
