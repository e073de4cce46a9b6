"""The training loop of one checkpoint: shift augmentation, epochs with a warm-up + cosine schedule,
BatchNorm recalibration and evaluation. torch is imported inside the functions."""

from __future__ import annotations

import logging
import math
import time
from typing import TYPE_CHECKING

import numpy as np

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.train.distributed import Dist, all_reduce, barrier

if TYPE_CHECKING:  # torch is imported inside the functions that run it
    import torch
    from torch import nn

    from edgecrelu.data.dataset import Dataset

logger = logging.getLogger(__name__)


def shift(x: torch.Tensor, pad: int, gen: torch.Generator) -> torch.Tensor:
    """Random translation by up to ``pad`` px per image: replicate-pad then crop at random offsets."""
    import torch
    import torch.nn.functional as F

    if pad <= 0:
        return x
    n, _, h, w = x.shape
    xp = F.pad(x, (pad, pad, pad, pad), mode="replicate")
    off = torch.randint(0, 2 * pad + 1, (n, 2), generator=gen)
    return torch.stack([xp[i, :, oy:oy + h, ox:ox + w] for i, (oy, ox) in enumerate(off.tolist())])


def evaluate(model: nn.Module, x: np.ndarray, y: np.ndarray, device: str | torch.device, batch: int = 256) -> float:
    """Top-1 accuracy of ``model`` (eval mode) on numpy images ``x`` and labels ``y``."""
    import torch

    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            xb = torch.from_numpy(x[i:i + batch]).to(device)
            correct += int((model(xb).argmax(1).cpu() == torch.from_numpy(y[i:i + batch])).sum())
    return correct / max(1, len(x))


def recalibrate_bn(model: nn.Module, x: np.ndarray, device: str | torch.device, batch: int = 256,
                   limit: int = 512) -> int:
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
        for m, mom in zip(bns, momenta, strict=False):
            m.momentum = mom
        model.eval()
    return n


def train_one(model: nn.Module, ds: Dataset, recipe: dict, seed: int, device: torch.device, dist_: Dist, tag: str,
              teacher: nn.Module | None = None) -> list[dict]:
    """Train ``model`` in place with the recipe; return the per-epoch history (rank 0 fills val_acc).

    With ``teacher`` (an eval-mode network) the loss mixes its logits on the same augmented batch with
    the labels as ``recipe["distill"]`` says (:mod:`edgecrelu.train.distill`)."""
    import torch
    from torch.utils.data import DataLoader, DistributedSampler, RandomSampler, Sampler, TensorDataset

    train_set = TensorDataset(torch.from_numpy(ds.x_train), torch.from_numpy(ds.y_train))
    per_rank = max(1, recipe["batch_size"] // dist_.world)
    gen = torch.Generator().manual_seed(seed)
    sampler: Sampler[int]
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
    opt: torch.optim.Optimizer
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
    distill = recipe.get("distill") if teacher is not None else None
    if teacher is not None:
        from edgecrelu.train.distill import distill_loss

        teacher = teacher.to(device).eval()
    pad = recipe["augment"]["shift_px"]
    history = []
    for epoch in range(recipe["epochs"]):
        t0 = time.perf_counter()
        if isinstance(sampler, DistributedSampler):  # world > 1
            sampler.set_epoch(epoch)
        net.train()
        stats = torch.zeros(3, dtype=torch.float64, device=device)  # loss sum, correct, n: no sync per step
        for xb, yb in loader:
            xb = shift(xb, pad, aug_gen).to(device)
            yb = yb.to(device)
            out = net(xb)
            if distill is not None and teacher is not None:  # distill is set only with a teacher
                with torch.no_grad():
                    t_out = teacher(xb)
                loss = distill_loss(out, t_out, yb, distill["temperature"], distill["weight"], loss_fn)
            else:
                loss = loss_fn(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            stats[0] += loss.detach().double() * len(yb)
            stats[1] += (out.argmax(1) == yb).sum()
            stats[2] += len(yb)
        all_reduce(dist_, stats)
        mean_loss = float(stats[0] / stats[2])
        if not math.isfinite(mean_loss):  # every rank sees the same reduced sum, so all of them stop here
            raise EdgeCReLUError(f"{tag}: the training loss is {mean_loss} in epoch {epoch + 1}; stopped (nothing of "
                                 "this checkpoint written). Try a lower --lr, or check the data and --checkpoint")
        row = {"epoch": epoch + 1, "loss": mean_loss, "train_acc": float(stats[1] / stats[2]),
               "lr": float(opt.param_groups[0]["lr"]), "seconds": 0.0, "val_acc": None}
        if dist_.main:
            row["val_acc"] = evaluate(model, ds.x_val, ds.y_val, device)
        row["seconds"] = round(time.perf_counter() - t0, 3)
        history.append(row)
        if dist_.main:
            logger.info(f"{tag} epoch {epoch + 1}/{recipe['epochs']}  loss {row['loss']:.4f}  "
                        f"train {row['train_acc']:.3f}  val {row['val_acc']:.3f}  ({row['seconds']:.1f} s)")
        barrier(dist_)
    return history
