"""``export --shifts``: the shifted eval sets written into the bundle (``edgecrelu/shifts.py``).

Stored, not regenerated on the target: a board with another numpy would have to make bit-identical
images for the paired comparison to hold; 8-bit sets of the first ``--shift-images`` eval images keep
the bundle small (about n x C x H x W bytes each, compressed)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

from edgecrelu import shifts

if TYPE_CHECKING:
    from edgecrelu.bundle import BundleWriter

logger = logging.getLogger(__name__)


def write_shift_sets(writer: BundleWriter, eval_x: np.ndarray, eval_y: np.ndarray, preprocessing: dict, spec: str,
                     max_images: int) -> list[dict]:
    """Write each shifted set of ``spec`` into the bundle; return their manifest entries ([] for none)."""
    chosen = shifts.parse_spec(spec)
    if not chosen:
        return []
    entries = []
    for entry, x8, y in shifts.make_sets(eval_x, eval_y, preprocessing, chosen, max_images):
        np.savez_compressed(writer.file(entry["path"]), x=x8, y=y)
        entries.append(entry)
    logger.info(f"shifted eval sets: {len(entries)} ({', '.join(sorted({e['name'] for e in entries}))}) "
                f"of {entries[0]['n']} images each")
    return entries
