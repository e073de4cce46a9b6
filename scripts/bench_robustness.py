#!/usr/bin/env python3
"""The robustness table of issue 25: on the built-in inspection set, over 3 seeds, top-1 of relu,
crelu@K and crelu-half@K (inspect-net, K = 2) at FP32 and INT8 under every shifted eval set of the
bundle (README "Robustness under shifted conditions"), with the `edgecrelu run` preset's training
settings. Accuracy only (no timing): each seed's checkpoints are exported (graph form, shifts
default) and every artifact is scored with ONNX Runtime on the CPU.

    .venv/bin/python scripts/bench_robustness.py --out runs/robustness

Printed per shift and severity: top-1 mean ± sd over the seeds per configuration, and each
configuration's difference to relu FP32 (points) with its 95 % paired bootstrap interval over the
same images, every seed's pooled (the exported models, as the report compares them; the sd shows
the spread a retrain adds). Finished checkpoints and bundles are reused, so an interrupted run
continues. The commands it runs are printed before they run.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from edgecrelu.workflow import PRESETS  # noqa: E402

PRECISIONS = ("fp32", "int8")


def sh(args: list[str]) -> None:
    print("$ " + " ".join(shlex.quote(a) for a in args), flush=True)
    subprocess.run(args, check=True)


def train(out: Path, k: int, seeds: str, threads: int | None) -> Path:
    p = PRESETS["default"]
    run = out / "run"
    args = [sys.executable, "-m", "edgecrelu", "train", "--model", "inspect-net",
            "--variants", f"relu,crelu@{k},crelu-half@{k}", "--data", f"inspection:test={p.eval_images}",
            "--epochs", str(p.epochs), "--seeds", seeds, "--optimizer", p.optimizer, "--batch-size",
            str(p.batch_size), "--width", str(p.width), "--input-size", str(p.input_size), "--out", str(run)]
    if threads:
        args += ["--threads", str(threads)]
    if (run / "run.json").is_file():
        args.append("--resume")
    sh(args)
    return run


def export(run: Path, out: Path, seed: int, images: int) -> Path:
    bundle = out / f"bundle-seed{seed}"
    if not (bundle / "manifest.json").is_file():
        sh([sys.executable, "-m", "edgecrelu", "export", str(run), "--out", str(bundle), "--seed", str(seed),
            "--forms", "graph", "--precisions", ",".join(PRECISIONS), "--shifts", "default",
            "--shift-images", str(images)])
    return bundle


def score(bundle_dir: Path) -> dict:
    """(variant, precision) -> {"clean" | "name@severity": per-image correctness} through ORT CPU."""
    import onnxruntime as ort

    from edgecrelu.bundle import Bundle
    from edgecrelu.profiling.shift_scoring import load_shift

    b = Bundle.open(bundle_dir)
    ex, ey = b.load_eval()
    sets = [(f"{e['name']}@{e['severity']}", *load_shift(b, e)) for e in b.manifest["dataset"]["shifts"]]
    n = sets[0][1].shape[0]
    out = {}
    for a in b.artifacts(forms=["graph"]):
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        sess = ort.InferenceSession(str(b.path(a.path)), so, providers=["CPUExecutionProvider"])
        res = {"clean": sess.run(None, {"input": ex[:n]})[0].argmax(1) == ey[:n]}
        for key, x, y in sets:
            res[key] = sess.run(None, {"input": x})[0].argmax(1) == y
        out[(a.variant, a.precision)] = res
    return out


def paired_interval(base: np.ndarray, cand: np.ndarray):
    """top-1 of ``cand`` minus ``base`` in points with its 95 % paired bootstrap interval over the same
    images (every seed's images pooled: the shipped models, not a retrain; stats.accuracy_interval)."""
    from edgecrelu import stats

    def view(x: np.ndarray) -> dict:
        return {"accuracy": {"top1": float(x.mean()), "n": len(x), "correct": stats.encode_correct(x)},
                "bundle": {"dataset_sha256": "the same shifted images"}}

    return stats.accuracy_interval(view(base), view(cand))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="runs/robustness", help="Output directory (continued when it exists).")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--depth", type=int, default=2, help="K of crelu@K and crelu-half@K.")
    ap.add_argument("--shift-images", type=int, default=600, help="Images per shifted set (export --shift-images).")
    ap.add_argument("--threads", type=int, default=None, help="torch threads for training.")
    args = ap.parse_args()
    out = Path(args.out)
    seeds = [int(s) for s in args.seeds.split(",")]
    run = train(out, args.depth, args.seeds, args.threads)
    per_seed = [score(export(run, out, s, args.shift_images)) for s in seeds]
    configs = [(v, p) for v in ("relu", f"crelu@{args.depth}", f"crelu-half@{args.depth}") for p in PRECISIONS]
    keys = list(per_seed[0][("relu", "fp32")])
    n = len(per_seed[0][("relu", "fp32")]["clean"])
    print(f"\ninspect-net on the inspection set, {len(seeds)} seeds, {n} images per set; top-1 % mean ± sd over seeds;"
          f" Δ = points vs relu fp32 [95 % paired bootstrap interval over the {n} x {len(seeds)} model-image pairs]\n")
    head = ["set"] + [f"{v} {p}" for v, p in configs]
    rows = []
    for key in keys:
        base = np.concatenate([s[("relu", "fp32")][key] for s in per_seed])
        line = [key]
        for c in configs:
            acc = np.array([s[c][key].mean() * 100 for s in per_seed])
            cell = f"{acc.mean():.1f} ± {acc.std(ddof=1) if len(acc) > 1 else 0:.1f}"
            if c != ("relu", "fp32"):
                ci = paired_interval(base, np.concatenate([s[c][key] for s in per_seed]))
                cell += f" (Δ {ci.diff_pts:+.1f} [{ci.lo:+.1f}, {ci.hi:+.1f}])"
            line.append(cell)
        rows.append(line)
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    print(" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=False)))
    print("-|-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
