"""A run's work in progress on disk, so ``--resume`` loses no finished work.

``RESULTS/.partial/`` (not ``*.json``, so record readers never see it) holds, per cell, each finished
trial's result (``<cell key>/trial<k>.result``, stamped with a fingerprint of what it measured),
the worker's task / output / log files and the first trial's eval-set logits; besides, the timed
inputs per batch size (``inputs/``) and the FP32 reference logits (``ref/``). It belongs to one
bundle (``bundle_sha256``). Finished cells are records in ``RESULTS/`` itself; :func:`finished_records`
says which of them a run may keep.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import atomic_write, atomic_write_json, sha256_bytes
from edgecrelu.results import Cell, load_record, record_path

logger = logging.getLogger(__name__)

PARTIAL = ".partial"
_SHARED = ("inputs", "ref", "rounds")  # per-bundle caches and the rounds workers' task files, not a cell's trials


def _v(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def check_same_run(path: Path, rec: dict, expect: dict, host: str | None) -> None:
    """Refuse to keep a record this run could not have made: another host, or other ``expect``
    settings (``{key: value}``; ``seed`` is the paired rounds' seed). A report would compare the
    kept cells with the new ones as if one run had measured them all."""
    old_host = (rec.get("environment") or {}).get("host")
    if host is not None and old_host is not None and old_host != host:
        raise EdgeCReLUError(f"{path} was measured on host '{old_host}', not on this one ('{host}'); --resume "
                             "continues a run on the machine that made it: choose another --out")
    have = dict(rec.get("settings") or {}, seed=(rec.get("paired") or {}).get("seed"))
    diff = [f"{k} {_v(have[k])} (this run: {_v(v)})" for k, v in expect.items()
            if have.get(k) is not None and have[k] != v]
    if diff:
        raise EdgeCReLUError(f"{path} was measured with other settings ({', '.join(diff)}); --resume keeps records "
                             "of the same settings only: resume with that run's options, or choose another --out")


def finished_records(out: Path, cells: Iterable[Cell], resume: bool, manifest_sha: str, profile_name: str,
                     expect: Callable[[Cell], dict[str, Any]] | None = None,
                     host: str | None = None) -> dict[Cell, dict[str, Any]]:
    """{cell: record} of the selected cells already measured in ``out`` on this bundle and device.

    Without ``resume`` any such record is an error (never overwrite finished records by accident);
    a record that does not load is measured again. ``expect(cell)`` gives the settings this run
    measures the cell with, ``host`` this machine: a record of others is refused (:func:`check_same_run`).
    """
    done: dict[Cell, dict[str, Any]] = {}
    clash = [c for c in cells if record_path(out, c).exists()]
    if clash and not resume:
        raise EdgeCReLUError(
            f"{out} already has records for {len(clash)} of the selected cells (e.g. {clash[0].key}); "
            "pass --resume to keep them and measure the rest, or choose another --out")
    for c in clash:
        try:
            rec = load_record(record_path(out, c))
        except EdgeCReLUError as exc:
            logger.warning(f"re-measuring {c.key}: its record does not load ({exc})")
            continue
        if rec.get("bundle", {}).get("manifest_sha256") != manifest_sha:
            raise EdgeCReLUError(f"{record_path(out, c)} was measured on another bundle (manifest sha256 "
                                 "differs); choose another --out")
        other = rec.get("device_profile", {}).get("name")
        if other != profile_name:
            raise EdgeCReLUError(f"{record_path(out, c)} was measured with device profile '{other}', not "
                                 f"'{profile_name}'; choose another --out")
        check_same_run(record_path(out, c), rec, expect(c) if expect else {}, host)
        done[c] = rec
    return done


def input_batch(x: np.ndarray, batch: int) -> np.ndarray:
    """The timed loop's input: ``batch`` real eval images, the set tiled when it has fewer."""
    return np.ascontiguousarray(np.concatenate([x] * -(-batch // len(x)))[:batch])


class TrialStore:
    """``RESULTS/.partial`` of one run: trial results, worker tasks, cached inputs and references."""

    def __init__(self, out: Path, manifest_sha: str, profile_dict: dict, isolation: str, resume: bool):
        self.root = Path(out) / PARTIAL
        self.manifest_sha = manifest_sha
        self.profile_dict = profile_dict  # the profile as a worker parses it
        self.isolation = isolation
        self.resume = resume

    @property
    def ref_dir(self) -> Path:
        return self.root / "ref"

    def cell_dir(self, cell: Cell) -> Path:
        return self.root / cell.key

    def claim(self) -> None:
        """Cached inputs / reference logits / trials belong to one bundle: drop another's."""
        marker = self.root / "bundle_sha256"
        if self.root.is_dir() and (not marker.is_file() or marker.read_text().strip() != self.manifest_sha):
            shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True, exist_ok=True)
        marker.write_text(self.manifest_sha + "\n")

    def cleanup(self) -> None:
        """Remove the store once no cell has unfinished trials left in it."""
        if not self.root.is_dir():
            return
        if not any(p.is_dir() and p.name not in _SHARED for p in self.root.iterdir()):
            shutil.rmtree(self.root, ignore_errors=True)

    def fingerprint(self, cell: Cell) -> str:
        """What a trial measured: a stored trial is reused only when all of it is unchanged."""
        blob = json.dumps({"profile": self.profile_dict, "cell": cell.to_dict(), "bundle": self.manifest_sha,
                           "isolation": self.isolation}, sort_keys=True, default=str)
        return sha256_bytes(blob.encode())

    def load(self, cell: Cell) -> dict:
        """{trial index: result} of the cell's finished trials when resuming; otherwise start it over."""
        d = self.cell_dir(cell)
        if not self.resume:
            shutil.rmtree(d, ignore_errors=True)
            return {}
        got = {}
        fp = self.fingerprint(cell)
        for p in sorted(d.glob("trial*.result")):
            try:
                res = json.loads(p.read_text())
            except (OSError, ValueError):
                continue
            if res.get("fingerprint") == fp and "samples_ms" in res:
                got[int(res["trial"])] = res
        if 0 in got and not (got[0].get("logits") and Path(got[0]["logits"]).is_file()):
            got = {}  # the accuracy pass of trial 0 is missing: start the cell over
        return got

    def save(self, cell: Cell, k: int, res: dict) -> dict:
        """Keep trial ``k``'s result (stamped with its index and fingerprint) for a later resume."""
        res["trial"] = k
        res["fingerprint"] = self.fingerprint(cell)
        atomic_write_json(self.cell_dir(cell) / f"trial{k}.result", res)
        return res

    def drop(self, cell: Cell) -> None:
        """Forget a cell's trials once its record is written."""
        shutil.rmtree(self.cell_dir(cell), ignore_errors=True)

    def input_path(self, batch: int, eval_x: Callable[[], np.ndarray]) -> str:
        """The cached timed input of ``batch`` images; ``eval_x()`` is called only to create it."""
        p = self.root / "inputs" / f"b{batch}.npy"
        if not p.is_file():
            arr = input_batch(eval_x(), batch)
            atomic_write(p, lambda f: np.save(f, arr), binary=True)
        return str(p)

    def task(self, cell: Cell, k: int, bundle_root: Path, profile_path: str, input_path: str) -> dict:
        """The worker's task for trial ``k`` (``profiling/worker.py`` reads it): its files lie in the cell's dir."""
        d = self.cell_dir(cell)
        d.mkdir(parents=True, exist_ok=True)
        return {
            "bundle": str(bundle_root), "manifest_sha256": self.manifest_sha,  # the worker checks it is unchanged
            "profile": self.profile_dict, "profile_path": profile_path,
            "cell": cell.to_dict(), "trial": k, "input": input_path,
            "accuracy": k == 0, "logits_out": str(d / "logits.npy"), "out": str(d / f"trial{k}.out"),
        }
