"""The profile engine: bundle + device profile -> one result record per cell.

Order of work (``run_profile``):

1. load the device profile, apply CLI overrides, pick the backend(s) and check they are installed;
2. open the bundle (hashes verified) and choose the cells; refuse precisions the device lacks;
3. load and check every selected ONNX artifact -- all of this *before* any timing starts;
4. K rounds; in each, one trial of every unfinished cell (A B A B ...), each trial in a fresh worker
   process (``profiling/worker.py``) so peak RSS is the cell's own; the first trial also computes
   the cell's eval-set logits;
5. after a cell's last trial: pool the trials, compare its logits with the FP32 reference of the
   same variant and form (ONNX Runtime CPU, computed once per variant/form), and write its record
   atomically. Trial results wait in ``RESULTS/.partial/`` (not ``*.json``, so readers never see
   them) and ``--resume`` picks them up; an interrupt never leaves a partial record.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from edgecrelu import __version__
from edgecrelu.backends.base import find_artifact
from edgecrelu.distribution import summarize
from edgecrelu.errors import EdgeCReLUError, first_line, unknown
from edgecrelu.fileio import atomic_write, atomic_write_json, sha256_bytes, utc_now
from edgecrelu.results import KIND, SCHEMA_VERSION, Cell, load_record, record_path, write_record

ISOLATION = ("process", "none")
REFERENCE_BATCH = 64
PARTIAL = ".partial"


@dataclass(frozen=True)
class ProfileConfig:
    bundle: str  # bundle directory (written by ``export``)
    device: str = "cpu"  # built-in device profile name or path to a profile TOML
    out: str = "results"  # results directory: one ``<cell key>.json`` per cell
    backends: tuple | None = None  # None: the profile's first (preferred) backend
    variants: tuple | None = None  # None: every variant in the bundle
    precisions: tuple | None = None  # None: the profile's precisions that the bundle has
    forms: tuple | None = None  # None: every form in the bundle
    batches: tuple | None = None  # None: the profile's batch_sizes
    threads: int | None = None  # overrides [onnxruntime] threads and [torch] threads
    warmup_s: float | None = None  # overrides [timing] warmup_s
    duration_s: float | None = None  # overrides [timing] min_duration_s
    iterations: int | None = None  # overrides [timing] min_iterations
    trials: int | None = None  # overrides [timing] trials
    resume: bool = False  # skip cells whose record exists; reuse finished trials of the others
    isolation: str = "process"  # "process": one worker process per trial; "none": in this process


@dataclass
class ProfileRun:
    run_id: str
    out: Path
    records: list = field(default_factory=list)  # every selected cell's record (new and resumed)
    measured: list = field(default_factory=list)  # cells measured by this run
    resumed: list = field(default_factory=list)  # cells whose record was already there
    failures: dict = field(default_factory=dict)  # Cell -> one-line reason


class CellFailed(Exception):
    pass


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- configuration --------------------------------------------------------------------------------
def effective_profile(profile, config: ProfileConfig):
    """The device profile with the command line's timing / thread overrides applied."""
    t = profile.timing
    over = {"warmup_s": config.warmup_s, "min_duration_s": config.duration_s,
            "min_iterations": config.iterations, "trials": config.trials}
    for key, value in over.items():
        if value is not None:
            if value < 0 or (key in ("min_iterations", "trials") and value < 1):
                raise EdgeCReLUError(f"--{key.replace('min_', '').replace('_s', '')} must be "
                                     f"{'>= 1' if key in ('min_iterations', 'trials') else '>= 0'}, got {value}")
            t = replace(t, **{key: type(getattr(t, key))(value)})
    profile = replace(profile, timing=t)
    if config.threads is not None:
        if config.threads < 1:
            raise EdgeCReLUError(f"--threads must be >= 1, got {config.threads}")
        profile = replace(profile, onnxruntime=replace(profile.onnxruntime, threads=int(config.threads)),
                          torch=replace(profile.torch, threads=int(config.threads)))
    return profile


def _threads(profile, backend: str):
    return {"onnxruntime": profile.onnxruntime.threads, "torch": profile.torch.threads}.get(backend)


def select_backends(profile, names) -> list:
    """Backend modules to use, each checked for its heavy dependency (one-line install hint)."""
    from edgecrelu.backends import get_backend

    names = list(names) if names else [profile.backends[0]]
    mods = []
    for n in names:
        try:
            mod = get_backend(n)  # unknown name -> "unknown backend 'x'; choose one of: ..."
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith("edgecrelu"):
                raise
            raise EdgeCReLUError(f"backend '{n}' is not available in this edgecrelu build ({exc})") from None
        mod.check_available()
        mods.append(mod)
    return mods


def plan_cells(bundle, profile, backends, config: ProfileConfig) -> list[Cell]:
    arts = bundle.artifacts()
    if config.variants:
        for v in config.variants:
            if v not in bundle.variants and v not in {a.variant for a in arts}:
                raise unknown("variant", v, sorted(bundle.variants or {a.variant for a in arts}))
    precisions = list(config.precisions or profile.precisions)  # prepare() refused those the device lacks
    batches = [int(b) for b in (config.batches or profile.batch_sizes)]
    if any(b < 1 for b in batches):
        raise EdgeCReLUError(f"batch sizes must be >= 1, got {batches}")
    cells: set = set()
    for mod in backends:
        cells.update(mod.enumerate_cells(bundle, variants=list(config.variants) if config.variants else None,
                                         precisions=precisions, forms=list(config.forms) if config.forms else None,
                                         batches=batches, profile=profile))
    have = {"precision": {c.precision for c in cells}, "form": {c.form for c in cells}}
    for what, asked in (("precision", config.precisions), ("form", config.forms)):
        for a in asked or ():
            if a not in have[what]:
                bundle_has = sorted({getattr(x, what) for x in arts})
                raise EdgeCReLUError(f"bundle {bundle.root} has no {what} '{a}' for the selected cells; "
                                     f"it has: {', '.join(bundle_has) or 'nothing'}")
    if not cells:
        raise EdgeCReLUError(f"no cells to measure: bundle {bundle.root} has no artifacts matching the selection "
                             f"(precisions {', '.join(precisions)})")
    return sorted(cells)


def input_batch(x: np.ndarray, batch: int) -> np.ndarray:
    """The timed loop's input: ``batch`` real eval images, the set tiled when it has fewer."""
    return np.ascontiguousarray(np.concatenate([x] * -(-batch // len(x)))[:batch])


def verify_artifacts(bundle, cells) -> None:
    """Load and check every selected ONNX file (a hash match does not prove a file parses)."""
    import onnx

    seen = set()
    for c in cells:
        a = find_artifact(bundle, c)
        if a is None or a.path in seen:
            continue
        seen.add(a.path)
        try:
            onnx.checker.check_model(str(bundle.path(a.path)))
        except Exception as exc:  # DecodeError, ValidationError, OSError...
            raise EdgeCReLUError(f"bundle {bundle.root}: {a.path} is not a valid ONNX model "
                                 f"({first_line(exc)})") from None


def check_power(profile):
    """Start and stop the power monitor once, so a missing tegrastats fails before timing.

    Returns ``(profile, warning)``: where this build has no monitor module for the source, power is
    not measured (source "none") and the warning says so in every record.
    """
    from edgecrelu.profiling.power import get_monitor

    try:
        mon = get_monitor(profile.power)
    except ImportError as exc:
        why = (f"power source '{profile.power.source}' is not available in this build ({exc}); "
               "power not measured")
        return replace(profile, power=replace(profile.power, source="none")), why
    mon.start()  # raises EdgeCReLUError (one line) when e.g. tegrastats is not on PATH
    mon.stop()
    return profile, None


# -- statistics over trials -----------------------------------------------------------------------
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


def pooled_latency(trials: list[dict]) -> tuple[dict, list, dict | None]:
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


# -- the run --------------------------------------------------------------------------------------
class _Run:
    def __init__(self, config: ProfileConfig, log: Callable[[str], None]):
        self.config = config
        self.log = log

    def prepare(self):
        from edgecrelu.bundle import Bundle
        from edgecrelu.devices import load_device

        c = self.config
        if c.isolation not in ISOLATION:
            raise EdgeCReLUError(f"isolation must be one of: {', '.join(ISOLATION)}")
        self.profile = effective_profile(load_device(c.device), c)
        for p in c.precisions or ():
            self.profile.check_precision(p)  # e.g. int8 on a Jetson Nano: refused before anything else
        self.backends = select_backends(self.profile, c.backends)
        self.bundle = Bundle.open(c.bundle)  # verifies every file against the manifest's sha256
        self.cells = plan_cells(self.bundle, self.profile, self.backends, c)
        verify_artifacts(self.bundle, self.cells)
        self.profile, self.power_warning = check_power(self.profile)
        self.profile_dict = {k: v for k, v in self.profile.to_dict().items() if k != "path"}  # as a worker parses it
        self.out = Path(c.out)
        self.partial = self.out / PARTIAL
        self.manifest_sha = self.bundle.manifest_sha256
        self._check_existing()

    def _check_existing(self):
        self.done: dict = {}
        clash = [c for c in self.cells if record_path(self.out, c).exists()]
        if clash and not self.config.resume:
            raise EdgeCReLUError(
                f"{self.out} already has records for {len(clash)} of the selected cells (e.g. {clash[0].key}); "
                "pass --resume to keep them and measure the rest, or choose another --out")
        for c in clash:
            try:
                rec = load_record(record_path(self.out, c))
            except EdgeCReLUError as exc:
                self.log(f"re-measuring {c.key}: its record does not load ({exc})")
                continue
            if rec.get("bundle", {}).get("manifest_sha256") != self.manifest_sha:
                raise EdgeCReLUError(f"{record_path(self.out, c)} was measured on another bundle (manifest sha256 "
                                     "differs); choose another --out")
            other = rec.get("device_profile", {}).get("name")
            if other != self.profile.name:
                raise EdgeCReLUError(f"{record_path(self.out, c)} was measured with device profile '{other}', not "
                                     f"'{self.profile.name}'; choose another --out")
            self.done[c] = rec

    # -- per-cell state in RESULTS/.partial ------------------------------------------------------
    def _cell_dir(self, cell: Cell) -> Path:
        return self.partial / cell.key

    def _fingerprint(self, cell: Cell) -> str:
        blob = json.dumps({"profile": self.profile_dict, "cell": cell.to_dict(), "bundle": self.manifest_sha,
                           "isolation": self.config.isolation}, sort_keys=True, default=str)
        return sha256_bytes(blob.encode())

    def _load_trials(self, cell: Cell) -> dict:
        d = self._cell_dir(cell)
        if not self.config.resume:
            shutil.rmtree(d, ignore_errors=True)
            return {}
        got = {}
        fp = self._fingerprint(cell)
        for p in sorted(d.glob("trial*.result")):
            try:
                res = json.loads(p.read_text())
            except (OSError, ValueError):
                continue
            if res.get("fingerprint") == fp and "samples_ms" in res:
                got[int(res["trial"])] = res
        if 0 in got and not (got[0].get("logits") and Path(got[0]["logits"]).is_file()):
            got = {}  # the accuracy pass of trial 0 is missing: start the cell over
        return got

    @functools.cached_property
    def eval_set(self) -> tuple:
        """(x, y) of the bundle's eval split, read once per run (inputs, labels, the fp32 reference)."""
        return self.bundle.load_eval()

    def _input(self, batch: int) -> str:
        p = self.partial / "inputs" / f"b{batch}.npy"
        if not p.is_file():
            arr = input_batch(self.eval_set[0], batch)
            atomic_write(p, lambda f: np.save(f, arr), binary=True)
        return str(p)

    def _task(self, cell: Cell, k: int) -> dict:
        d = self._cell_dir(cell)
        d.mkdir(parents=True, exist_ok=True)
        return {
            "bundle": str(self.bundle.root), "profile": self.profile_dict, "profile_path": self.profile.path,
            "cell": cell.to_dict(), "trial": k, "input": self._input(cell.batch),
            "accuracy": k == 0, "logits_out": str(d / "logits.npy"), "out": str(d / f"trial{k}.out"),
        }

    def run_trial(self, cell: Cell, k: int) -> dict:
        from edgecrelu.profiling import worker

        task = self._task(cell, k)
        if self.config.isolation == "none":
            try:
                res = worker.run_trial(task, bundle=self.bundle, profile=self.profile, isolated=False)
            except EdgeCReLUError as exc:
                raise CellFailed(str(exc)) from None
        else:
            res = self._run_worker(task)
        res["trial"] = k
        res["fingerprint"] = self._fingerprint(cell)
        atomic_write_json(self._cell_dir(cell) / f"trial{k}.result", res)
        return res

    def _run_worker(self, task: dict) -> dict:
        d = Path(task["out"]).parent
        task_path = d / f"trial{task['trial']}.task"
        atomic_write_json(task_path, task)
        log_path = d / f"trial{task['trial']}.log"
        out = Path(task["out"])
        out.unlink(missing_ok=True)
        from edgecrelu.progress import PROGRESS_PREFIX

        with open(log_path, "w") as logf:
            # Everything goes to the log; progress lines (engine builds) are also shown as they come.
            proc = subprocess.Popen([sys.executable, "-m", "edgecrelu.profiling.worker", str(task_path)],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, errors="replace")
            try:
                for line in proc.stdout:
                    logf.write(line)
                    if line.startswith(PROGRESS_PREFIX):
                        self.log("  " + line[len(PROGRESS_PREFIX):].rstrip())
            except BaseException:  # Ctrl-C: no orphaned worker keeps the GPU busy
                proc.kill()
                raise
            finally:
                proc.wait()
        res = None
        if out.is_file():
            try:
                res = json.loads(out.read_text())
            except ValueError:
                res = None
        if res is not None and "error" in res:
            raise CellFailed(f"{res['error']} (log: {log_path})")
        if proc.returncode != 0 or res is None:
            if proc.returncode < 0:
                why = f"worker killed by signal {-proc.returncode}"
            else:
                lines = [ln for ln in log_path.read_text(errors="replace").splitlines() if ln.strip()]
                why = lines[-1].strip() if lines else f"worker exited with code {proc.returncode}"
            raise CellFailed(f"{why} (log: {log_path})")
        return res

    # -- reference logits and records ------------------------------------------------------------
    def reference(self, cell: Cell):
        """FP32 logits of the same variant (same form where the bundle has it) on ORT CPU, cached."""
        cands = [a for a in self.bundle.artifacts(variants=[cell.variant], precisions=["fp32"])]
        art = next((a for a in cands if a.form == cell.form), None) or \
            next((a for a in cands if a.form == "graph"), None) or (cands[0] if cands else None)
        if art is None:
            return None, None, f"no fp32 artifact of {cell.variant} in the bundle: no agreement reference"
        name = f"onnxruntime CPU fp32 {art.path}"
        cache = self.partial / "ref" / (art.path.replace("/", "__") + ".npy")
        if cache.is_file():
            return np.load(cache), name, None
        from edgecrelu.backends import get_backend
        from edgecrelu.scoring import predict_logits

        ort_backend = get_backend("onnxruntime")
        try:
            ort_backend.check_available()
        except EdgeCReLUError as exc:
            return None, None, f"no fp32 reference ({exc})"
        runner = ort_backend.reference_runner(self.bundle.path(art.path))
        x, _ = self.eval_set
        with runner:
            logits = predict_logits(runner.infer, runner.input_names()[0], x, REFERENCE_BATCH,
                                    self.bundle.model.get("output_name"))
        atomic_write(cache, lambda f: np.save(f, logits), binary=True)
        return logits, name, None

    def record(self, cell: Cell, trials: list[dict]) -> dict:
        from edgecrelu.profiling.memory import static_memory
        from edgecrelu.scoring import accuracy_metrics

        prof = self.profile
        latency, per_trial, stages = pooled_latency(trials)
        warnings: list[str] = []
        describe = trials[-1].get("describe") or {"backend": cell.backend}
        warnings += list(describe.get("warnings", []))
        if self.power_warning:
            warnings.append(self.power_warning)
        if latency["cov"] > prof.timing.cov_warn:
            warnings.append(f"latency CoV {latency['cov']:.1%} exceeds cov_warn {prof.timing.cov_warn:.1%}: noisy "
                            "machine or too short a run (close other work, lock clocks, raise --duration)")
        p50s = [t["p50"] for t in per_trial]
        if len(p50s) > 1 and min(p50s) > 0 and max(p50s) / min(p50s) - 1 > prof.timing.cov_warn:
            warnings.append(f"p50 drifted {max(p50s) / min(p50s) - 1:.1%} between trials")
        art = find_artifact(self.bundle, cell)
        memory = static_memory(self.bundle, cell, art)
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
        accuracy = None
        logits_path = trials[0].get("logits")
        if logits_path and Path(logits_path).is_file():
            logits = np.load(logits_path)
            _, labels = self.eval_set
            ref, ref_name, why = self.reference(cell)
            if why:
                warnings.append(why)
            accuracy = accuracy_metrics(logits, labels, ref, ref_name)
        else:
            warnings.append("no eval-set logits: accuracy not measured")
        power = combine_power([t.get("power") for t in trials])
        if power:
            warnings += power.get("warnings", [])
        manifest = self.bundle.manifest
        return {
            "schema_version": SCHEMA_VERSION, "kind": KIND, "run_id": self.run_id,
            "created_utc": utc_now(),
            "edgecrelu_version": __version__,
            "device_profile": {"name": prof.name, "path": prof.path, "description": prof.description,
                               "decision": asdict(prof.decision), "backends": list(prof.backends),
                               "precisions": list(prof.precisions), "jetson": prof.jetson},
            "environment": self.environment,
            "bundle": {"path": str(self.bundle.root.resolve()), "manifest_sha256": self.manifest_sha,
                       "model": {k: self.bundle.model.get(k) for k in ("arch", "input_shape", "num_classes")},
                       "dataset_sha256": manifest.get("dataset", {}).get("sha256"),
                       "artifact": {"path": art.path, "sha256": art.sha256} if art else None,
                       # per-seed training accuracies, so the report can call seed noise "not significant"
                       "train": (manifest.get("variants", {}).get(cell.variant) or {}).get("train")},
            "cell": cell.to_dict(),
            "settings": {"warmup_s": prof.timing.warmup_s, "min_duration_s": prof.timing.min_duration_s,
                         "min_iterations": prof.timing.min_iterations, "trials": len(trials),
                         "cov_warn": prof.timing.cov_warn, "threads": _threads(prof, cell.backend),
                         "isolation": self.config.isolation, "power_source": prof.power.source,
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

    def run(self, on_record=None) -> ProfileRun:
        from edgecrelu.profiling.environment import capture

        self.prepare()
        self.run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
        result = ProfileRun(self.run_id, self.out)
        result.resumed = [c for c in self.cells if c in self.done]
        pending = [c for c in self.cells if c not in self.done]
        K = self.profile.timing.trials
        self.log(f"profile {self.bundle.root} on '{self.profile.name}': {len(self.cells)} cell(s), "
                 f"{len(result.resumed)} already done, {K} trial(s) each, "
                 f"{self.profile.timing.min_duration_s:g} s / {self.profile.timing.min_iterations}+ iterations per trial")
        self.out.mkdir(parents=True, exist_ok=True)
        self.environment = capture() if pending else None
        self._claim_partial()
        state = {c: self._load_trials(c) for c in pending}
        for k in range(K):
            for i, cell in enumerate(pending):
                if cell in result.failures:
                    continue
                tag = f"[trial {k + 1}/{K}] ({i + 1}/{len(pending)}) {cell.key}"
                if k in state[cell]:
                    self.log(f"{tag}: resumed")
                else:
                    try:
                        state[cell][k] = self.run_trial(cell, k)
                    except CellFailed as exc:
                        result.failures[cell] = str(exc)
                        self.log(f"{tag}: FAILED: {exc}")
                        continue
                    s = summarize(state[cell][k]["samples_ms"])
                    self.log(f"{tag}: p50 {s['p50']:.4g} ms  p99 {s['p99']:.4g} ms  n={s['n']}")
                if k == K - 1:
                    rec = self.record(cell, [state[cell][j] for j in range(K)])
                    path = write_record(self.out, rec)
                    shutil.rmtree(self._cell_dir(cell), ignore_errors=True)
                    result.measured.append(cell)
                    for w in rec["warnings"]:
                        self.log(f"  warning: {cell.key}: {w}")
                    self.log(f"  wrote {path}")
                    if on_record is not None:
                        on_record(path, rec)
        self._cleanup_partial()
        result.records = [load_record(record_path(self.out, c)) for c in self.cells
                          if record_path(self.out, c).is_file()]
        return result

    def _claim_partial(self):
        """Cached inputs / reference logits / trials in .partial belong to one bundle: drop another's."""
        marker = self.partial / "bundle_sha256"
        if self.partial.is_dir() and (not marker.is_file() or marker.read_text().strip() != self.manifest_sha):
            shutil.rmtree(self.partial, ignore_errors=True)
        self.partial.mkdir(parents=True, exist_ok=True)
        marker.write_text(self.manifest_sha + "\n")

    def _cleanup_partial(self):
        if not self.partial.is_dir():
            return
        if not any(p.is_dir() and p.name not in ("inputs", "ref") for p in self.partial.iterdir()):
            shutil.rmtree(self.partial, ignore_errors=True)


def run_profile(config: ProfileConfig, log: Callable[[str], None] = _stderr, on_record=None) -> ProfileRun:
    """Measure every selected cell of ``config.bundle`` on ``config.device``; see the module docstring.

    ``on_record(path, record)`` is called after each record is written.
    """
    return _Run(config, log).run(on_record=on_record)


# -- the summary table ----------------------------------------------------------------------------
SUMMARY_HEADERS = ("variant", "form", "precision", "backend", "batch", "p50 ms", "p99 ms", "CoV", "ips",
                   "top1", "agree")


STAGE_HEADERS = ("gpu p50 ms", "h2d p50 ms", "d2h p50 ms")  # shown when a backend times stages (GPU)


def _stage_p50(rec: dict, name: str) -> str:
    s = (rec.get("stages_ms") or {}).get(name) or {}
    return "" if s.get("p50") is None else f"{s['p50']:.4g}"


def summary_rows(records: list[dict], stages: bool = False) -> list[list]:
    rows = []
    for r in sorted(records, key=lambda r: Cell.from_dict(r["cell"])):
        c, lat, acc = r["cell"], r["latency_ms"], r.get("accuracy") or {}
        row = [c["variant"], c["form"], c["precision"], c["backend"], c["batch"],
               f"{lat['p50']:.4g}", f"{lat['p99']:.4g}", f"{lat['cov']:.1%}", f"{r['throughput_ips']:.4g}",
               "" if acc.get("top1") is None else f"{acc['top1']:.3f}",
               "" if acc.get("agreement_top1") is None else f"{acc['agreement_top1']:.3f}"]
        if stages:
            row += [_stage_p50(r, n) for n in ("compute", "h2d", "d2h")]
        rows.append(row)
    return rows


def summary_table(records: list[dict], tablefmt: str = "simple") -> str:
    from tabulate import tabulate

    stages = any(r.get("stages_ms") for r in records)
    headers = SUMMARY_HEADERS + (STAGE_HEADERS if stages else ())
    return tabulate(summary_rows(records, stages), headers=headers, tablefmt=tablefmt, disable_numparse=True)
