"""Progress lines from a profile worker process: the parent relays lines with this prefix to the
user live (an engine build can take minutes on a Jetson); everything else stays in the trial log."""

from __future__ import annotations

import sys

PROGRESS_PREFIX = "[edgecrelu progress] "


def progress(message: str) -> None:
    print(PROGRESS_PREFIX + message, file=sys.stderr, flush=True)
