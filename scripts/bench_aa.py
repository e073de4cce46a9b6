#!/usr/bin/env python
"""Known answers for the paired rounds on this machine: the same model profiled as two variants is
called different at most ``alpha`` of the time, and a model made about 20 % slower is caught.

From a bundle (``--bundle``, or one made here by ``edgecrelu run --quick``) it writes two copies in
which ``crelu-half@K``'s ``graph.fp32.onnx`` is replaced, its manifest hashes updated:

- **same**: relu's own graph (a changed ``doc_string`` only, so the bytes differ and the rounds time
  it as a separate file in its own session: the same computation, two variants);
- **slow**: relu's graph with identity 1x1 convs after its first conv (exact: the logits are
  unchanged), about 20 % more time on a CPU.

Each is profiled ``--runs`` times with ``edgecrelu profile --variants relu,crelu-half@K --precisions
fp32 --batch 1`` on a copy of the cpu profile whose ``min_workers`` makes every run take at least that
many workers; each run's anytime-valid interval of crelu-half / relu (the report's) either includes 1
("same") or not ("different"). Last line: the counts. Time nothing else while it runs.

    PYTHONPATH=. .venv/bin/python scripts/bench_aa.py [--runs 10] [--workers 20] [--bundle DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from edgecrelu import stats  # noqa: E402
from edgecrelu.fileio import sha256_file  # noqa: E402
from edgecrelu.results import load_records  # noqa: E402

EDGECRELU = [sys.executable, "-m", "edgecrelu"]


def _variant(manifest: dict) -> str:
    return next(v for v in manifest["variants"] if v.startswith("crelu-half@"))


def derive(src: Path, dst: Path, kind: str, identity_convs: int) -> str:
    """Copy ``src`` to ``dst`` with crelu-half's graph.fp32.onnx replaced (see the module docstring)."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    shutil.copytree(src, dst)
    manifest = json.loads((dst / "manifest.json").read_text())
    var = _variant(manifest)
    model = onnx.load(str(dst / "relu" / "graph.fp32.onnx"))
    model.doc_string = f"edgecrelu bench_aa: {kind}"
    if kind == "slow":
        g = model.graph
        first = next(n for n in g.node if n.op_type == "Conv")
        w = next(t for t in g.initializer if t.name == first.input[1])
        ch = w.dims[0]
        eye = numpy_helper.from_array(np.eye(ch, dtype=np.float32).reshape(ch, ch, 1, 1), "bench_eye")
        g.initializer.append(eye)
        out, prev = first.output[0], first.output[0] + "_bench0"
        first.output[0] = prev
        nodes = []
        for i in range(identity_convs):
            nxt = out if i == identity_convs - 1 else f"{out}_bench{i + 1}"
            nodes.append(helper.make_node("Conv", [prev, "bench_eye"], [nxt], name=f"bench_identity{i}"))
            prev = nxt
        at = list(g.node).index(first) + 1
        for k, n in enumerate(nodes):
            g.node.insert(at + k, n)
    target = dst / var / "graph.fp32.onnx"
    onnx.save(model, str(target))
    rel = f"{var}/graph.fp32.onnx"
    manifest["files"][rel] = sha256_file(target)
    for a in manifest["artifacts"]:
        if a["path"] == rel:
            a["sha256"] = manifest["files"][rel]
    (dst / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return var


def one_run(bundle: Path, var: str, out: Path, device: Path, budget: float) -> tuple:
    subprocess.run(EDGECRELU + ["profile", str(bundle), "--device", str(device), "--variants", f"relu,{var}",
                                "--precisions", "fp32", "--forms", "graph", "--batch", "1", "--out", str(out),
                                "--budget", str(budget)], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    recs = {r["cell"]["variant"]: r for r in load_records([out])}
    ci = stats.paired_ratio(recs["relu"], recs[var], "p50")
    return ci.ratio, ci.lo, ci.hi, ci.seq.n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--workers", type=int, default=20, help="minimum workers per run")
    ap.add_argument("--budget", type=float, default=120.0)
    ap.add_argument("--identity-convs", type=int, default=9, help="identity convs in the slow model (9: about +20 %)")
    ap.add_argument("--kinds", default="same,slow", help="which checks: same, slow or both")
    ap.add_argument("--bundle", default=None)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="edgecrelu-bench-aa-") as tmp:
        tmp = Path(tmp)
        if args.bundle:
            base = Path(args.bundle)
        else:
            subprocess.run(EDGECRELU + ["run", "--quick", "--out", str(tmp / "q")], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            base = tmp / "q" / "bundle"
        cpu = Path(__file__).resolve().parents[1] / "profiles" / "cpu.toml"
        device = tmp / "cpu-bench.toml"
        device.write_text(cpu.read_text().replace("min_workers = 5", f"min_workers = {args.workers}")
                          .replace('name = "cpu"', 'name = "cpu-bench-aa"'))
        counts = {}
        kinds = args.kinds.split(",")
        for kind in kinds:
            var = derive(base, tmp / kind, kind, args.identity_convs)
            different = 0
            for i in range(args.runs):
                ratio, lo, hi, n = one_run(tmp / kind, var, tmp / f"{kind}-r{i}", device, args.budget)
                diff = lo > 1 or hi < 1
                different += diff
                print(f"{kind} run {i + 1}: ratio {ratio:.4f} [{lo:.4f}-{hi:.4f}] over {n} workers: "
                      f"{'different' if diff else 'same'}", flush=True)
            counts[kind] = different
        words = {"same": "same model as two variants: called different in", "slow": "model made slower: caught in"}
        print("; ".join(f"{words[k]} {counts[k]} of {args.runs} runs" for k in kinds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
