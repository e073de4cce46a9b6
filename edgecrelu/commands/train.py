"""``edgecrelu train``: train the ReLU / CReLU variants of one model with one recipe, over seeds."""

from __future__ import annotations

import click

from edgecrelu.commands.options import (
    INPUT_SIZE,
    THREADS,
    WIDTH,
    CommaList,
    FiniteFloatRange,
    data_option,
    finite,
    model_option,
    resize_option,
    variants_option,
)
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.registries import OPTIMIZERS, TORCH_DEVICES

# train.distill.DEFAULT_TEMPERATURE / DEFAULT_WEIGHT (written here: the CLI loads no torch-side package)
DEFAULT_TEMPERATURE, DEFAULT_WEIGHT = 4.0, 0.7


@click.command("train")
@model_option()
@variants_option(default="relu,crelu@K,crelu-half@K at the model's default depth")
@data_option
@resize_option
@click.option("--epochs", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--seeds", type=CommaList("seed", cast=int, minimum=0), default="0", show_default=True,
              help="Comma list of seeds; several show seed noise.")
@click.option("--out", type=click.Path(file_okay=False), default="runs/train", show_default=True,
              help="Run directory (runs/NAME).")
@click.option("--width", type=WIDTH, default=None,
              help="Width multiplier (default: the architecture's).")
@click.option("--input-size", type=INPUT_SIZE, default=None,
              help="Square input side in pixels (default: the architecture's, 32 for convpool-c).")
@click.option("--channels", type=click.Choice(["1", "3"]), default=None,
              help="Force grey (1) or RGB (3) input (default: the data's own).")
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--lr", type=finite(0, min_open=True), default=None,
              help="Peak learning rate (default: 0.05 for sgd, 0.002 for adamw).")
@click.option("--optimizer", type=click.Choice(tuple(OPTIMIZERS)), default="sgd", show_default=True,
              help="sgd (momentum 0.9, Nesterov) or adamw. `edgecrelu run` trains with adamw (its presets): "
                   "pass --optimizer adamw to train as it does.")
@click.option("--data-seed", type=click.IntRange(min=0), default=0, show_default=True,  # numpy refuses < 0
              help="Seed of the train/val/test split.")
@click.option("--resume", is_flag=True, help="Continue --out, skipping finished (variant, seed) checkpoints.")
@click.option("--train-device", type=click.Choice(TORCH_DEVICES), default="cpu", show_default=True,
              help="Where to train (--device in `profile` and `run` is a device profile).")
@click.option("--device", "device_alias", type=click.Choice(TORCH_DEVICES), default=None, hidden=True,
              help="Old name of --train-device.")
@click.option("--skip-bad", is_flag=True, hidden=True,
              help="Kept for old scripts: unreadable images are always skipped and listed in the data check.")
@click.option("--checkpoint", type=click.Path(dir_okay=False), default=None,
              help="State dict to start every variant from (a user model's pretrained weights).")
@click.option("--threads", type=THREADS, default=None,
              help="torch threads per process (default: torch's; 1 per process under torchrun).")
@click.option("--distill-from", type=click.Path(exists=True), default=None, metavar="RUN_DIR|CHECKPOINT",
              help="Distil every variant from a teacher: a train run (its relu checkpoint of the same seed, else its "
                   "first) or one checkpoint (dir with weights.pt + arch.json). Its classes and input must match "
                   "the data's; its architecture and sha256 go into each record.")
@click.option("--distill-temperature", type=finite(0, min_open=True), default=DEFAULT_TEMPERATURE, show_default=True,
              help="Softmax temperature T of the teacher's and the student's logits.")
@click.option("--distill-weight", type=FiniteFloatRange(min=0, max=1), default=DEFAULT_WEIGHT, show_default=True,
              help="Share of the loss on the teacher's soft targets (T^2 x KL); the rest is the labels' "
                   "cross-entropy.")
def command(model: str, variants: tuple[str, ...] | None, data: str, resize: str, epochs: int, seeds: tuple[int, ...], out: str,
            width: float | None, input_size: int | None, channels: str | None, batch_size: int, lr: float | None,
            optimizer: str, data_seed: int, resume: bool, train_device: str, device_alias: str | None,
            skip_bad: bool, checkpoint: str | None, threads: int | None, distill_from: str | None,
            distill_temperature: float, distill_weight: float) -> None:
    """Train every variant with the same recipe and seeds; write runs/NAME (see docs/contracts.md).

    Every data file is read once: the split (images per class in train / val / test) is printed,
    and runs/NAME/data-check.json lists the files used with their hashes and every file skipped
    (unreadable, hidden, not an image) with the reason. export and convert read the data through
    it: nothing needs --skip-bad, and a file changed since training is refused by name.

    \b
    edgecrelu train --model convpool-c --variants relu,crelu@4,crelu-half@4 \\
        --data digits --epochs 10 --seeds 0,1,2 --out runs/digits
    Several processes:  torchrun --nproc-per-node 2 -m edgecrelu train ...
    """
    from edgecrelu.train import TrainConfig, train_run

    device = _train_device(train_device, device_alias)
    config = TrainConfig(
        model=model,
        variants=variants or None,
        data=data,
        out=out,
        epochs=epochs,
        seeds=seeds or (0,),
        width=width,
        input_size=input_size,
        channels=int(channels) if channels else None,
        batch_size=batch_size,
        lr=lr,
        optimizer=optimizer,
        data_seed=data_seed,
        resize=resize,
        resume=resume,
        device=device,
        checkpoint=checkpoint,
        threads=threads,
        distill_from=distill_from,
        distill_temperature=distill_temperature,
        distill_weight=distill_weight,
    )
    path = train_run(config)
    click.echo(str(path / "run.json"))


def _train_device(train_device: str, alias: str | None) -> str:
    """--train-device, or its hidden old name --device; both only when they agree."""
    if alias is None:
        return train_device
    source = click.get_current_context().get_parameter_source("train_device")
    if source is click.core.ParameterSource.COMMANDLINE and train_device != alias:
        raise EdgeCReLUError(f"--train-device {train_device} and --device {alias} disagree; give one of them")
    return alias
