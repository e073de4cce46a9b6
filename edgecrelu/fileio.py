"""Atomic file writes: a reader (or a crash) never sees half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, IO


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


def read_json_object(path: str | os.PathLike, what: str) -> dict:
    """Load a JSON object or raise a one-line error naming ``what`` (missing, corrupt, not an object)."""
    import json

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
