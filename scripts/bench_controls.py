#!/usr/bin/env python3
"""The controls table of issue 24: on the built-in inspection set, over 3 seeds, top-1 (mean ± sd) and
MACs of relu, relu-half@K, relu-w@K (MAC-matched to crelu-half@K), crelu-half@K and crelu-half@K+kd
(distilled from the run's relu), for inspect-net and convpool-c, with the `edgecrelu run` preset's
training settings (README "Equal-cost ReLU controls").

    .venv/bin/python scripts/bench_controls.py --out runs/controls            # accuracy and MACs
    .venv/bin/python scripts/bench_controls.py --out runs/controls --latency  # + export, profile, p50 ratio

Finished checkpoints are reused (train --resume), so an interrupted run continues. The commands it
runs are printed before they run. Latency (--latency) is measured with ONNX Runtime fp32 at batch 1 on
this machine: run it on a quiet one.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from edgecrelu.workflow import PRESETS  # noqa: E402

MODELS = {"inspect-net": 2, "convpool-c": 4}  # the default depth K of each


def variants(k: int) -> list[str]:
    return ["relu", f"relu-half@{k}", f"relu-w@{k}", f"crelu-half@{k}", f"crelu-half@{k}+kd"]


def sh(args: list[str]) -> None:
    print("$ " + " ".join(shlex.quote(a) for a in args), flush=True)
    subprocess.run(args, check=True)


def train(model: str, k: int, out: Path, seeds: str, threads: int | None, width: float | None = None,
          input_size: int | None = None) -> Path:
    p = PRESETS["default"]
    run = out / model / "run"
    args = [sys.executable, "-m", "edgecrelu", "train", "--model", model, "--variants", ",".join(variants(k)),
            "--data", f"inspection:test={p.eval_images}", "--epochs", str(p.epochs), "--seeds", seeds,
            "--optimizer", p.optimizer, "--batch-size", str(p.batch_size), "--width", str(width or p.width),
            "--input-size", str(input_size or p.input_size), "--out", str(run)]
    if threads:
        args += ["--threads", str(threads)]
    if (run / "run.json").is_file():
        args.append("--resume")
    sh(args)
    return run


def latency(model: str, run: Path, out: Path) -> dict[str, float]:
    """p50 at batch 1 relative to relu (ONNX Runtime fp32, graph form)."""
    bundle, results = out / model / "bundle", out / model / "results"
    if not (bundle / "manifest.json").is_file():
        sh([sys.executable, "-m", "edgecrelu", "export", str(run), "--out", str(bundle), "--precisions", "fp32",
            "--forms", "graph"])
    sh([sys.executable, "-m", "edgecrelu", "profile", str(bundle), "--device", "cpu", "--out", str(results),
        "--precisions", "fp32", "--forms", "graph", "--batch", "1", "--budget", "60", "--resume"])
    p50 = {}
    for f in results.glob("*.json"):
        rec = json.loads(f.read_text())
        if isinstance(rec, dict) and "cell" in rec and (rec.get("latency_ms") or {}).get("p50"):
            p50[rec["cell"]["variant"]] = float(rec["latency_ms"]["p50"])
    base = p50.get("relu")
    return {v: t / base for v, t in p50.items()} if base else {}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="runs/controls", help="Output directory (continued when it exists).")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--models", default=",".join(MODELS), help="Comma list of inspect-net, convpool-c.")
    ap.add_argument("--threads", type=int, default=None, help="torch threads for training.")
    # convpool-c at the preset's width and size is ~30x inspect-net's MACs (about an hour per seed on 2 cores)
    ap.add_argument("--width", type=float, default=None, help="Width multiplier instead of the run preset's.")
    ap.add_argument("--input-size", type=int, default=None, help="Input size instead of the run preset's.")
    ap.add_argument("--latency", action="store_true", help="Also export, profile and give the p50 ratio vs relu.")
    a = ap.parse_args()
    out = Path(a.out)
    lines = []
    for model in a.models.split(","):
        k = MODELS[model]
        run = train(model, k, out, a.seeds, a.threads, a.width, a.input_size)
        summary = json.loads((run / "run.json").read_text())["summary"]
        ratio = latency(model, run, out) if a.latency else {}
        for v in variants(k):
            s = summary.get(v)
            if s is None:
                continue
            row = (f"| {model} | {v} | {s['test_acc_mean'] * 100:.1f} ± {s['test_acc_std'] * 100:.1f} % | {s['n']} | "
                   f"{s['macs'] / 1e6:.2f} M ({s['macs'] / summary['relu']['macs']:.2f})")
            if a.latency:
                row += f" | {ratio[v]:.3f}" if v in ratio else " | —"
            lines.append(row + " |")
    head = "| model | variant | top-1 (mean ± sd) | seeds | MACs (vs relu) |" + (" p50 vs relu |" if a.latency else "")
    print("\n" + head)
    print("|" + "---|" * (head.count("|") - 1))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
