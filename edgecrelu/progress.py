"""Progress lines from a profile worker process: the worker's ``edgecrelu`` log lines (an engine
build can take minutes on a Jetson) go to its stderr with this prefix, and the parent relays each
prefixed line to the user live; everything else the worker prints stays in the trial log."""

from __future__ import annotations

import logging
import sys

PROGRESS_PREFIX = "[edgecrelu progress] "


class _PrefixFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # every line prefixed: the parent relays prefixed lines only
        return "\n".join(PROGRESS_PREFIX + line for line in super().format(record).splitlines() or [""])


def relay_to_parent() -> None:
    """In a worker process: send ``edgecrelu`` log lines (info and above) to stderr, prefixed."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_PrefixFormatter("%(message)s"))
    logger = logging.getLogger("edgecrelu")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # the worker's own process: no other handler may print the line again


def relayed(line: str) -> str | None:
    """The message of a worker's progress line, or None for any other line of its output."""
    return line[len(PROGRESS_PREFIX):].rstrip() if line.startswith(PROGRESS_PREFIX) else None
