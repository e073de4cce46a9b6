"""Shifted eval sets (``edgecrelu/shifts.py``): their manifest entries and a record's scores on them."""

from __future__ import annotations

from edgecrelu.schema.base import AnyDict, Count, Fraction, Model, PosInt, Sha256, Text


class ShiftSet(Model, kw_only=True):
    """One shifted eval set of the bundle (``dataset.shifts``)."""

    name: Text  # gain | offset | gradient | contrast | invert | blur | noise | translate | rotate
    severity: PosInt  # 1 (mild) .. 3 (strong)
    params: AnyDict  # the shift's parameters at this severity and image size
    path: Text  # data/shifts/<name>-<severity>.npz (x uint8 NCHW, y), listed in files
    n: Count  # images: the first n of the eval set
    images: str | None = None  # which eval images
    x_sha256: Sha256 | None = None  # of the stored images (dtype, shape, bytes)
    encoding: str | None = None  # how x is stored and normalised on load


class ShiftScore(Model, kw_only=True):
    """A cell's top-1 on one shifted eval set, through the backend that ran the cell."""

    name: Text  # the shift
    severity: PosInt
    top1: Fraction
    n: Count  # images
    correct: str | None = None  # per-image top-1 correctness, bits packed, base64 (paired comparisons)
    x_sha256: Sha256 | None = None  # of the images scored: records compared pair only on the same
    params: AnyDict | None = None  # the shift's parameters, as the manifest records them
