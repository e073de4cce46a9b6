"""The train run directory's contract (``run.json`` and one ``record.json`` per checkpoint): written
by ``train``, read by ``export``. The model of ``run.json`` is :mod:`edgecrelu.schema.trainrun`
(docs/contracts.md has its tables)."""

from __future__ import annotations

from edgecrelu.schema import trainrun as schema
from edgecrelu.schema.base import check

SCHEMA_VERSION = schema.SCHEMA_VERSION
RUN_KIND = schema.KIND  # run.json
RECORD_KIND = schema.RECORD_KIND  # <variant>/seed<N>/record.json


def check_run(run: dict, source: str) -> schema.TrainRun:
    """``run.json`` (kind and version already checked) against its model: a one-line error naming
    ``source`` and the field."""
    return check(run, schema.TrainRun, source)
