"""One training recipe for every variant: ``train_run(TrainConfig) -> runs/NAME``.

Layout (docs/contracts.md "Train run")::

    runs/NAME/run.json                      every checkpoint + per-variant test accuracy mean ± std
    runs/NAME/<variant>/seed<k>/weights.pt  state_dict (torch.load(..., weights_only=True))
    runs/NAME/<variant>/seed<k>/arch.json   what edgecrelu.nn.build.build_model needs
    runs/NAME/<variant>/seed<k>/record.json history, accuracies, params, MACs, versions, weights_sha256

Every file is written atomically and ``record.json`` last, so a checkpoint directory with a valid
record whose ``weights_sha256`` matches is finished: ``resume`` skips it, an interrupt never leaves
a half one that counts. Under ``torchrun`` (``WORLD_SIZE`` > 1) it trains with DDP (gloo on CPU,
nccl on CUDA), each rank sees its DistributedSampler shard, and only rank 0 evaluates and writes.
"""

from __future__ import annotations

import math
import os
import platform
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from edgecrelu import __version__
from edgecrelu.distribution import summarize
from edgecrelu.errors import EdgeCReLUError, require, unknown
from edgecrelu.fileio import atomic_write, atomic_write_json, read_json_object, sha256_file, utc_now
from edgecrelu.runfile import RECORD_KIND, RUN_KIND, SCHEMA_VERSION
from edgecrelu.variant import split_name

OPTIMIZERS = {"sgd": 0.05, "adamw": 0.002}  # name -> default learning rate
WEIGHT_DECAY = {"sgd": 5e-4, "adamw": 0.05}
USER_DEFAULT_INPUT_SIZE = 32  # for package.module:callable models (the zoo entries carry their own)


@dataclass(frozen=True)
class TrainConfig:
    model: str = "convpool-c"  # zoo name or package.module:callable
    variants: tuple[str, ...] | None = None  # None -> edgecrelu.nn.variants.default_variants(model)
    data: str = "digits"  # data spec (edgecrelu.data.load_dataset)
    out: str = "runs/train"  # run directory
    epochs: int = 10  # same for every variant
    seeds: tuple[int, ...] = (0,)  # one checkpoint per (variant, seed); seed noise shows in run.json
    width: float | None = None  # width multiplier (None: the architecture's default, 1.0)
    input_size: int | None = None  # square input side (None: the zoo entry's default; 32 for user models)
    channels: int | None = None  # force 1 or 3 input channels (None: the data's own)
    batch_size: int = 64  # global batch (split across DDP ranks)
    lr: float | None = None  # peak learning rate (None: the optimizer's default)
    optimizer: str = "sgd"  # sgd (momentum 0.9, nesterov) | adamw
    weight_decay: float | None = None  # None: the optimizer's default
    label_smoothing: float = 0.1  # cross-entropy label smoothing
    shift: int | None = None  # random-shift augmentation in pixels (pad + crop); None: size // 16; 0 off
    warmup: float = 0.05  # share of steps with a linear warm-up before the cosine decay
    data_seed: int = 0  # split seed: the same split for every variant and seed
    resume: bool = False  # continue runs/NAME, skipping finished (variant, seed)
    device: str = "cpu"  # cpu | cuda
    skip_bad: bool = False  # skip (and count) unreadable images instead of failing
    checkpoint: str | None = None  # state dict to start every variant from (user models)
    threads: int | None = None  # torch intra-op threads (None: torch's default; 1 per rank under DDP)


# -- small helpers ------------------------------------------------------------------------------


def _log_default(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def variant_dir(out: Path, variant: str, seed: int) -> Path:
    return Path(out) / variant / f"seed{seed}"


def _versions() -> dict:
    import torch

    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
            "edgecrelu": __version__}


_HASHES: dict[tuple, str] = {}  # (path, size, mtime_ns) -> sha256: run.json is rewritten after each checkpoint


def _weights_sha256(path: Path) -> str:
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        _HASHES[key] = sha256_file(path)
    return _HASHES[key]


def load_record(out: Path, variant: str, seed: int) -> dict | None:
    """The record of a finished checkpoint, or None if missing, unreadable or its weights do not match."""
    d = variant_dir(out, variant, seed)
    try:
        rec = read_json_object(d / "record.json", "training record")
    except EdgeCReLUError:
        return None
    if rec.get("kind") != RECORD_KIND:
        return None
    w = d / "weights.pt"
    if not w.is_file() or not (d / "arch.json").is_file() or _weights_sha256(w) != rec.get("weights_sha256"):
        return None
    return rec


# -- distributed ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Dist:
    rank: int  # global rank
    world: int  # number of processes
    local_rank: int  # rank on this node (GPU index)
    owned: bool  # we initialised the process group (so we tear it down)

    @property
    def main(self) -> bool:
        return self.rank == 0


def _init_dist(device: str) -> _Dist:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return _Dist(0, 1, 0, False)
    import torch.distributed as dist

    owned = False
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device == "cuda" else "gloo")
        owned = True
    return _Dist(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")), owned)


def _barrier(d: _Dist) -> None:
    if d.world > 1:
        import torch.distributed as dist

        dist.barrier()


# -- the nn side (edgecrelu.nn) ----------------------------------------------------------------------


def _resolve_variants(cfg: TrainConfig, ds=None, input_size: int | None = None) -> list[str]:
    """Canonical variant names; without ``ds`` only the names are checked (cheap, before loading data)."""
    from edgecrelu.nn.variants import default_variants, parse_variant

    if cfg.variants:
        names = [parse_variant(v).name for v in cfg.variants]  # unknown kind / bad depth -> one line
    elif ds is None:
        return []
    else:
        names = list(default_variants(cfg.model, in_channels=ds.input_shape[0], num_classes=ds.num_classes,
                                      input_size=input_size, arch_args=_arch_args(cfg)))
    if len(set(names)) != len(names):
        raise EdgeCReLUError(f"variant listed twice in {','.join(names)}")
    return names


def _input_size(cfg: TrainConfig) -> int:
    if cfg.input_size is not None:
        if cfg.input_size < 8:
            raise EdgeCReLUError(f"--input-size must be at least 8 pixels (got {cfg.input_size})")
        return int(cfg.input_size)
    if ":" in cfg.model:
        return USER_DEFAULT_INPUT_SIZE
    from edgecrelu.nn.zoo import get_entry

    return int(get_entry(cfg.model).default_input_size)


def _arch_args(cfg: TrainConfig) -> dict | None:
    return {"width": float(cfg.width)} if cfg.width is not None else None


def _build(cfg: TrainConfig, variant: str, ds, input_size: int):
    """(model, arch_json, counts) for one variant.

    With ``--checkpoint`` the weights go into the plain model first and the variant is derived from
    it (``preserve_function``: a ``crelu`` consumer starts as ``[W, 0]``, ``crelu-half`` keeps the first
    half of the filters), so every variant starts from the same pretrained network.
    """
    from edgecrelu.nn.build import instantiate, load_checkpoint, make_model
    from edgecrelu.nn.counting import count_model
    from edgecrelu.nn.variants import apply_variant

    kw = dict(in_channels=ds.input_shape[0], num_classes=ds.num_classes, input_size=input_size,
              arch_args=_arch_args(cfg))
    model, arch_json = make_model(cfg.model, variant, **kw)
    if cfg.checkpoint:
        plain, input_shape, _ = instantiate(cfg.model, **kw)
        load_checkpoint(plain, cfg.checkpoint)
        model = apply_variant(plain, variant, input_shape, preserve_function=True)
    counts = count_model(model, tuple(ds.input_shape))
    return model, arch_json, counts


# -- the recipe ------------------------------------------------------------------------------------


def _recipe(cfg: TrainConfig, input_size: int) -> dict:
    opt = cfg.optimizer
    if opt not in OPTIMIZERS:
        raise unknown("optimizer", opt, OPTIMIZERS)
    if cfg.epochs < 1 or cfg.batch_size < 1:
        raise EdgeCReLUError(f"--epochs and --batch-size must be >= 1 (got {cfg.epochs}, {cfg.batch_size})")
    return {
        "epochs": int(cfg.epochs), "batch_size": int(cfg.batch_size), "optimizer": opt,
        "lr": float(cfg.lr if cfg.lr is not None else OPTIMIZERS[opt]),
        "momentum": 0.9 if opt == "sgd" else None,
        "weight_decay": float(cfg.weight_decay if cfg.weight_decay is not None else WEIGHT_DECAY[opt]),
        "schedule": "linear warm-up then cosine to 0, per step", "warmup": float(cfg.warmup),
        "label_smoothing": float(cfg.label_smoothing),
        "augment": {"shift_px": int(cfg.shift if cfg.shift is not None else max(1, input_size // 16)),
                    "pad_mode": "replicate"},
        "bn_recalibration": "after the last epoch, running stats recomputed on <= 512 training images "
                            "(history val_acc uses the running stats of training)",
        "checkpoint": {"path": str(cfg.checkpoint), "sha256": sha256_file(cfg.checkpoint)} if cfg.checkpoint else None,
    }


def _shift(x, pad: int, gen):
    """Random translation by up to ``pad`` px per image: replicate-pad then crop at random offsets."""
    import torch
    import torch.nn.functional as F

    if pad <= 0:
        return x
    n, _, h, w = x.shape
    xp = F.pad(x, (pad, pad, pad, pad), mode="replicate")
    off = torch.randint(0, 2 * pad + 1, (n, 2), generator=gen)
    return torch.stack([xp[i, :, oy:oy + h, ox:ox + w] for i, (oy, ox) in enumerate(off.tolist())])


def _evaluate(model, x, y, device, batch: int = 256) -> float:
    import torch

    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            xb = torch.from_numpy(x[i:i + batch]).to(device)
            correct += int((model(xb).argmax(1).cpu() == torch.from_numpy(y[i:i + batch])).sum())
    return correct / max(1, len(x))


def _recalibrate_bn(model, x, device, batch: int = 256, limit: int = 512) -> int:
    """Recompute BatchNorm running statistics as a plain average over (up to ``limit``) training images.

    The running averages of a short run still carry their initial values (mean 0, var 1) and the
    early weights; evaluated with them, a 1-epoch model can look broken while it is not. Returns the
    number of images used (0: no BatchNorm).
    """
    import torch

    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
           and m.track_running_stats]
    if not bns:
        return 0
    n = min(len(x), limit)
    pick = np.sort(np.random.default_rng(0).permutation(len(x))[:n])  # not the first n: those may be one class
    momenta = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the batches below
    model.train()
    try:
        with torch.no_grad():
            for i in range(0, n, batch):
                model(torch.from_numpy(x[pick[i:i + batch]]).to(device))
    finally:
        for m, mom in zip(bns, momenta):
            m.momentum = mom
        model.eval()
    return n


def _train_one(model, ds, recipe: dict, seed: int, device, dist_: _Dist, log, tag: str) -> list[dict]:
    """Train ``model`` in place with the recipe; return the per-epoch history (rank 0 fills val_acc)."""
    import torch
    from torch.utils.data import DataLoader, DistributedSampler, RandomSampler, TensorDataset

    train_set = TensorDataset(torch.from_numpy(ds.x_train), torch.from_numpy(ds.y_train))
    per_rank = max(1, recipe["batch_size"] // dist_.world)
    gen = torch.Generator().manual_seed(seed)
    if dist_.world > 1:
        sampler = DistributedSampler(train_set, num_replicas=dist_.world, rank=dist_.rank, shuffle=True, seed=seed)
    else:
        sampler = RandomSampler(train_set, generator=gen)
    loader = DataLoader(train_set, batch_size=per_rank, sampler=sampler, num_workers=0, drop_last=False)
    aug_gen = torch.Generator().manual_seed(seed * 7919 + dist_.rank)

    net = model.to(device)
    if dist_.world > 1:
        from torch.nn.parallel import DistributedDataParallel as DDP

        net = DDP(model, device_ids=[device.index] if device.type == "cuda" else None)
    params = [p for p in net.parameters() if p.requires_grad]
    decay = [p for p in params if p.ndim > 1]
    no_decay = [p for p in params if p.ndim <= 1]  # BN and biases: no weight decay
    groups = [{"params": decay, "weight_decay": recipe["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}]
    if recipe["optimizer"] == "sgd":
        opt = torch.optim.SGD(groups, lr=recipe["lr"], momentum=recipe["momentum"], nesterov=True)
    else:
        opt = torch.optim.AdamW(groups, lr=recipe["lr"])
    total = recipe["epochs"] * len(loader)
    warm = max(1, int(recipe["warmup"] * total))

    def lr_at(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=recipe["label_smoothing"])
    pad = recipe["augment"]["shift_px"]
    history = []
    for epoch in range(recipe["epochs"]):
        t0 = time.perf_counter()
        if dist_.world > 1:
            sampler.set_epoch(epoch)
        net.train()
        stats = torch.zeros(3, dtype=torch.float64, device=device)  # loss sum, correct, n: no sync per step
        for xb, yb in loader:
            xb = _shift(xb, pad, aug_gen).to(device)
            yb = yb.to(device)
            out = net(xb)
            loss = loss_fn(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            stats[0] += loss.detach().double() * len(yb)
            stats[1] += (out.argmax(1) == yb).sum()
            stats[2] += len(yb)
        if dist_.world > 1:
            import torch.distributed as dist

            dist.all_reduce(stats)
        row = {"epoch": epoch + 1, "loss": float(stats[0] / stats[2]), "train_acc": float(stats[1] / stats[2]),
               "lr": float(opt.param_groups[0]["lr"]), "seconds": 0.0, "val_acc": None}
        if dist_.main:
            row["val_acc"] = _evaluate(model, ds.x_val, ds.y_val, device)
        row["seconds"] = round(time.perf_counter() - t0, 3)
        history.append(row)
        if dist_.main:
            log(f"{tag} epoch {epoch + 1}/{recipe['epochs']}  loss {row['loss']:.4f}  "
                f"train {row['train_acc']:.3f}  val {row['val_acc']:.3f}  ({row['seconds']:.1f} s)")
        _barrier(dist_)
    return history


def _save_weights(model, path: Path) -> str:
    """torch.save a CPU state dict atomically; return its sha256."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    atomic_write(path, lambda f: torch.save(state, f), binary=True)
    return sha256_file(path)


# -- run.json ----------------------------------------------------------------------------------------


def summarise(out: Path, variants: list[str], seeds: list[int]) -> tuple[list[dict], dict]:
    """(checkpoints, per-variant summary) from the finished records on disk.

    The summary gives each variant's test accuracy over seeds (mean, sample std, n) and its
    difference from the ``relu`` baseline, flagged ``within_seed_noise`` when that difference is no
    larger than the larger of the two standard deviations (None with a single seed: unknown).
    """
    checkpoints, summary = [], {}
    for v in variants:
        rows = []
        for s in seeds:
            rec = load_record(out, v, s)
            if rec is None:
                continue
            rows.append(rec)
            checkpoints.append({"variant": v, "seed": s, "dir": f"{v}/seed{s}", "val_acc": rec["val_acc"],
                                "test_acc": rec["test_acc"], "weights_sha256": rec["weights_sha256"]})
        if not rows:
            continue
        test = [r["test_acc"] for r in rows]
        val = [r["val_acc"] for r in rows]
        st = summarize(test)  # sample std (ddof=1); 0.0 for one seed, which says nothing about noise
        summary[v] = {"seeds": [r["seed"] for r in rows], "n": len(rows), "val_acc": val, "test_acc": test,
                      "test_acc_mean": st["mean"], "test_acc_std": st["std"], "val_acc_mean": float(np.mean(val)),
                      "params": rows[0]["params"], "macs": rows[0]["macs"]}
    base = "relu" if "relu" in summary else None
    for v, s in summary.items():
        if base is None or v == base:
            continue
        b = summary[base]
        delta = s["test_acc_mean"] - b["test_acc_mean"]
        s["vs_baseline"] = {
            "baseline": base, "test_acc_delta": delta,
            "within_seed_noise": (abs(delta) <= max(s["test_acc_std"], b["test_acc_std"]))
            if min(s["n"], b["n"]) > 1 else None,
        }
    return checkpoints, summary


def _run_header(cfg: TrainConfig, ds, input_size: int, recipe: dict, variants, seeds) -> dict:
    return {
        "schema_version": SCHEMA_VERSION, "kind": RUN_KIND, "edgecrelu_version": __version__,
        "model": {"arch": cfg.model, "arch_args": _arch_args(cfg) or {}, "input_size": input_size},
        "data": ds.summary(), "recipe": recipe, "variants": list(variants), "seeds": list(seeds),
    }


def _check_existing(out: Path, header: dict, resume: bool) -> tuple[list[str], list[int]]:
    """Refuse to mix runs; on resume return the variants / seeds already listed (kept in run.json)."""
    run_json = out / "run.json"
    if not run_json.exists():
        return [], []
    if not resume:
        raise EdgeCReLUError(f"{out} already holds a train run; pass --resume to continue it or choose another --out")
    try:
        old = read_json_object(run_json, "train run")
    except EdgeCReLUError as exc:
        raise EdgeCReLUError(f"cannot resume: {exc}") from None
    if old.get("kind") != RUN_KIND:
        raise EdgeCReLUError(f"cannot resume: {run_json} is not an edgecrelu train run")
    for key, sub in (("model", None), ("recipe", None), ("data", ("spec", "sha256", "seed", "size", "channels"))):
        a, b = old.get(key, {}), header[key]
        if sub:
            a, b = {k: a.get(k) for k in sub}, {k: b.get(k) for k in sub}
        if a != b:
            diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            raise EdgeCReLUError(f"cannot resume {out}: its {key} differs ({', '.join(diff)}); use another --out")
    return list(old.get("variants", [])), list(old.get("seeds", []))


def _write_run_json(out: Path, header: dict, started: str, wall: float) -> dict:
    checkpoints, summary = summarise(out, header["variants"], header["seeds"])
    run = dict(header, created_utc=started, updated_utc=utc_now(), wall_time_s=round(wall, 3),
               checkpoints=checkpoints, summary=summary,
               complete=len(checkpoints) == len(header["variants"]) * len(header["seeds"]))
    atomic_write_json(out / "run.json", run)
    return run


# -- entry point -------------------------------------------------------------------------------------


def train_run(config: TrainConfig, log: Callable[[str], None] | None = None) -> Path:
    """Train every (variant, seed) of ``config`` into ``config.out``; return that directory.

    Errors in the model, variants, data or output directory are raised (one line) before any
    training starts. ``log`` receives progress lines (default: stderr, rank 0 only).
    """
    log = log or _log_default
    cfg = config
    if cfg.device not in ("cpu", "cuda"):
        raise unknown("device", cfg.device, ["cpu", "cuda"])
    torch = require("torch", "torch")
    if cfg.device == "cuda" and not torch.cuda.is_available():
        raise EdgeCReLUError(f"--device cuda: torch {torch.__version__} sees no CUDA GPU here; use --device cpu")
    seeds = [int(s) for s in (cfg.seeds or (0,))]
    if len(set(seeds)) != len(seeds):
        raise EdgeCReLUError(f"seed listed twice in {seeds}")
    out = Path(cfg.out)

    from edgecrelu.data import load_dataset

    _resolve_variants(cfg)  # names first: a typo fails before the data loads
    input_size = _input_size(cfg)
    if cfg.checkpoint and not Path(cfg.checkpoint).is_file():
        raise EdgeCReLUError(f"--checkpoint {cfg.checkpoint} does not exist")
    recipe = _recipe(cfg, input_size)
    ds = load_dataset(cfg.data, size=input_size, channels=cfg.channels, seed=cfg.data_seed, skip_bad=cfg.skip_bad)
    variants = _resolve_variants(cfg, ds, input_size)
    for v in variants:  # every variant must build (depth within the model's sites, ...) before training
        _build(cfg, v, ds, input_size)
    header = _run_header(cfg, ds, input_size, recipe, variants, seeds)
    old_variants, old_seeds = _check_existing(out, header, cfg.resume)
    header["variants"] = old_variants + [v for v in variants if v not in old_variants]
    header["seeds"] = old_seeds + [s for s in seeds if s not in old_seeds]
    todo = [(v, s) for v in variants for s in seeds if not (cfg.resume and load_record(out, v, s) is not None)]

    dist_ = _init_dist(cfg.device)
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
        _barrier(dist_)  # every rank has read the old state before rank 0 writes
        log_main = log if dist_.main else (lambda msg: None)
        skipped = len(variants) * len(seeds) - len(todo)
        if skipped:
            log_main(f"[edgecrelu] resume: {skipped} checkpoint(s) already finished in {out}")
        if dist_.main:
            out.mkdir(parents=True, exist_ok=True)
            _write_run_json(out, header, started, 0.0)
        for i, (variant, seed) in enumerate(todo):
            tag = f"[{i + 1}/{len(todo)}] {variant} seed {seed}"
            t0 = time.perf_counter()
            torch.manual_seed(seed)
            np.random.seed(seed)
            random.seed(seed)
            model, arch_json, counts = _build(cfg, variant, ds, input_size)
            log_main(f"{tag}: {counts['params']:,} params, {counts['macs'] / 1e6:.1f} M MACs, "
                     f"{len(ds.y_train)} train images, {dist_.world} process(es) on {device}")
            history = _train_one(model, ds, recipe, seed, device, dist_, log_main, tag)
            if dist_.main:
                _recalibrate_bn(model, ds.x_train, device)
                val_acc = _evaluate(model, ds.x_val, ds.y_val, device)
                test_acc = _evaluate(model, ds.x_test, ds.y_test, device)
                d = variant_dir(out, variant, seed)
                sha = _save_weights(model, d / "weights.pt")
                atomic_write_json(d / "arch.json", arch_json)
                kind, depth = split_name(variant)
                record = {
                    "schema_version": SCHEMA_VERSION, "kind": RECORD_KIND, "created_utc": utc_now(),
                    "variant": variant, "variant_kind": kind, "depth": depth,
                    "arch": arch_json["arch"], "arch_args": arch_json["arch_args"],
                    "input_shape": list(ds.input_shape), "num_classes": ds.num_classes,
                    "data": ds.summary(), "recipe": recipe, "seed": seed,
                    "history": history, "val_acc": val_acc, "test_acc": test_acc,
                    "params": int(counts["params"]), "macs": int(counts["macs"]),
                    "device": str(device), "world_size": dist_.world, "threads": torch.get_num_threads(),
                    "versions": _versions(), "wall_time_s": round(time.perf_counter() - t0, 3),
                    "weights_sha256": sha,
                }
                atomic_write_json(d / "record.json", record)  # last: marks the checkpoint finished
                _write_run_json(out, header, started, time.perf_counter() - t_run)
                log_main(f"{tag}: val {val_acc:.4f}  test {test_acc:.4f}  "
                         f"({record['wall_time_s']:.1f} s) -> {d}")
            _barrier(dist_)
        if dist_.main:
            run = _write_run_json(out, header, started, time.perf_counter() - t_run)
            for v, s in run["summary"].items():
                if v in variants:
                    log_main(f"[edgecrelu] {v:>16}: test acc {s['test_acc_mean']:.4f} ± {s['test_acc_std']:.4f} "
                             f"over {s['n']} seed(s); {s['params']:,} params, {s['macs'] / 1e6:.1f} M MACs")
            log_main(f"[edgecrelu] wrote {out / 'run.json'}")
        _barrier(dist_)
    finally:
        torch.set_num_threads(threads_before)
        if flushed:
            torch.set_flush_denormal(False)
        if dist_.owned:
            import torch.distributed as dist

            dist.destroy_process_group()
    return out
