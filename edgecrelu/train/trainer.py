"""``train_run(TrainConfig) -> runs/NAME``: one training recipe for every (variant, seed).

Layout (docs/contracts.md "Train run")::

    runs/NAME/run.json                      every checkpoint + per-variant test accuracy mean ± std
    runs/NAME/<variant>/seed<k>/weights.pt  state_dict (torch.load(..., weights_only=True))
    runs/NAME/<variant>/seed<k>/arch.json   what edgecrelu.nn.build.build_model needs
    runs/NAME/<variant>/seed<k>/record.json history, accuracies, params, MACs, versions, weights_sha256

Under ``torchrun`` (``WORLD_SIZE`` > 1) it trains with DDP (:mod:`edgecrelu.train.distributed`), each
rank sees its DistributedSampler shard, and only rank 0 evaluates and writes.
"""

from __future__ import annotations

import logging
import os
import random
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np

from edgecrelu.errors import EdgeCReLUError, require
from edgecrelu.fileio import DirLock, atomic_write_json, utc_now, writing
from edgecrelu.runfile import RECORD_KIND, SCHEMA_VERSION
from edgecrelu.train.config import TrainConfig, check_device, input_size_of, recipe, seeds_of
from edgecrelu.train.distributed import barrier, close, init_dist
from edgecrelu.train.loop import evaluate, recalibrate_bn, train_one
from edgecrelu.train.models import build, resolve_variants
from edgecrelu.train.rundir import (
    check_existing,
    load_record,
    run_header,
    save_weights,
    variant_dir,
    versions,
    write_run_json,
)
from edgecrelu.validate import require_finite
from edgecrelu.variant import is_distilled, split_name

logger = logging.getLogger(__name__)


def train_run(config: TrainConfig) -> Path:
    """Train every (variant, seed) of ``config`` into ``config.out``; return that directory.

    Errors in the model, variants, data or output directory are raised (one line) before any
    training starts. Progress lines are logged by rank 0 only. One process
    trains into a run directory at a time (an advisory lock; under torchrun rank 0 holds it).
    """
    out = Path(config.out)
    rank0 = os.environ.get("RANK", "0") == "0"  # under torchrun rank 0 holds the lock and writes
    lock = DirLock(out.parent / f".{out.name}.lock", f"train run directory {out}") if rank0 else nullcontext()
    with lock, writing("the train run", out):
        return _train_run(config)


def _train_run(config: TrainConfig) -> Path:
    cfg = config
    check_device(cfg)
    torch = require("torch", "torch")
    if cfg.device == "cuda" and not torch.cuda.is_available():
        raise EdgeCReLUError(f"--device cuda: torch {torch.__version__} sees no CUDA GPU here; use --device cpu")
    seeds = seeds_of(cfg)
    out = Path(cfg.out)

    from edgecrelu.data import datacheck, load_dataset

    resolve_variants(cfg)  # names first: a typo fails before the data loads
    input_size = input_size_of(cfg)
    if cfg.checkpoint and not Path(cfg.checkpoint).is_file():
        raise EdgeCReLUError(f"--checkpoint {cfg.checkpoint} does not exist")
    rec_recipe = recipe(cfg, input_size)
    ds = load_dataset(cfg.data, size=input_size, channels=cfg.channels, seed=cfg.data_seed, resize=cfg.resize)
    variants = resolve_variants(cfg, ds, input_size)
    for v in variants:  # every variant must build (depth within the model's sites, ...) before training
        build(cfg, v, ds, input_size)
    teachers = []
    if cfg.distill_from:  # a teacher of other classes or input is refused before any training
        from edgecrelu.train.distill import check_teacher, open_teachers

        teachers = open_teachers(cfg.distill_from)
        for t in teachers:
            check_teacher(t, ds.num_classes, ds.input_shape, list(ds.class_names))
    elif any(is_distilled(v) for v in variants) and "relu" not in variants:
        raise EdgeCReLUError(f"{', '.join(v for v in variants if is_distilled(v))} learn(s) from this run's relu: "
                             "add relu to --variants or give --distill-from")
    header = run_header(cfg, ds, input_size, rec_recipe, variants, seeds)
    old_variants, old_seeds = check_existing(out, header, cfg.resume)
    header["variants"] = old_variants + [v for v in variants if v not in old_variants]
    header["seeds"] = old_seeds + [s for s in seeds if s not in old_seeds]
    # +kd variants last: the run's relu checkpoint of their seed teaches them
    todo = [(v, s) for v in sorted(variants, key=is_distilled) for s in seeds
            if not (cfg.resume and load_record(out, v, s) is not None)]

    dist_ = init_dist(cfg.device)
    flushed = torch.set_flush_denormal(True)  # denormal gradients slow CPU training several-fold
    threads_before = torch.get_num_threads()  # restored at the end: a library call leaves no trace
    try:
        if cfg.threads:
            torch.set_num_threads(int(cfg.threads))
        elif dist_.world > 1 and cfg.device == "cpu":
            torch.set_num_threads(1)  # ranks share the cores; more threads each only oversubscribe
        device = torch.device("cuda", dist_.local_rank) if cfg.device == "cuda" else torch.device("cpu")
        if cfg.device == "cuda":
            torch.cuda.set_device(device)
        started, t_run = utc_now(), time.perf_counter()
        barrier(dist_)  # every rank has read the old state before rank 0 writes
        skipped = len(variants) * len(seeds) - len(todo)
        if skipped and dist_.main:
            logger.info(f"[edgecrelu] resume: {skipped} checkpoint(s) already finished in {out}")
        if dist_.main:
            out.mkdir(parents=True, exist_ok=True)
            datacheck.write(out / datacheck.RUN_FILE, ds)  # what export and convert load the data through
            for line in datacheck.describe(ds, str(out / datacheck.RUN_FILE)):
                (logger.warning if line.startswith("warning") else logger.info)(line)
            write_run_json(out, header, started, 0.0)
        for i, (variant, seed) in enumerate(todo):
            tag = f"[{i + 1}/{len(todo)}] {variant} seed {seed}"
            t0 = time.perf_counter()
            torch.manual_seed(seed)
            np.random.seed(seed)
            random.seed(seed)
            model, arch_json, counts = build(cfg, variant, ds, input_size)
            if dist_.main:
                logger.info(f"{tag}: {counts['params']:,} params, {counts['macs'] / 1e6:.1f} M MACs, "
                            f"{len(ds.y_train)} train images, {dist_.world} process(es) on {device}")
            teacher = None
            if teachers or is_distilled(variant):
                from edgecrelu.train.distill import open_checkpoint, pick

                teacher = pick(teachers, seed) if teachers else open_checkpoint(variant_dir(out, "relu", seed))
                if dist_.main:
                    logger.info(f"{tag}: distilled from {teacher.dir} (T {cfg.distill_temperature:g}, "
                                f"weight {cfg.distill_weight:g})")
            history = train_one(model, ds, rec_recipe, seed, device, dist_, tag,
                                teacher=teacher.model(device) if teacher is not None else None)
            if dist_.main:
                recalibrate_bn(model, ds.x_train, device)
                val_acc = evaluate(model, ds.x_val, ds.y_val, device)
                test_acc = evaluate(model, ds.x_test, ds.y_test, device)
                d = variant_dir(out, variant, seed)
                sha = save_weights(model, d / "weights.pt")
                atomic_write_json(d / "arch.json", arch_json)
                kind, depth = split_name(variant)
                record = {
                    "schema_version": SCHEMA_VERSION, "kind": RECORD_KIND, "created_utc": utc_now(),
                    "variant": variant, "variant_kind": kind, "depth": depth,
                    "arch": arch_json["arch"], "arch_args": arch_json["arch_args"],
                    "input_shape": list(ds.input_shape), "num_classes": ds.num_classes,
                    "data": ds.summary(), "recipe": rec_recipe, "seed": seed,
                    "history": history, "val_acc": val_acc, "test_acc": test_acc,
                    "params": int(counts["params"]), "macs": int(counts["macs"]),
                    "device": str(device), "world_size": dist_.world, "threads": torch.get_num_threads(),
                    "versions": versions(), "wall_time_s": round(time.perf_counter() - t0, 3),
                    "weights_sha256": sha,
                }
                if teacher is not None:  # the teacher's architecture and checkpoint hash, with the settings
                    record["distill"] = {**rec_recipe["distill"], "teacher": teacher.describe()}
                require_finite(record, f"{tag}: {d / 'record.json'}")
                atomic_write_json(d / "record.json", record)  # last: marks the checkpoint finished
                write_run_json(out, header, started, time.perf_counter() - t_run)
                logger.info(f"{tag}: val {val_acc:.4f}  test {test_acc:.4f}  "
                            f"({record['wall_time_s']:.1f} s) -> {d}")
            barrier(dist_)
        if dist_.main:
            run = write_run_json(out, header, started, time.perf_counter() - t_run)
            for v, s in run["summary"].items():
                if v in variants:
                    logger.info(f"[edgecrelu] {v:>16}: test acc {s['test_acc_mean']:.4f} ± {s['test_acc_std']:.4f} "
                                f"over {s['n']} seed(s); {s['params']:,} params, {s['macs'] / 1e6:.1f} M MACs")
            logger.info(f"[edgecrelu] wrote {out / 'run.json'}")
        barrier(dist_)
    finally:
        torch.set_num_threads(threads_before)
        if flushed:
            torch.set_flush_denormal(False)
        close(dist_)
    return out
