"""Host memory of the current process (Linux ``/proc/self/status``, ``getrusage`` elsewhere), and the
static memory facts of a cell (model file bytes, params and MACs from the manifest).

Peak RSS is only attributable to a cell when the cell runs in its own process: a profile run
starts one worker process per cell and trial (see ``profiling/launch.py``).
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from edgecrelu.bundle import Artifact, Bundle
    from edgecrelu.results import Cell


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def current_rss_bytes() -> int | None:
    kb = _status_kb("VmRSS")
    return kb * 1024 if kb is not None else None


def peak_rss_bytes() -> int:
    """High-water mark of resident memory of this process (VmHWM; ``ru_maxrss`` as a fallback)."""
    kb = _status_kb("VmHWM")
    if kb is not None:
        return kb * 1024
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(maxrss if sys.platform == "darwin" else maxrss * 1024)  # bytes on macOS, KiB on Linux


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0: write 5 to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def static_memory(bundle: Bundle, cell: Cell, artifact: Artifact | None = None) -> dict[str, Any]:
    """Model file bytes (the artifact the cell runs) and params / MACs of its variant."""
    v = bundle.variants.get(cell.variant, {})
    out: dict[str, Any] = {"model_bytes": None, "params": v.get("params"), "macs": v.get("macs")}
    if artifact is not None:
        p = Path(bundle.path(artifact.path))
        out["model_bytes"] = p.stat().st_size if p.is_file() else artifact.info.get("bytes")
    return out
