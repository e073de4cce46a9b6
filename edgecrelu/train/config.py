"""What a train run is asked for: :class:`TrainConfig`, its defaults, and the checks and derived
values (input size, arch arguments, the recipe) that need no torch and no data."""

from __future__ import annotations

from dataclasses import dataclass

from edgecrelu.errors import EdgeCReLUError, unknown
from edgecrelu.fileio import sha256_file
from edgecrelu.registries import OPTIMIZERS, TORCH_DEVICES
from edgecrelu.train.distill import DEFAULT_TEMPERATURE, DEFAULT_WEIGHT

WEIGHT_DECAY = {"sgd": 5e-4, "adamw": 0.05}
USER_DEFAULT_INPUT_SIZE = 32  # for package.module:callable models (the zoo entries carry their own)


@dataclass(frozen=True)
class TrainConfig:
    model: str = "convpool-c"  # zoo name or package.module:callable
    variants: tuple[str, ...] | None = None  # None -> edgecrelu.nn.rewrite.default_variants(model)
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
    resize: str = "stretch"  # resize policy: stretch | letterbox | crop (edgecrelu/data/preprocess.py)
    resume: bool = False  # continue runs/NAME, skipping finished (variant, seed)
    device: str = "cpu"  # cpu | cuda
    checkpoint: str | None = None  # state dict to start every variant from (user models)
    threads: int | None = None  # torch intra-op threads (None: torch's default; 1 per rank under DDP)
    distill_from: str | None = None  # teacher: a run dir (its relu checkpoints) or a checkpoint (train.distill)
    distill_temperature: float = DEFAULT_TEMPERATURE  # softmax temperature of the teacher's and the student's logits
    distill_weight: float = DEFAULT_WEIGHT  # share of the loss on the teacher's soft targets (the rest: the labels)


def check_device(cfg: TrainConfig) -> None:
    if cfg.device not in TORCH_DEVICES:
        raise unknown("device", cfg.device, list(TORCH_DEVICES))


def seeds_of(cfg: TrainConfig) -> list[int]:
    seeds = [int(s) for s in (cfg.seeds or (0,))]
    if len(set(seeds)) != len(seeds):
        raise EdgeCReLUError(f"seed listed twice in {seeds}")
    return seeds


def input_size_of(cfg: TrainConfig) -> int:
    if cfg.input_size is not None:
        if cfg.input_size < 8:
            raise EdgeCReLUError(f"--input-size must be at least 8 pixels (got {cfg.input_size})")
        return int(cfg.input_size)
    if ":" in cfg.model:
        return USER_DEFAULT_INPUT_SIZE
    from edgecrelu.nn.zoo import get_entry

    return int(get_entry(cfg.model).default_input_size)


def arch_args(cfg: TrainConfig) -> dict | None:
    return {"width": float(cfg.width)} if cfg.width is not None else None


def recipe(cfg: TrainConfig, input_size: int) -> dict:
    """The training recipe recorded in run.json and every record.json (a resume must match it)."""
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
        **({"distill": _distill(cfg)} if _distills(cfg) else {}),  # absent without a teacher: old runs resume
    }


def _distills(cfg: TrainConfig) -> bool:
    from edgecrelu.variant import is_distilled

    return bool(cfg.distill_from) or any(is_distilled(v) for v in cfg.variants or ())


def _distill(cfg: TrainConfig) -> dict:
    from edgecrelu.train.distill import OWN_RELU, settings

    return settings(str(cfg.distill_from or OWN_RELU), cfg.distill_temperature, cfg.distill_weight)
