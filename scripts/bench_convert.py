#!/usr/bin/env python
"""Does ReLU -> CReLU-half conversion save retraining? The four accuracies and the pairing, per model.

For each model: ``train`` relu, crelu@K and crelu-half@K (K: the model's default depth) with one
recipe over several seeds; ``convert`` every relu seed to crelu-half@K (no training, then a short
fine-tune); ``analyze`` the run. Prints, per model, test accuracy mean +- sd over seeds with the
epochs each took:

    relu (original) | crelu-half converted | converted + fine-tune | crelu-half from scratch

plus the naive first-half cut for comparison, and the mean mu per site of relu, crelu and
crelu-half beside the random baseline (README "Phase pairing"). Everything lands under ``--out`` (a
finished stage is reused, so a second call only prints).

    PYTHONPATH=. .venv/bin/python scripts/bench_convert.py --data inspection --seeds 0,1,2 --out /tmp/conv
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from edgecrelu.analysis.analyze import AnalyzeConfig, analyze_checkpoints  # noqa: E402
from edgecrelu.analysis.convert import ConvertConfig, convert_checkpoint  # noqa: E402
from edgecrelu.fileio import read_json_object  # noqa: E402
from edgecrelu.train import TrainConfig, train_run  # noqa: E402
from edgecrelu.workflow import PRESETS  # noqa: E402

# per model: (width, input size) small enough for a 2-core CPU; inspect-net's is `edgecrelu run`'s
SIZES = {"convpool-c": (0.25, 32), "inspect-net": (PRESETS["default"].width, PRESETS["default"].input_size)}


def _log(msg: str) -> None:
    print("  " + msg, file=sys.stderr, flush=True)


def one_model(model: str, args, out: Path) -> list[str]:
    from edgecrelu.nn.zoo import get_entry

    depth = get_entry(model).default_depth
    half = f"crelu-half@{depth}"
    width, size = SIZES.get(model, (None, None))
    seeds = tuple(int(s) for s in args.seeds.split(","))
    run = out / model / "run"
    print(f"{model}: train relu, crelu@{depth}, {half} on {args.data}, {args.epochs} epochs, seeds {seeds}",
          file=sys.stderr, flush=True)
    train_run(TrainConfig(model=model, data=args.data, out=str(run), epochs=args.epochs, seeds=seeds, width=width,
                          input_size=size, variants=("relu", f"crelu@{depth}", half), resume=run.exists(),
                          optimizer=args.optimizer, batch_size=args.batch_size, threads=args.threads), log=_log)
    rows: dict[str, list] = {}
    for seed in seeds:
        conv_dir = out / model / f"convert-seed{seed}"
        if (conv_dir / "conversion.json").is_file():
            conv = read_json_object(conv_dir / "conversion.json", "conversion file")
        else:
            conv = convert_checkpoint(ConvertConfig(checkpoint=str(run), to=half, out=str(conv_dir),
                                                    finetune_epochs=args.finetune_epochs, seed=seed,
                                                    threads=args.threads), log=_log)
        for r in conv["accuracies"]:
            if r["test_acc"] is not None:
                rows.setdefault(r["model"], []).append((r["test_acc"], r["epochs"]))
    pairing = analyze_checkpoints(AnalyzeConfig(source=str(run), out=str(out / model / "analysis")))
    lines = [f"### {model} ({half}, width {width}, {size} px, {args.data}, {args.optimizer} batch {args.batch_size}, "
             f"seeds {args.seeds})", "",
             "| model | test accuracy (mean ± sd over seeds) | epochs |", "|---|---|---|"]
    for name, vals in rows.items():
        acc = np.array([v[0] for v in vals]) * 100
        sd = f" ± {acc.std(ddof=1):.2f}" if len(acc) > 1 else ""
        lines.append(f"| {name} | {acc.mean():.2f}{sd} % (n={len(acc)}) | {vals[0][1]} |")
    # mean μ over seeds per site, with the random baseline of that variant's own layer shape in brackets
    lines += ["", "| site | layer | " + " | ".join(pairing["summary"]) + " |", "|---|---|" + "---|" * len(pairing["summary"])]
    relu_layers = [x for x in pairing["summary"]["relu"]["layers"] if x["site"]]
    for i, layer in enumerate(relu_layers):
        cells = []
        for s in pairing["summary"].values():
            sl = [x for x in s["layers"] if x["site"]]
            cells.append(f"{sl[i]['mean']:.3f} ({sl[i]['random']['mean']:.3f})" if i < len(sl) else "-")
        lines.append(f"| {layer['site']} | {layer['path']} | " + " | ".join(cells) + " |")
    rec = pairing.get("recommendation") or {}
    lines += ["", f"recommendation: {rec.get('variant', '-')} (rule: {rec.get('rule', '')})", ""]
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="convpool-c,inspect-net")
    ap.add_argument("--data", default="inspection")
    # the recipe of `edgecrelu run` (workflow.PRESETS["default"])
    ap.add_argument("--epochs", type=int, default=PRESETS["default"].epochs)
    ap.add_argument("--optimizer", default=PRESETS["default"].optimizer)
    ap.add_argument("--batch-size", type=int, default=PRESETS["default"].batch_size)
    ap.add_argument("--finetune-epochs", type=int, default=1)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    out = Path(args.out)
    lines = []
    for model in args.models.split(","):
        lines += one_model(model, args, out)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
