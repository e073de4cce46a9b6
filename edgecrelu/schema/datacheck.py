"""The data check (``runs/NAME/data-check.json``, ``BUNDLE/data/check.json``): written by ``train``
and ``edgecrelu data check``, read by ``export`` and ``convert`` (``data/datacheck.py``).
``schema_version`` 1."""

from __future__ import annotations

from edgecrelu.schema.base import Count, Model, Sha256, Text

KIND = "edgecrelu-data-check"
SCHEMA_VERSION = 1


class CheckedFile(Model, kw_only=True):
    """A file the data came from, as read at training time."""

    path: Text  # relative to the source's path (image folders: CLASS/NAME.png)
    sha256: Sha256  # of the file's bytes
    label: Count | None = None  # class index (image folders); absent for a whole-set file (npz, cifar10)


class SkippedFile(Model, kw_only=True):
    """A file under the source's path that is not in the data."""

    path: Text  # relative to the source's path; a folder ends with /
    reason: Text  # unreadable: ... | hidden | hidden folder | not an image (.txt) | not in a class folder


class DataCheck(Model, kw_only=True):
    schema_version: int  # 1
    kind: str  # "edgecrelu-data-check"
    spec: Text  # the --data spec
    name: str | None = None  # the data source
    sha256: Sha256  # the data's hash (run.json data.sha256): of the used files only
    seed: int  # the split seed
    size: list[int]  # [H, W] the images were resized to
    channels: int  # 1 or 3
    resize_policy: str  # stretch | letterbox | crop (edgecrelu/data/preprocess.py)
    class_names: list[str]  # index -> name
    splits: dict[str, dict[str, Count]]  # train | val | test -> class name -> images
    image_sizes: dict[str, Count] | None = None  # "W×H" -> images, before resizing (image folders)
    files: list[CheckedFile]  # every file used, in the source's order (none for generated data)
    skipped: list[SkippedFile]  # every file not used, with the reason
