"""A cell's record from its trials: pooled latency, pooled power, memory, accuracy against the FP32
reference of the same variant, warnings, and the run's settings (docs/contracts.md has the fields).
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from edgecrelu import __version__
from edgecrelu.backends.base import find_artifact
from edgecrelu.distribution import summarize
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import atomic_write, utc_now
from edgecrelu.profiling.plan import backend_threads
from edgecrelu.results import KIND, SCHEMA_VERSION, Cell

REFERENCE_BATCH = 64
NO_LOGITS = "no eval-set logits: accuracy not measured"


def pooled_latency(trials: list[dict]) -> tuple[dict, list, dict | None]:
    """(summary of all trials' samples, per-trial summaries, per-stage summaries or None)."""
    pooled = np.concatenate([np.asarray(t["samples_ms"], dtype=np.float64) for t in trials])
    per_trial = []
    for k, t in enumerate(trials):
        s = summarize(t["samples_ms"])
        per_trial.append({"trial": k, "n": s["n"], "p50": s["p50"], "p99": s["p99"], "mean": s["mean"],
                          "cov": s["cov"], "wall_s": t.get("wall_s")})
    stages = None
    if all(t.get("stages_ms") for t in trials):
        names = sorted(set().union(*(t["stages_ms"].keys() for t in trials)))
        stages = {n: summarize(np.concatenate([t["stages_ms"][n] for t in trials if n in t["stages_ms"]]))
                  for n in names}
    return summarize(pooled), per_trial, stages


def combine_power(items: list) -> dict | None:
    """Pool the per-trial power summaries: means weighted by sample count, samples summed."""
    items = [p for p in items if p]
    if not items:
        return None
    w = np.array([float(p.get("samples") or 1) for p in items])
    out = dict(items[0])
    for key, value in items[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key != "samples":
            vals = [p.get(key) for p in items]
            if all(isinstance(v, (int, float)) for v in vals):
                out[key] = float(np.average(vals, weights=w))
        elif isinstance(value, dict) and all(isinstance(v, (int, float)) for v in value.values()):
            keys = set().union(*(p.get(key, {}) for p in items))
            out[key] = {k: float(np.mean([p[key][k] for p in items if k in p.get(key, {})])) for k in sorted(keys)}
    if "samples" in items[0]:
        out["samples"] = int(sum(p.get("samples") or 0 for p in items))
    warns = [w_ for p in items for w_ in p.get("warnings", [])]
    if warns:
        out["warnings"] = list(dict.fromkeys(warns))
    out["trials"] = len(items)
    return out


def reference_logits(bundle, cell: Cell, cache_dir: Path, eval_x: np.ndarray):
    """``(logits, name, why_not)``: FP32 logits of the cell's variant (same form where the bundle has
    it) on ONNX Runtime CPU, cached in ``cache_dir`` so each is computed once per bundle."""
    cands = [a for a in bundle.artifacts(variants=[cell.variant], precisions=["fp32"])]
    art = next((a for a in cands if a.form == cell.form), None) or \
        next((a for a in cands if a.form == "graph"), None) or (cands[0] if cands else None)
    if art is None:
        return None, None, f"no fp32 artifact of {cell.variant} in the bundle: no agreement reference"
    name = f"onnxruntime CPU fp32 {art.path}"
    cache = cache_dir / (art.path.replace("/", "__") + ".npy")
    if cache.is_file():
        return np.load(cache), name, None
    from edgecrelu.backends import get_backend
    from edgecrelu.scoring import predict_logits

    ort_backend = get_backend("onnxruntime")  # the reference is ORT CPU whatever backend ran the cell
    try:
        ort_backend.check_available()
    except EdgeCReLUError as exc:
        return None, None, f"no fp32 reference ({exc})"
    runner = ort_backend.reference_runner(bundle.path(art.path))
    with runner:
        logits = predict_logits(runner.infer, runner.input_names()[0], eval_x, REFERENCE_BATCH,
                                bundle.model.get("output_name"))
    atomic_write(cache, lambda f: np.save(f, logits), binary=True)
    return logits, name, None


def cell_accuracy(bundle, cell: Cell, trials: list[dict], eval_set: Callable[[], tuple], ref_dir: Path):
    """``(accuracy, warning)`` from the first trial's eval-set logits; ``eval_set()`` gives (x, labels)."""
    logits_path = trials[0].get("logits")
    if not (logits_path and Path(logits_path).is_file()):
        return None, NO_LOGITS
    from edgecrelu.scoring import accuracy_metrics

    logits = np.load(logits_path)
    x, labels = eval_set()
    # A file swapped for another model (its manifest hash updated) scores against the wrong classes:
    # no accuracy then, and a warning that says why; the cell's other results and other cells stay.
    k = bundle.model.get("num_classes")
    if logits.ndim != 2 or len(logits) != len(labels) or (k is not None and logits.shape[1] != k):
        art = find_artifact(bundle, cell)
        what = art.path if art is not None else f"the {cell.variant} model"
        want = f"[{len(labels)}, {k}] (the bundle's model.num_classes is {k})" if k else f"[{len(labels)}, classes]"
        return None, (f"{what} gives logits of shape {list(logits.shape)} on the eval set, not {want}: "
                      "accuracy not measured")
    ref, ref_name, why = reference_logits(bundle, cell, ref_dir, x)
    if ref is not None and ref.shape != logits.shape:
        ref, why = None, (f"the fp32 reference ({ref_name}) gives logits of shape {list(ref.shape)}, not "
                          f"{list(logits.shape)}: no agreement reference")
        ref_name = None
    acc = accuracy_metrics(logits, labels, ref, ref_name)
    # Per-image top-1 correctness, packed to bits and base64 (n/6 characters), so the report can
    # compare two models on the same images (paired test; README "How the verdict is reached").
    correct = np.asarray(logits).argmax(1) == np.asarray(labels).astype(np.int64).reshape(-1)
    acc["correct"] = base64.b64encode(np.packbits(correct).tobytes()).decode("ascii")
    return acc, why


WEIGHT_OPS = ("Conv", "ConvTranspose", "Gemm", "MatMul")
PASS_THROUGH = ("DequantizeLinear", "Cast", "Transpose", "Reshape", "Identity")  # weight -> op, unchanged in count


def onnx_params(path) -> int | None:
    """Parameters an ONNX graph executes: the elements of the initializers feeding Conv / Gemm /
    MatMul weights and biases, followed through DequantizeLinear / Cast (INT8 QDQ, FP16 casts), each
    counted once. None when the file cannot be read."""
    import onnx

    try:
        g = onnx.load(str(path), load_external_data=False).graph
    except Exception:  # noqa: BLE001 - a count is optional: never fail a cell over it
        return None
    sizes = {t.name: int(np.prod(t.dims)) if len(t.dims) else 1 for t in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    seen: set = set()
    for node in g.node:
        if node.op_type not in WEIGHT_OPS:
            continue
        for name in node.input[1:]:
            for _ in range(8):  # follow a short chain of pass-through nodes back to the initializer
                src = producer.get(name)
                if src is None or src.op_type not in PASS_THROUGH or not src.input:
                    break
                name = src.input[0]
            if name in sizes:
                seen.add(name)
    return sum(sizes[n] for n in seen) if seen else None


def artifact_counts(bundle, art) -> dict:
    """MACs and params of the artifact the cell ran (a CReLU form changes them: ``folded`` doubles
    the conv in front of each CReLU): the manifest entry's where it has them, params otherwise
    counted in the ONNX file itself. Absent when neither is known; the report then shows the
    variant's and says so."""
    if art is None:
        return {}
    out = {}
    for key in ("macs", "params"):
        value = art.info.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[f"artifact_{key}"] = int(value)
    if "artifact_params" not in out and str(art.path).endswith(".onnx"):
        params = onnx_params(bundle.path(art.path))
        if params is not None:
            out["artifact_params"] = params
    return out


def dataset_facts(manifest: dict) -> dict:
    """What the report's data line needs from the manifest's dataset entry (fields may be absent)."""
    ds = manifest.get("dataset") or {}
    out = {"spec": ds.get("spec"), "name": ds.get("name"), "eval_n": (ds.get("eval") or {}).get("n"),
           "seed": ds.get("seed")}
    if "synthetic" in ds:
        out["synthetic"] = bool(ds["synthetic"])
    recipe = manifest.get("recipe") or (manifest.get("train") if isinstance(manifest.get("train"), dict) else None)
    if isinstance(recipe, dict) and recipe.get("epochs") is not None:
        out["epochs"] = recipe.get("epochs")
    return out


@dataclass(frozen=True)
class RunFacts:
    """What every record of one run shares."""

    run_id: str
    bundle: object  # the open Bundle
    profile: object  # the effective DeviceProfile
    isolation: str
    environment: dict | None
    power_warning: str | None = None


def build_record(run: RunFacts, cell: Cell, trials: list[dict], accuracy: dict | None,
                 accuracy_warning: str | None) -> dict:
    """The cell's record (``results.write_record`` writes it)."""
    from edgecrelu.profiling.memory import static_memory

    prof, bundle = run.profile, run.bundle
    latency, per_trial, stages = pooled_latency(trials)
    warnings: list[str] = []
    describe = trials[-1].get("describe") or {"backend": cell.backend}
    warnings += list(describe.get("warnings", []))
    if run.power_warning:
        warnings.append(run.power_warning)
    if latency["cov"] > prof.timing.cov_warn:
        warnings.append(f"latency CoV {latency['cov']:.1%} exceeds cov_warn {prof.timing.cov_warn:.1%}: noisy "
                        "machine or too short a run (close other work, lock clocks, raise --duration)")
    p50s = [t["p50"] for t in per_trial]
    if len(p50s) > 1 and min(p50s) > 0 and max(p50s) / min(p50s) - 1 > prof.timing.cov_warn:
        warnings.append(f"p50 drifted {max(p50s) / min(p50s) - 1:.1%} between trials")
    art = find_artifact(bundle, cell)
    memory = static_memory(bundle, cell, art)
    mem_info = {}
    for t in trials:
        mem_info.update(t.get("memory_info") or {})
    isolated = all(t.get("isolated") for t in trials)
    memory.update({
        "peak_rss_bytes": max(t["peak_rss_bytes"] for t in trials),
        "rss_before_session_bytes": min((t.get("rss_before_session_bytes") or 0) for t in trials) or None,
        "peak_rss_scope": "cell worker process (VmHWM)" if isolated else "profiling process, peak reset per trial",
        "device_bytes": mem_info.get("device_bytes"),
        "device": mem_info,
    })
    if accuracy_warning:
        warnings.append(accuracy_warning)
    power = combine_power([t.get("power") for t in trials])
    if power:
        warnings += power.get("warnings", [])
    memory.update(artifact_counts(bundle, art))
    manifest = bundle.manifest
    return {
        "schema_version": SCHEMA_VERSION, "kind": KIND, "run_id": run.run_id,
        "created_utc": utc_now(),
        "edgecrelu_version": __version__,
        "device_profile": {"name": prof.name, "path": prof.path, "description": prof.description,
                           "decision": asdict(prof.decision), "backends": list(prof.backends),
                           "precisions": list(prof.precisions), "jetson": prof.jetson},
        "environment": run.environment,
        "bundle": {"path": str(bundle.root.resolve()), "manifest_sha256": bundle.manifest_sha256,
                   "model": {k: bundle.model.get(k) for k in ("arch", "arch_args", "input_shape", "num_classes")},
                   "dataset_sha256": manifest.get("dataset", {}).get("sha256"),
                   "dataset": dataset_facts(manifest),
                   "artifact": {"path": art.path, "sha256": art.sha256} if art else None,
                   # per-seed training accuracies, so the report can call seed noise "not significant"
                   "train": (manifest.get("variants", {}).get(cell.variant) or {}).get("train")},
        "cell": cell.to_dict(),
        "settings": {"warmup_s": prof.timing.warmup_s, "min_duration_s": prof.timing.min_duration_s,
                     "min_iterations": prof.timing.min_iterations, "trials": len(trials),
                     "cov_warn": prof.timing.cov_warn, "threads": backend_threads(prof, cell.backend),
                     "isolation": run.isolation, "power_source": prof.power.source,
                     "backend": describe},
        "latency_ms": latency,
        "stages_ms": stages,
        "trials": per_trial,
        "throughput_ips": cell.batch * 1000.0 / latency["mean"],
        "memory": memory,
        "accuracy": accuracy,
        "power": power,
        "warnings": list(dict.fromkeys(warnings)),
    }
