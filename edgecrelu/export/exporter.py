"""``export_bundle``: a train run's checkpoints -> a deployment bundle (docs/contracts.md).

Per variant: dynamo export (fp32 ``graph``), full ONNX check, ORT-vs-PyTorch parity (fails above
``parity_tol``), every requested CReLU form checked equal to ``graph`` on the eval set (fails above
``form_tol``), then FP16 and INT8 (QDQ) of each form with their accuracy against FP32. Everything
is built in a temporary directory (:class:`~edgecrelu.bundle.BundleWriter`) and renamed at the end,
so a failed export leaves nothing that looks like a bundle.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from edgecrelu.bundle import BundleWriter
from edgecrelu.data.datacheck import BUNDLE_FILE
from edgecrelu.data.dataset import Dataset
from edgecrelu.errors import EdgeCReLUError, require, unknown
from edgecrelu.export import CALIB_METHODS, INT8_WEIGHTS, MIN_OPSET
from edgecrelu.export.checkpoints import Checkpoint, read_run, select_checkpoints
from edgecrelu.export.forms import get_form
from edgecrelu.export.forms.sites import count_ops, find_crelu_sites
from edgecrelu.export.fp16 import to_fp16
from edgecrelu.export.int8 import quantize_int8
from edgecrelu.export.macs import onnx_macs
from edgecrelu.export.onnx_export import (
    INPUT_NAME,
    OUTPUT_NAME,
    accuracy,
    check,
    export_onnx,
    finite_logits,
    max_abs_diff,
    opset_of,
    ort_logits,
    torch_logits,
)
from edgecrelu.export.sample_size import calib_advice, eval_size_lines
from edgecrelu.export.shift_sets import write_shift_sets
from edgecrelu.fileio import writing
from edgecrelu.registries import FORMS
from edgecrelu.registries import ONNX_PRECISIONS as PRECISIONS
from edgecrelu.shifts import parse_spec as parse_shifts
from edgecrelu.variant import is_crelu_kind, split_name

logger = logging.getLogger(__name__)

DEFAULT_FORMS = tuple(FORMS)  # every form; one a site cannot take leaves it as exported


@dataclass(frozen=True)
class ExportConfig:
    run_dir: Path  # a finished `edgecrelu train` run (runs/NAME)
    out: Path  # the bundle directory to create
    variants: tuple[str, ...] | None = None  # None: every variant of the run
    precisions: tuple[str, ...] = PRECISIONS  # subset of fp32, fp16, int8
    forms: tuple[str, ...] = DEFAULT_FORMS  # CReLU forms for CReLU variants (relu has only "graph")
    calib_size: int = 256  # calibration images, drawn from the training split
    calib_method: str = "minmax"  # minmax | entropy | percentile
    calib_seed: int = 0  # seeds the draw of calibration images
    int8_weights: str = "reduced"  # reduced (7-bit range) | full (export/int8.py, docs/platform-notes.md)
    eval_size: int | None = None  # eval images from the test split; None: all of it
    seed: int | None = None  # training seed whose checkpoint is taken; None: each variant's first
    opset: int = 18  # ONNX opset, recorded in the manifest
    parity_tol: float = 1e-4  # max |ORT fp32 - PyTorch| allowed, else the export fails
    parity_n: int = 64  # eval images in the PyTorch parity batch (accuracy uses the whole eval set)
    form_tol: float = 1e-5  # max |form - graph| allowed (fp32, ORT), else the export fails
    max_int8_drop: float = 1.0  # top-1 drop (points) of INT8 vs FP32 above which export warns
    overwrite: bool = False  # replace an existing bundle at ``out``
    shifts: str = "default"  # shifted eval sets: none | default | NAME[@SEVERITY],... (edgecrelu/shifts.py)
    shift_images: int = 300  # eval images per shifted set (the first N)

    def validate(self) -> None:
        for p in self.precisions:
            if p not in PRECISIONS:
                raise unknown("precision", p, PRECISIONS)
        for f in self.forms:
            if f not in FORMS:
                raise unknown("form", f, FORMS)
        if not self.precisions:
            raise EdgeCReLUError("no precision selected; choose from: " + ", ".join(PRECISIONS))
        if not self.forms:
            raise EdgeCReLUError("no form selected; choose from: " + ", ".join(FORMS))
        if self.calib_method not in CALIB_METHODS:
            raise unknown("calibration method", self.calib_method, CALIB_METHODS)
        if self.int8_weights not in INT8_WEIGHTS:
            raise unknown("int8 weight range", self.int8_weights, INT8_WEIGHTS)
        if "int8" in self.precisions and self.calib_size < 1:
            raise EdgeCReLUError(f"--calib-size must be at least 1 for int8 (got {self.calib_size})")
        parse_shifts(self.shifts)  # an unknown shift: refused before the work
        if self.eval_size is not None and self.eval_size < 1:
            raise EdgeCReLUError(f"--eval-size must be at least 1 (got {self.eval_size})")
        newest = onnx.defs.onnx_opset_version()
        if not MIN_OPSET <= self.opset <= newest:
            raise EdgeCReLUError(f"--opset {self.opset}: the installed onnx {onnx.__version__} writes opsets "
                                 f"{MIN_OPSET} to {newest}")


def _row_hashes(x: np.ndarray) -> list[bytes]:
    return [hashlib.sha1(r.tobytes()).digest() for r in np.ascontiguousarray(x)]


def draw_eval_calib(ds: Dataset, calib_size: int, calib_seed: int,
                    eval_size: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(eval_x, eval_y, eval_idx, calib_x, calib_idx)``: eval from the test split (all of it, or a
    seeded subset of ``eval_size``), calibration from the training split; training images identical
    to an eval image are never drawn (digits has duplicates across splits). Indices are the source's."""
    rng = np.random.default_rng(calib_seed)
    n_test = len(ds.y_test)
    take = np.arange(n_test) if eval_size is None or eval_size >= n_test else np.sort(rng.permutation(n_test)[:eval_size])
    ex, ey = ds.x_test[take], ds.y_test[take].astype(np.int64)
    eidx = np.asarray(ds.indices.get("test", np.arange(n_test)))[take].astype(np.int64)
    seen = set(_row_hashes(ex))
    ok = np.array([h not in seen for h in _row_hashes(ds.x_train)], dtype=bool)
    pool = np.flatnonzero(ok)
    pick = np.sort(rng.permutation(pool)[: min(calib_size, len(pool))])
    tidx = np.asarray(ds.indices.get("train", np.arange(len(ds.y_train)))).astype(np.int64)
    return ex, ey, eidx, ds.x_train[pick].astype(np.float32), tidx[pick]


def _counts(model, ckpt: Checkpoint) -> dict:
    rec = ckpt.record
    if rec.get("params") is not None and rec.get("macs") is not None:
        return {"params": int(rec["params"]), "macs": int(rec["macs"])}
    from edgecrelu.nn.counting import count_model

    c = count_model(model, tuple(ckpt.arch["input_shape"]))
    return {"params": int(c["params"]), "macs": int(c["macs"])}


def _load_model(ckpt: Checkpoint):
    from edgecrelu.nn.build import build_model, load_checkpoint

    return load_checkpoint(build_model(ckpt.arch), ckpt.weights).eval()


def _versions() -> dict:
    import onnxruntime
    import torch

    return {"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__}


@dataclass(frozen=True)
class _Data:
    """What every variant is checked on."""

    ds: Dataset  # of the run
    check: dict  # its data check (edgecrelu/data/datacheck.py), carried in the bundle
    ex: np.ndarray  # eval images (test split), preprocessed
    ey: np.ndarray  # eval labels
    eidx: np.ndarray  # their indices in the data source
    cx: np.ndarray  # calibration images (train split)
    cidx: np.ndarray  # their indices in the data source


def _load_data(run: dict, run_dir: Path, config: ExportConfig) -> _Data:
    from edgecrelu.data import datacheck

    # through the run's data check: its files only (no corrupt one re-read), refused by name if changed
    ds = datacheck.load_for_run(run.get("data", {}), run_dir, f"the train run {run_dir}")
    if run.get("data", {}).get("sha256") and run["data"]["sha256"] != ds.sha256:
        raise EdgeCReLUError(f"dataset {ds.spec} changed since training (sha256 differs from {run_dir}/run.json)")
    check = datacheck.copy_for_bundle(run_dir, ds)
    return _Data(ds, check, *draw_eval_calib(ds, config.calib_size, config.calib_seed, config.eval_size))


def _precision(fp32, f_logits, acc32: dict, prec: str, d: _Data, config: ExportConfig, form_name: str = "graph",
               variant: str = ""):
    """``(proto, logits, manifest fields)`` of one precision of one form (of ``variant``, for messages)."""
    if prec == "fp32":
        return fp32, f_logits, {"accuracy": acc32}
    if prec == "fp16":
        proto = to_fp16(fp32)
    else:
        proto = get_form(form_name).post_quantize(
            quantize_int8(fp32, d.cx, config.calib_method, weights=config.int8_weights))
    check(proto)
    logits = finite_logits(ort_logits(proto, d.ex), f"{variant} {form_name} {prec} (ONNX Runtime)".lstrip())
    acc = accuracy(logits, d.ey)
    drop = round(100.0 * (acc32["top1"] - acc["top1"]), 4)
    info = {"accuracy": acc, "vs_fp32": {
        "top1_drop_pts": drop,
        "agreement_top1": float(np.mean(np.argmax(logits, 1) == np.argmax(f_logits, 1))),
        "max_abs_diff": max_abs_diff(logits, f_logits),
    }}
    if prec == "int8":
        info["quantization"] = {"format": "QDQ", "per_channel": True, "symmetric": True,
                                "activation_type": "int8", "weight_type": "int8",
                                "weight_range": config.int8_weights,
                                "method": config.calib_method, "calib_n": int(len(d.cx)), "top1_drop_pts": drop}
    return proto, logits, info


class _Progress:
    def __init__(self, total: int):
        self.total, self.done = total, 0

    def step(self, msg: str) -> None:
        self.done += 1
        logger.info(f"[{self.done}/{self.total}] {msg}")


def _export_variant(w: BundleWriter, ck: Checkpoint, forms: list[str], d: _Data, config: ExportConfig,
                    progress: _Progress, warnings: list[str],
                    correct: dict[str, np.ndarray] | None = None) -> tuple[dict, list[dict]]:
    """Export one checkpoint in every form and precision into ``w``; ``(variant entry, artifacts)``;
    the variant's per-image fp32 correctness goes into ``correct`` (the sample-size line)."""
    kind, depth = split_name(ck.variant)
    model = _load_model(ck)
    in_shape = tuple(ck.arch["input_shape"])
    if tuple(d.ex.shape[1:]) != in_shape:
        raise EdgeCReLUError(f"{ck.variant}: model input {list(in_shape)} does not match the data {list(d.ex.shape[1:])}")
    t0 = time.perf_counter()
    graph = export_onnx(model, in_shape, config.opset)
    xp = d.ex[: config.parity_n]
    ref = finite_logits(torch_logits(model, xp), f"{ck.variant} (PyTorch, checkpoint {ck.weights})")
    g_logits = finite_logits(ort_logits(graph, d.ex), f"{ck.variant} graph fp32 (ONNX Runtime)")
    if correct is not None:
        correct[ck.variant] = np.argmax(g_logits, 1) == d.ey
    parity = max_abs_diff(g_logits[: len(xp)], ref)
    if not parity <= config.parity_tol:  # NaN-safe: a NaN difference fails too
        raise EdgeCReLUError(f"{ck.variant}: ONNX Runtime differs from PyTorch by {parity:.2e} "
                             f"(> {config.parity_tol:g}); bundle not written")
    sites = len(find_crelu_sites(graph.graph))
    if is_crelu_kind(kind) and sites == 0:
        raise EdgeCReLUError(f"{ck.variant}: no CReLU found in the exported graph; cannot write its forms")
    logger.info(f"{ck.variant}: exported (opset {config.opset}, {sites} CReLU sites, parity {parity:.1e}, "
                f"{time.perf_counter() - t0:.1f}s)")
    shutil.copyfile(ck.weights, w.file(f"{ck.variant}/weights.pt"))
    w.write_json(f"{ck.variant}/arch.json", ck.arch)

    artifacts, form_info = [], {}
    for form_name in forms:
        fp32, rewritten, _ = get_form(form_name).apply_counted(graph)
        if form_name != "graph" and rewritten == 0:
            # no site meets the form's preconditions: the file would be graph again; say why, write none
            why = f"none of the {sites} CReLU sites can take it (see edgecrelu/export/forms/{form_name}.py)"
            form_info[form_name] = {"sites": sites, "sites_rewritten": 0, "skipped": why}
            logger.info(f"{ck.variant}: form {form_name} skipped: {why}")
            progress.done += len(config.precisions)
            continue
        check(fp32)
        f_logits = g_logits if form_name == "graph" else finite_logits(
            ort_logits(fp32, d.ex), f"{ck.variant} {form_name} fp32 (ONNX Runtime)")
        form_diff = max_abs_diff(f_logits, g_logits)
        if not form_diff <= config.form_tol:  # NaN-safe
            raise EdgeCReLUError(f"{ck.variant}: form {form_name} differs from graph by {form_diff:.2e} "
                                 f"(> {config.form_tol:g}); bundle not written")
        if form_name != "graph" and rewritten < sites:
            logger.info(f"{ck.variant}: form {form_name} rewrote {rewritten} of {sites} CReLU sites "
                        f"(the others cannot take it and stay as exported)")
        macs = onnx_macs(fp32)
        form_info[form_name] = {"sites": sites, "sites_rewritten": rewritten, "macs": macs, "ops": count_ops(fp32)}
        acc32 = accuracy(f_logits, d.ey)
        for prec in config.precisions:
            t0 = time.perf_counter()
            rel = f"{ck.variant}/{form_name}.{prec}.onnx"
            proto, logits, info = _precision(fp32, f_logits, acc32, prec, d, config, form_name, ck.variant)
            if opset_of(proto) != config.opset:  # the manifest says what each file is
                raise EdgeCReLUError(f"{rel}: opset {opset_of(proto)} where {config.opset} was asked; bundle not written")
            onnx.save(proto, w.file(rel))
            artifacts.append({"variant": ck.variant, "form": form_name, "precision": prec, "path": rel,
                              "macs": macs, "parity_max_abs_diff": max_abs_diff(logits[: len(xp)], ref),
                              "parity_n": int(len(xp)), "form_max_abs_diff": form_diff, **info})
            drop = info.get("vs_fp32", {}).get("top1_drop_pts")
            progress.step(f"{rel}: top1 {info['accuracy']['top1']:.4f}"
                          + (f", {drop:.2f} pts below fp32" if drop is not None else "")
                          + f" ({time.perf_counter() - t0:.1f}s)")
            if prec == "int8" and drop > config.max_int8_drop:
                msg = (f"{ck.variant} {form_name} int8 loses {drop:.2f} top-1 points vs fp32 "
                       f"(> {config.max_int8_drop:g}); try --calib-method entropy or percentile"
                       + calib_advice(len(d.cx), config.calib_size, len(d.ds.y_train)))
                warnings.append(msg)
                logger.warning("warning: " + msg)
    entry = {
        "kind": kind, "depth": depth, **_counts(model, ck),
        "checkpoint_sha256": ck.weights_sha256, "seed": ck.seed, "train": ck.train,
        "torch": {"weights": f"{ck.variant}/weights.pt", "arch": f"{ck.variant}/arch.json"},
        "forms": form_info,
    }
    return entry, artifacts


def incomplete_run(run_dir: Path, run: dict) -> str | None:
    """The warning for a train run that did not finish (run.json ``complete: false``): which of its
    variants and seeds have no checkpoint; None for a finished run."""
    if run.get("complete") is not False:
        return None
    have = {(e.get("variant"), e.get("seed")) for e in run.get("checkpoints") or []}
    missing = [f"{v} seed {s}" for v in run.get("variants") or [] for s in run.get("seeds") or [0]
               if (v, s) not in have]
    what = f"no checkpoint for {', '.join(missing)}" if missing else "not every checkpoint finished"
    return (f"the train run {run_dir} is incomplete (complete: false; {what}): the bundle holds only the finished "
            "variants; `edgecrelu train ... --resume` finishes the run")


def export_bundle(config: ExportConfig) -> Path:
    """Write the bundle described by ``config``; return its path. Logs one line per step."""
    config.validate()
    require("torch", "torch", "export runs on the training side")
    require("onnxscript", "torch", "the dynamo ONNX exporter needs it")
    if Path(config.out).exists() and not config.overwrite:  # before minutes of work, not after
        raise EdgeCReLUError(f"{config.out} already exists; choose another --out or pass --overwrite")
    t_start = time.perf_counter()
    run_dir = Path(config.run_dir)
    # the output first (locked, its temporary directory made): an unwritable --out fails before the work
    with writing("the bundle", config.out), BundleWriter(config.out, overwrite=config.overwrite) as w:
        run = read_run(run_dir)
        ckpts = select_checkpoints(run_dir, run, config.variants, config.seed)
        d = _load_data(run, run_dir, config)
        short = f" of the {config.calib_size} asked: every usable training image" if len(d.cx) < config.calib_size else ""
        logger.info(f"data {d.ds.spec}: eval {len(d.ey)} images (test split), calibration {len(d.cx)}{short} "
                    "(train split)")

        plan = [(ck, list(config.forms) if is_crelu_kind(split_name(ck.variant)[0]) else ["graph"]) for ck in ckpts]
        progress = _Progress(sum(len(forms) * len(config.precisions) for _, forms in plan))
        variants: dict[str, Any] = {}
        artifacts: list[dict[str, Any]] = []
        warnings: list[str] = []
        unfinished = incomplete_run(run_dir, run)
        if unfinished:  # an interrupted training: the bundle lacks models the run was to train
            warnings.append(unfinished)
            logger.warning("warning: " + unfinished)
        np.savez(w.file("data/calib.npz"), x=d.cx, index=d.cidx)
        np.savez(w.file("data/eval.npz"), x=d.ex, y=d.ey, index=d.eidx)
        shift_sets = write_shift_sets(w, d.ex, d.ey, d.ds.preprocessing, config.shifts, config.shift_images)
        w.write_json(BUNDLE_FILE, d.check)
        correct: dict[str, np.ndarray] = {}
        for ck, forms in plan:
            variants[ck.variant], arts = _export_variant(w, ck, forms, d, config, progress, warnings, correct)
            artifacts += arts
        size_lines, size_warnings = eval_size_lines(correct)  # what the report's accuracy budget will need
        for line in size_lines:
            logger.info(line)
        for msg in size_warnings:
            warnings.append(msg)
            logger.warning("warning: " + msg)
        arch = ckpts[0].arch
        manifest = {
            "model": {
                "arch": arch.get("arch", run.get("model", {}).get("arch")),
                "arch_args": arch.get("arch_args", run.get("model", {}).get("arch_args", {})),
                "input_name": INPUT_NAME, "output_name": OUTPUT_NAME,
                "input_shape": list(arch["input_shape"]),
                "num_classes": int(arch.get("num_classes", d.ds.num_classes)),
                "class_names": list(d.ds.class_names), "opset": config.opset,
            },
            "preprocessing": dict(d.ds.preprocessing),
            "recipe": run.get("recipe") if isinstance(run.get("recipe"), dict) else None,  # the report's data line
            "dataset": {
                "spec": d.ds.spec, "sha256": d.ds.sha256, "seed": d.ds.seed,
                "name": d.ds.source.get("name"), "synthetic": bool(d.ds.source.get("synthetic")), "source": d.ds.source,
                "calib": {"path": "data/calib.npz", "split": "train", "n": int(len(d.cx)), "seed": config.calib_seed},
                "eval": {"path": "data/eval.npz", "split": "test", "n": int(len(d.ey))},
                "check": BUNDLE_FILE, "resize_policy": d.check["resize_policy"], "splits": d.check["splits"],
                "skipped": d.check["skipped"], **({"shifts": shift_sets} if shift_sets else {}),
            },
            "variants": variants,
            "artifacts": artifacts,
            "export": {
                "run_dir": str(run_dir), "versions": _versions(), "exporter": "torch.onnx.export(dynamo=True)",
                "parity_tol": config.parity_tol, "form_tol": config.form_tol,
                "max_int8_drop_pts": config.max_int8_drop, "wall_s": round(time.perf_counter() - t_start, 2),
            },
            "warnings": warnings,
        }
        out = w.commit(manifest)
    logger.info(f"bundle written: {out} ({len(artifacts)} artifacts, {time.perf_counter() - t_start:.1f}s)")
    return out
