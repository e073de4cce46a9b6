"""Files every stage writes and reads: atomic writes (a reader, or a crash, never sees half a
file), JSON objects, content hashes and UTC time stamps."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import IO


def _bytes_writer(data: bytes) -> Callable[[IO], object]:
    return lambda f: f.write(data)


def _stage(path: Path, write: Callable[[IO], object], binary: bool) -> str:
    """``write(f)`` to a temp file beside ``path``, fsynced; returns its name (removed on failure)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes 0600: follow the umask, as open() would
        with os.fdopen(fd, "wb" if binary else "w") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return tmp


def umask() -> int:
    """The process's umask (read without changing it where /proc says it)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def make_temp_dir(prefix: str, parent: str | os.PathLike) -> Path:
    """A new uniquely named directory in ``parent`` with the mode ``mkdir`` would give it (mkdtemp
    makes 0700: an output renamed from it would be unreadable to the group the umask allows)."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    os.chmod(tmp, 0o777 & ~umask())
    return tmp


def _unlink_quietly(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def atomic_write(path: str | os.PathLike, write: Callable[[IO], object], binary: bool = False) -> Path:
    """Call ``write(f)`` on a temp file in the same directory, fsync, then rename over ``path``.

    On any exception the temp file is removed and an existing ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _stage(path, write, binary)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return path


def atomic_write_files(directory: str | os.PathLike, files: dict[str, bytes]) -> dict[str, Path]:
    """Write several files of one output so that a failure leaves none of them replaced: every file
    is staged (:func:`_stage`) first, then all are renamed into place (a crash between those renames
    is the only window for a mix of old and new)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    staged: dict[str, str] = {}
    try:
        for name, data in files.items():
            staged[name] = _stage(directory / name, _bytes_writer(data), binary=True)
        out = {}
        for name, tmp in list(staged.items()):
            os.replace(tmp, directory / name)
            del staged[name]
            out[name] = directory / name
        return out
    finally:
        for tmp in staged.values():
            _unlink_quietly(tmp)


@contextlib.contextmanager
def writing(what: str, out: str | os.PathLike) -> Iterator[None]:
    """Turn an ``OSError`` in the block (read-only file system, no permission, disk full, a path below
    a file) into one :class:`~edgecrelu.errors.EdgeCReLUError` line: ``cannot write WHAT OUT: why``,
    with the file that failed where it is another. A file outside the output (an input read on the
    way) is reported as ``cannot read FILE``."""
    from edgecrelu.errors import EdgeCReLUError

    try:
        yield
    except OSError as exc:
        raise EdgeCReLUError(describe_os_error(exc, what, Path(out))) from None


def describe_os_error(exc: OSError, what: str, out: Path) -> str:
    """The line :func:`writing` raises."""
    why = exc.strerror or str(exc) or type(exc).__name__
    failed = None if exc.filename is None else Path(os.fsdecode(exc.filename))
    if failed is not None and not _output_side(failed, out):
        return f"cannot read {failed} (writing {what} {out}): {why}"
    if failed is None or failed == out:  # a write() on a full disk names no file: OUT is the one
        shown = ""
    elif exc.filename2 is not None:
        shown = f" ({failed} -> {os.fsdecode(exc.filename2)})"
    else:
        shown = f" ({failed})"
    return f"cannot write {what} {out}: {why}{shown}"


def _output_side(p: Path, out: Path) -> bool:
    """``p`` is ``out``, inside it, one of its parents (being created), or a temporary, aside or lock
    file beside it (``.OUT.*``)."""
    p, out = Path(os.path.abspath(p)), Path(os.path.abspath(out))
    if p == out or out in p.parents or p in out.parents:
        return True
    try:
        first = p.relative_to(out.parent).parts[0]
    except (ValueError, IndexError):
        return False
    return first.startswith(f".{out.name}.")


def atomic_write_json(path: str | os.PathLike, obj: object) -> Path:
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
    except (OSError, ValueError, RecursionError) as exc:  # RecursionError: JSON nested past Python's stack
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


# -- directory outputs: commit by rename-aside, recovery, advisory lock ---------------------------
# A directory cannot be replaced by one atomic rename, so a commit is three steps:
#   1. DEST -> .DEST.old-XXXX   (the old copy is set aside, complete)
#   2. NEW  -> DEST             (the new copy is in place, complete)
#   3. remove .DEST.old-XXXX
# At every instant one complete copy exists (DEST, or the aside). A process killed between steps 1
# and 2 leaves only the aside: :func:`recover_dir` (run by the next writer and reader) puts it back.
# Temporary ``.DEST.partial-*`` siblings of a dead writer are removed under the lock (docs/contracts.md).

ASIDE = ".old-"
PARTIAL = ".partial-"


def _siblings(dest: Path, tag: str) -> list[Path]:
    parent = dest.parent
    if not parent.is_dir():
        return []
    prefix = f".{dest.name}{tag}"
    try:
        return sorted(p for p in parent.iterdir() if p.name.startswith(prefix))
    except OSError:
        return []


def recover_dir(dest: str | os.PathLike, clean_partials: bool = False) -> list[str]:
    """Finish or undo an interrupted :func:`replace_dir` of ``dest``; returns what was done.

    ``dest`` missing with an aside copy: the aside (the old, complete copy) is renamed back.
    ``dest`` present: asides are leftovers of a finished commit and are removed. With
    ``clean_partials`` (only under the writer's lock) stale ``.DEST.partial-*`` are removed too.
    """
    import shutil

    dest = Path(dest)
    done = []
    asides = _siblings(dest, ASIDE)
    if asides and not dest.exists():
        os.rename(asides[-1], dest)
        done.append(f"restored {dest} from an interrupted replacement")
        asides = asides[:-1]
    for a in asides:
        shutil.rmtree(a, ignore_errors=True)
        done.append(f"removed {a.name}")
    if clean_partials:
        for p in _siblings(dest, PARTIAL):
            shutil.rmtree(p, ignore_errors=True)
            done.append(f"removed {p.name}")
    return done


def replace_dir(new: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Move the complete directory ``new`` to ``dest``, replacing an existing ``dest`` by rename-aside
    (see above). SIGINT/SIGTERM are held off during the steps; a harder kill is undone by
    :func:`recover_dir`."""
    import shutil

    from edgecrelu.signals import deferred

    new, dest = Path(new), Path(dest)
    aside = None
    with deferred():
        if dest.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{dest.name}{ASIDE}", dir=dest.parent))
            os.rmdir(aside)  # a unique name; rename() needs it absent
            os.rename(dest, aside)
        try:
            os.rename(new, dest)
        except BaseException:
            if aside is not None and not dest.exists():
                os.rename(aside, dest)
            raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
    return dest


def lock_path(lockfile: Path) -> Path:
    """Where the lock ``.NAME.lock`` (of the output ``NAME`` beside it) really lies: beside that
    output's resolved path, so ``--out lk``, ``--out .`` inside lk and a symlink to lk share one lock."""
    name = lockfile.name
    if name.startswith(".") and name.endswith(".lock"):
        out = Path(os.path.realpath(lockfile.parent / name[1:-len(".lock")]))
        if out.name:
            return out.parent / f".{out.name}.lock"
    return Path(os.path.realpath(lockfile.parent)) / name


class DirLock:
    """An advisory, exclusive lock on an output (``flock`` on ``LOCKFILE``), released when the
    process exits however it exits. A second writer gets a one-line error instead of racing."""

    def __init__(self, lockfile: str | os.PathLike, what: str):
        self.lockfile = lock_path(Path(lockfile))
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> DirLock:
        from edgecrelu.errors import EdgeCReLUError

        try:
            import fcntl
        except ImportError:  # not POSIX: no advisory lock
            return self
        for _ in range(100):  # the holder unlinks the file on release: lock the file that is there
            try:
                self.lockfile.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.lockfile, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise EdgeCReLUError(f"cannot lock {self.what} ({self.lockfile}): {exc.strerror or exc}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise EdgeCReLUError(
                    f"{self.what} is in use by another edgecrelu process (lock {self.lockfile}); "
                    "wait for it or choose another output") from None
            try:
                same = os.stat(self.lockfile).st_ino == os.fstat(fd).st_ino
            except OSError:
                same = False
            if same:
                self._fd = fd
                return self
            os.close(fd)
        raise EdgeCReLUError(f"cannot lock {self.what} ({self.lockfile})")

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.lockfile)  # while still held: no lock file is left behind
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
        return False
