"""The train run directory's contract (``run.json`` and one ``record.json`` per checkpoint): written
by ``train``, read by ``export``. See docs/contracts.md."""

from __future__ import annotations

SCHEMA_VERSION = 1
RUN_KIND = "edgecrelu-train-run"  # run.json
RECORD_KIND = "edgecrelu-train-record"  # <variant>/seed<N>/record.json
