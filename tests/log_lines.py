"""The ``edgecrelu`` log lines a user sees at the default level, collected while a block runs
(tests/ is on sys.path via tests/conftest.py's rootdir, as for cli_helpers)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def log_lines(on_line: Callable[[str], None] | None = None) -> Iterator[list[str]]:
    """Yield the list that receives each ``edgecrelu`` message at info level and above, as it is
    logged; ``on_line(message)`` is called with each too (it may raise, e.g. a KeyboardInterrupt)."""
    lines: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())
            if on_line is not None:
                on_line(lines[-1])

    handler = _Collect(logging.INFO)
    logger = logging.getLogger("edgecrelu")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
