"""A cell's record from its trials: pooled latency, pooled power, memory, warnings, and the run's
settings, with the accuracy ``reference.py`` measured and the counts of ``artifact_counts.py``
(the fields: the model ``edgecrelu/schema/record.py``, docs/contracts.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from edgecrelu import __version__
from edgecrelu.backends.base import find_artifact
from edgecrelu.bundle import Bundle
from edgecrelu.devices import DeviceProfile
from edgecrelu.distribution import summarize
from edgecrelu.fileio import utc_now
from edgecrelu.profiling.artifact_counts import artifact_counts
from edgecrelu.profiling.plan import backend_threads
from edgecrelu.results import KIND, SCHEMA_VERSION, Cell


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


SKIPPED_IN_RECORD = 20  # skipped files copied into each record; the bundle's data/check.json has them all


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
    # the data check's facts (bundles from before it lack them): the report's data line lists them
    for key in ("resize_policy", "splits"):
        if ds.get(key) is not None:
            out[key] = ds[key]
    if ds.get("skipped") is not None:
        out["skipped"], out["skipped_n"] = list(ds["skipped"][:SKIPPED_IN_RECORD]), len(ds["skipped"])
    return out


@dataclass(frozen=True)
class RunFacts:
    """What every record of one run shares."""

    run_id: str
    bundle: Bundle  # the open bundle
    profile: DeviceProfile  # the effective one
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
    mem_info: dict = {}
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
                   "model": {k: bundle.model.get(k) for k in ("arch", "arch_args", "input_shape", "num_classes")}
                   | ({"class_names": list(bundle.model["class_names"])} if bundle.model.get("class_names") else {}),
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
