"""SIGTERM handled like SIGINT (``kill``, a CI timeout, a closed session send SIGTERM): both raise
:class:`KeyboardInterrupt` in the main thread, so every command's clean-up and its "interrupted"
message run, and ``--resume`` carries on where it stopped. :func:`deferred` holds both signals off
for a few critical steps (a directory commit) and delivers them right after."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator

KEPT = "results already written are kept"  # what an interrupted command says unless it says more (explain)


class Terminated(KeyboardInterrupt):
    """SIGTERM, delivered as an interrupt (a subclass, so ``except KeyboardInterrupt`` catches it)."""


def _on_sigterm(signum, frame):
    raise Terminated()


def install() -> None:
    """Make SIGTERM raise :class:`Terminated` (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then deliver the first one that came."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got = []
    sigs = (signal.SIGINT, signal.SIGTERM)
    old = {s: signal.getsignal(s) for s in sigs}
    for s in sigs:
        signal.signal(s, lambda signum, frame: got.append(signum))
    try:
        yield
    finally:
        for s in sigs:
            signal.signal(s, old[s] if old[s] is not None else signal.SIG_DFL)
        if got:
            os.kill(os.getpid(), got[0])


_KEPT_ATTR = "edgecrelu_kept"


def explain(exc: BaseException, kept: str) -> None:
    """Let the interrupt ``exc`` say what was kept (how many results, how to continue): the CLI prints
    ``interrupted; KEPT`` with it instead of the generic :data:`KEPT`."""
    setattr(exc, _KEPT_ATTR, kept)  # an attribute of ours on a built-in exception: no field to declare


def kept(exc: BaseException) -> str:
    """What the interrupted command kept: its :func:`explain` line, or the generic one."""
    return getattr(exc, _KEPT_ATTR, None) or KEPT


def exit_code(exc: BaseException) -> int:
    """130 for Ctrl-C, 143 for SIGTERM (the shell's 128 + signal number)."""
    return 128 + (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)


def ignore_further() -> None:
    """Once an interrupt is being turned into an exit, a second SIGINT/SIGTERM (a repeated Ctrl-C, a
    supervisor's follow-up, a signal :func:`deferred` re-delivers) must not replace the clean exit
    code with a KeyboardInterrupt escaping the interpreter (exit by signal, no message)."""
    if threading.current_thread() is threading.main_thread():
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, signal.SIG_IGN)
