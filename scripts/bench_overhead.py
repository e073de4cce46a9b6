#!/usr/bin/env python
"""How much does edgecrelu's timed loop add over a bare ``session.run`` loop?

Interleaves, on the same InferenceSession and input, round after round (order alternating):

* ours: ``edgecrelu.profiling.timing.timed_loop(runner.infer, ...)`` -- the engine's code path;
* bare: ``t0 = perf_counter_ns(); session.run(None, feed); t1 = ...`` in a plain Python loop;

and prints the ratio of medians (goal <= 1.02 at batch 1) with p50 / p90 of each. Then compares our
p50 with ONNX Runtime's own profiler (``SessionOptions.enable_profiling``, ``model_run`` events,
which time inside the C++ session and so exclude the Python binding) and with the bare loop
(goal: within 5 %).

    .venv/bin/python scripts/bench_overhead.py                 # the tests' tiny fixture model
    .venv/bin/python scripts/bench_overhead.py BUNDLE [--artifact relu/graph.fp32.onnx] [--batch 1]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def bare_loop(sess, feed, warmup_s: float, duration_s: float, min_n: int) -> np.ndarray:
    clock = time.perf_counter_ns
    end = clock() + int(warmup_s * 1e9)
    sess.run(None, feed)
    while clock() < end:
        sess.run(None, feed)
    out = []
    deadline = clock() + int(duration_s * 1e9)
    while True:
        t0 = clock()
        sess.run(None, feed)
        t1 = clock()
        out.append(t1 - t0)
        if t1 >= deadline and len(out) >= min_n:
            break
    return np.asarray(out, dtype=np.float64) / 1e6


def ort_profiler_p50(model_path, options, feed, n: int) -> tuple[float, int]:
    """p50 of ONNX Runtime's own ``model_run`` durations over ``n`` runs (ms)."""
    from edgecrelu.backends.onnxruntime.loader import open_session

    with tempfile.TemporaryDirectory() as tmp:
        sess = open_session(model_path, options, profile_prefix=str(Path(tmp) / "ort_profile"))
        for _ in range(n):
            sess.run(None, feed)
        path = sess.end_profiling()
        events = json.loads(Path(path).read_text())
    durs = [e["dur"] / 1000.0 for e in events if e.get("name") == "model_run"]
    durs = durs[min(10, len(durs) // 10):]  # drop the first runs (allocation, first-touch)
    return float(np.median(durs)), len(durs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("bundle", nargs="?", help="bundle directory (default: build the tests' tiny fixture bundle)")
    ap.add_argument("--artifact", default=None, help="artifact path inside the bundle (default: first fp32)")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--duration", type=float, default=1.0, help="seconds per loop per round")
    args = ap.parse_args(argv)

    from edgecrelu.backends.onnxruntime.loader import SessionLoader
    from edgecrelu.backends.onnxruntime.runner import OrtRunner
    from edgecrelu.bundle import Bundle
    from edgecrelu.devices import OrtOptions
    from edgecrelu.profiling.timing import TimingSettings, timed_loop
    from edgecrelu.profiling.trials import input_batch

    if args.bundle:
        bundle = Bundle.open(args.bundle)
    else:
        sys.path.insert(0, str(ROOT / "tests"))
        from fixtures.tiny_bundle import build_tiny_bundle

        bundle = Bundle.open(build_tiny_bundle(Path(tempfile.mkdtemp()) / "bundle", precisions=("fp32",)))
    arts = [a for a in bundle.artifacts(precisions=["fp32"]) if args.artifact in (None, a.path)]
    if not arts:
        ap.error(f"no such fp32 artifact: {args.artifact}")
    art = arts[0]
    x = input_batch(bundle.load_eval()[0], args.batch)
    opts = OrtOptions(threads=args.threads, providers=("CPUExecutionProvider",), graph_optimization="all")
    runner = OrtRunner(SessionLoader(bundle.path(art.path), opts)).activate()
    feed = {runner.input_names()[0]: x}
    settings = TimingSettings(warmup_s=0.1, min_duration_s=args.duration, min_iterations=100)
    print(f"model {art.path} batch {args.batch} threads {args.threads}; {args.rounds} rounds x {args.duration:g} s "
          f"per loop, interleaved")
    ours_all, bare_all, ratios = [], [], []
    for r in range(args.rounds):
        order = ("ours", "bare") if r % 2 == 0 else ("bare", "ours")
        got = {}
        for which in order:
            if which == "ours":
                got[which] = timed_loop(runner.infer, feed, settings).samples_ms
            else:
                got[which] = bare_loop(runner.session, feed, 0.1, args.duration, 100)
        o, b = np.median(got["ours"]), np.median(got["bare"])
        ratios.append(o / b)
        ours_all.append(got["ours"])
        bare_all.append(got["bare"])
        print(f"  round {r + 1}: ours p50 {o * 1e3:8.2f} us (n={len(got['ours'])})   "
              f"bare p50 {b * 1e3:8.2f} us (n={len(got['bare'])})   ratio {o / b:.4f}")
    ours, bare = np.concatenate(ours_all), np.concatenate(bare_all)
    po50, po90 = np.percentile(ours, [50, 90])
    pb50, pb90 = np.percentile(bare, [50, 90])
    ratio = float(np.median(ratios))
    print(f"ours: p50 {po50 * 1e3:.2f} us  p90 {po90 * 1e3:.2f} us  (n={len(ours)})")
    print(f"bare: p50 {pb50 * 1e3:.2f} us  p90 {pb90 * 1e3:.2f} us  (n={len(bare)})")
    print(f"ratio of medians (ours / bare), median over rounds: {ratio:.4f}  "
          f"[{'OK' if ratio <= 1.02 else 'ABOVE'} goal <= 1.02]; pooled p50 ratio {po50 / pb50:.4f}")
    n_prof = max(200, min(20000, int(len(ours) / args.rounds)))
    prof50, n = ort_profiler_p50(bundle.path(art.path), opts, feed, n_prof)
    diff = po50 / prof50 - 1
    print(f"ONNX Runtime profiler model_run p50 {prof50 * 1e3:.2f} us (n={n}); ours is {diff:+.1%} "
          f"[{'OK' if abs(diff) <= 0.05 else 'OUTSIDE'} goal within 5 %] (model_run excludes the Python binding "
          "but includes the profiler's own per-node event recording, which dominates on tiny models)")
    d2 = po50 / pb50 - 1
    print(f"plain timing loop p50 {pb50 * 1e3:.2f} us; ours is {d2:+.1%} "
          f"[{'OK' if abs(d2) <= 0.05 else 'OUTSIDE'} goal within 5 %]")
    runner.deactivate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
