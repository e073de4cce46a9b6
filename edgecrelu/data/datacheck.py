"""The data check (docs/contracts.md "Data check"): what a run's data was, file by file.

``train`` (and ``edgecrelu data check``) reads every file once and writes ``data-check.json`` into
the run: the files used with their hashes, the files skipped with the reason (corrupt images,
hidden files, ``.thumbnails/``, ``notes.txt``), the class names and counts per split, and the
resize policy. ``export`` and ``convert`` load the data through it (:func:`load_for_run`):

* only the listed files are read, so a corrupt file known at training time is not in the data and
  nothing asks for ``--skip-bad``; removing it afterwards changes nothing;
* a listed file that was modified, removed or no longer decodes is refused, naming it (the model
  was trained and its test split drawn on the file as it was);
* an image added to the folder after training is ignored, with a warning naming it: the split,
  the training and the eval set were made from the listed files, and a folder that keeps filling
  (a factory's) must not block exporting the model trained before it grew.

The bundle carries the check (``data/check.json``, hashed in the manifest like every file).
"""

from __future__ import annotations

import logging
from pathlib import Path

from edgecrelu.data.dataset import Dataset, load_dataset
from edgecrelu.data.preprocess import DEFAULT_RESIZE_POLICY
from edgecrelu.data.sources import parse_spec
from edgecrelu.data.sources.common import SourceFile
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import atomic_write_json, read_json_object
from edgecrelu.schema import datacheck as schema
from edgecrelu.schema.base import check

logger = logging.getLogger(__name__)

RUN_FILE = "data-check.json"  # in the run directory
BUNDLE_FILE = "data/check.json"  # in the bundle
SHOWN = 10  # files named in one message; the check lists them all


def build(ds: Dataset) -> dict:
    """The data check of a loaded data set."""
    pre = ds.preprocessing
    out = {
        "schema_version": schema.SCHEMA_VERSION, "kind": schema.KIND, "spec": ds.spec,
        "name": ds.source.get("name"), "sha256": ds.sha256, "seed": ds.seed,
        "size": [int(v) for v in pre["size"]], "channels": int(pre["channels"]),
        "resize_policy": pre.get("resize_policy", DEFAULT_RESIZE_POLICY),
        "class_names": list(ds.class_names), "splits": ds.split_counts(),
        "files": [{"path": f.path, "sha256": f.sha256, **({"label": f.label} if f.label is not None else {})}
                  for f in ds.files],
        "skipped": [{"path": s.path, "reason": s.reason} for s in ds.skipped],
    }
    if ds.image_sizes:
        out["image_sizes"] = dict(ds.image_sizes)
    return out


def write(path: str | Path, ds: Dataset) -> dict:
    data = build(ds)
    atomic_write_json(path, data)
    return data


def read(path: str | Path) -> dict:
    data = read_json_object(path, "data check")
    check(data, schema.DataCheck, str(path))
    if data["kind"] != schema.KIND:
        raise EdgeCReLUError(f"{path} is not an edgecrelu data check (kind {data['kind']!r})")
    return data


def names(paths: list[str], shown: int = SHOWN) -> str:
    """``a, b, c`` or ``a, b, ... and 7 more``."""
    head = ", ".join(paths[:shown])
    return head + (f" and {len(paths) - shown} more" if len(paths) > shown else "")


def describe(ds: Dataset, where: str | None = None) -> list[str]:
    """The lines ``train`` and ``data check`` print: classes and counts per split, the resize, what was skipped."""
    counts = ds.split_counts()
    per_class = ", ".join(f"{c} {'/'.join(str(counts[k][c]) for k in ('train', 'val', 'test'))}"
                          for c in ds.class_names)
    totals = " / ".join(f"{k} {sum(counts[k].values())}" for k in ("train", "val", "test"))
    h, w = ds.preprocessing["size"]
    lines = [f"data {ds.spec}: {len(ds.class_names)} classes; split {totals} (seed {ds.seed}); "
             f"per class train/val/test: {per_class}",
             f"data: resized to {h}×{w} ({ds.preprocessing.get('resize_policy', DEFAULT_RESIZE_POLICY)})"
             + (f"; image sizes found: {', '.join(f'{k} ({n})' for k, n in ds.image_sizes.items())}"
                if ds.image_sizes else "")]
    bad = [s for s in ds.skipped if s.unreadable]
    other = [s for s in ds.skipped if not s.unreadable]
    if bad:
        lines.append(f"warning: skipped {len(bad)} unreadable file(s): "
                     + names([f"{s.path} ({s.reason.partition(': ')[2] or s.reason})" for s in bad]))
    if other:
        lines.append(f"data: ignored {len(other)} file(s) that are not images of a class: "
                     + names([f"{s.path} ({s.reason})" for s in other]))
    if where and ds.skipped:
        lines.append(f"data: every skipped file is listed in {where}")
    return lines


def _listed(data: dict) -> tuple[SourceFile, ...]:
    return tuple(SourceFile(f["path"], f["sha256"], f.get("label")) for f in data["files"])


def _differences(data: dict, ds: Dataset) -> list[str]:
    """The files of the check that the data no longer matches, each with what happened to it."""
    now = {f.path: f.sha256 for f in ds.files}
    gone = set(ds.missing)
    unreadable = {s.path for s in ds.skipped if s.unreadable}
    out = []
    for f in data["files"]:
        p = f["path"]
        if p in gone:
            out.append(f"{p} (removed)")
        elif p in unreadable:
            out.append(f"{p} (no longer readable)")
        elif p not in now:
            out.append(f"{p} (not found)")
        elif now[p] != f["sha256"]:
            out.append(f"{p} (modified)")
    return out


def load_for_run(data: dict, run_dir: str | Path, what: str) -> Dataset:
    """The data set of a train run (``data``: its run.json or record.json ``data``), through its data
    check when it has one; refused, naming the files, when the data changed since training.
    ``what`` names the run in messages."""
    run_dir = Path(run_dir)
    size = data.get("size")
    size = size[0] if isinstance(size, list) else size
    if size is None:
        raise EdgeCReLUError(f"{what} has no data.size: it needs a run written by `edgecrelu train`")
    channels = data.get("channels", (data.get("preprocessing") or {}).get("channels"))
    seed = int(data.get("seed", 0))
    path = run_dir / RUN_FILE
    if not path.is_file():  # a run from before the data check: its hash is all there is
        ds = load_dataset(data["spec"], size=int(size), channels=channels, seed=seed,
                          resize=data.get("resize_policy", DEFAULT_RESIZE_POLICY))
        if data.get("sha256") and data["sha256"] != ds.sha256:
            raise EdgeCReLUError(f"dataset {data['spec']} changed since training (sha256 differs from {what})")
        return ds
    check_data = read(path)
    name, source_path = parse_spec(check_data["spec"])
    per_image = bool(check_data["files"]) and all("label" in f for f in check_data["files"])
    ds = load_dataset(check_data["spec"], size=check_data["size"][0], channels=check_data["channels"],
                      seed=check_data["seed"], resize=check_data["resize_policy"],
                      listed=_listed(check_data) if per_image else None)
    changed = _differences(check_data, ds)
    if changed:
        raise EdgeCReLUError(f"the data of {what} changed since training: {len(changed)} file(s) differ from "
                             f"its data check {path}: {names(changed)}; restore them or train again")
    if ds.sha256 != check_data["sha256"]:  # generated data, or a file the check does not name
        raise EdgeCReLUError(f"dataset {check_data['spec']} changed since training (sha256 differs from {path})")
    if per_image and name == "imagefolder" and source_path:
        from edgecrelu.data.sources.imagefolder import unlisted

        added = unlisted(source_path, _listed(check_data), tuple(s["path"] for s in check_data["skipped"]))
        if added:
            logger.warning(f"warning: {len(added)} image(s) in {source_path} are not in the data check of {what} "
                           f"and are ignored (added after training; train again to use them): {names(added)}")
    return ds


def copy_for_bundle(run_dir: str | Path, ds: Dataset) -> dict:
    """The check the bundle carries: the run's own, or (a run from before the data check) one made
    from the data as export loaded it."""
    path = Path(run_dir) / RUN_FILE
    return read(path) if path.is_file() else build(ds)
