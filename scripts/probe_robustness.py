"""A hostile probe of the CLI (issue 28, second probe): paths, replaced files, partial runs, hostile
records and device profiles, locale and environment, concurrency.

Each case runs ``python -m edgecrelu ...`` in a fresh process against a sandbox (the tiny torch-free
bundle, fixture records, a quick real profile run) and is classified:

  ok          the expected outcome: success, or a non-zero exit with one ``Error:`` line
  traceback   a Python traceback (or an exit without any Error line where one was due)
  hang        no exit within the case's time limit (killed)
  silent      exit 0 where the input should have been refused, or a wrong result that a check found
  data-loss   a file the case protects changed or disappeared

Usage: ``.venv/bin/python scripts/probe_robustness.py [--only SUBSTRING] [--list] [-v]``; prints one
line per case that is not ok, and the counts. Exit 1 when any case is not ok.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "records"
ENV = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED="0")
QUICK = ["--device", "cpu", "--precisions", "fp32", "--batch", "1", "--duration", "0.02", "--warmup", "0",
         "--iterations", "5", "--isolation", "none"]


@dataclass
class Case:
    id: str
    group: str
    argv: list  # after `python -m edgecrelu`; str, bytes or Path; "{d}" is the sandbox
    expect: str = "error"  # error | ok | either
    words: str = ""  # the Error line (expect error) must hold these
    env: dict = field(default_factory=dict)
    cwd: str | None = None
    timeout: float = 90.0
    setup: Callable | None = None  # (sandbox) -> None, before the run
    check: Callable | None = None  # (sandbox, proc) -> problem text or None, after a run that exited 0
    protect: tuple = ()  # paths (relative to the sandbox) whose files must be unchanged
    stdin: bytes | None = None
    parallel: int = 1  # run this many copies at once (concurrency); each must classify ok


# -- the sandbox --------------------------------------------------------------------------------------------

def _sh(p: Path) -> dict:
    if p.is_file():
        return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()}
    out = {}
    for q in sorted(p.rglob("*")) if p.is_dir() else []:
        if q.is_file() and not q.is_symlink():
            out[str(q)] = hashlib.sha256(q.read_bytes()).hexdigest()
    return out


def cli(*args, env=None, cwd=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "edgecrelu", *map(os.fsdecode, args)], env=dict(ENV, **(env or {})),
                          cwd=cwd or ROOT, capture_output=True, text=True, timeout=timeout)


def build(d: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from tests.fixtures.tiny_bundle import cached_tiny_bundle

    d.mkdir(parents=True, exist_ok=True)
    shutil.copytree(cached_tiny_bundle(precisions=("fp32",)), d / "bundle")
    shutil.copytree(FIX / "go", d / "go")
    r = cli("profile", d / "bundle", "--out", d / "real", *QUICK, "--budget", "5")
    if r.returncode != 0:
        raise SystemExit(f"sandbox: the quick profile run failed:\n{r.stderr}")
    shutil.copytree(d / "real", d / "real0")  # pristine: what a case copies
    r = cli("report", d / "real", "--out", d / "rep", "--format", "md,json")
    if r.returncode != 0:
        raise SystemExit(f"sandbox: the report failed:\n{r.stderr}")
    (d / "afile").write_text("x\n")
    (d / "empty").mkdir()
    return d


def copy_bundle(d: Path, name: str) -> Path:
    dst = d / name
    if not dst.exists():
        shutil.copytree(d / "bundle", dst)
    return dst


def copy_results(d: Path, name: str, src: str = "real") -> Path:
    dst = d / name
    if not dst.exists():
        shutil.copytree(d / ("real0" if src == "real" else src), dst)  # the pristine copy
    return dst


def edit_records(d: Path, name: str, edit, src: str = "go", which=None) -> Path:
    """A copy of the ``src`` records with ``edit(record)`` applied to one (``which``: index) or all."""
    out = copy_results(d, name, src)
    files = sorted(out.glob("*.json"))
    for i, f in enumerate(files):
        if which is None or i == which:
            rec = json.loads(f.read_text())
            res = edit(rec)
            f.write_text(res if isinstance(res, str) else json.dumps(rec, allow_nan=True))
    return out


def setv(path: str, value):
    def edit(rec):
        obj = rec
        *head, last = path.split(".")
        for k in head:
            obj = obj.setdefault(k, {}) if isinstance(obj, dict) else obj[int(k)]
        if isinstance(obj, list):
            obj[int(last)] = value
        else:
            obj[last] = value
    return edit


def delv(path: str):
    def edit(rec):
        obj = rec
        *head, last = path.split(".")
        for k in head:
            obj = obj[k]
        obj.pop(last, None)
    return edit


def device_toml(d: Path, name: str, replace: dict | None = None, text: str | None = None) -> Path:
    base = (ROOT / "profiles" / "cpu.toml").read_text()
    if text is None:
        text = base
        for a, b in (replace or {}).items():
            assert a in text, a
            text = text.replace(a, b, 1)
    p = d / name
    p.write_text(text)
    return p


# -- the cases ----------------------------------------------------------------------------------------------

def cases(d: Path) -> list[Case]:
    B, R, G = str(d / "bundle"), str(d / "real"), str(d / "go")
    C: list[Case] = []

    def rep(name, argv_extra=(), **kw):
        return ["report", *argv_extra, "--out", str(d / f"rep_{name}"), "--format", "md"]

    # ---- paths ---------------------------------------------------------------------------------------
    for tag, name in (("space", "my bundle"), ("unicode", "bündel-ü"), ("dash", "-bundle"),
                      ("newline", "bun\ndle"), ("quote", "b'\"x")):
        C.append(Case(f"path-{tag}-inspect", "paths", ["inspect", "--", str(d / name)], "ok",
                      setup=lambda d, n=name: copy_bundle(d, n)))
        C.append(Case(f"path-{tag}-profile", "paths", ["profile", str(d / name), "--out", str(d / f"res-{tag}"), *QUICK,
                                                        "--variants", "relu", "--budget", "1"], "ok",
                      setup=lambda d, n=name: copy_bundle(d, n)))
    C.append(Case("path-nonutf8-inspect", "paths", ["inspect", os.fsencode(d) + b"/b\xffx"], "ok",
                  setup=lambda d: copy_bundle(d, os.fsdecode(b"b\xffx"))))
    C.append(Case("path-nonutf8-report", "paths", ["report", os.fsencode(d) + b"/r\xffx", "--out", str(d / "rep_nu"),
                                                   "--format", "md"], "ok",
                  setup=lambda d: copy_results(d, os.fsdecode(b"r\xffx"))))
    C.append(Case("path-nonascii-C-locale-profile", "locale",
                  ["profile", str(d / "bündel-ü"), "--out", str(d / "res-cloc"), *QUICK, "--variants", "relu",
                   "--budget", "1"], "ok", env={"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"},
                  setup=lambda d: copy_bundle(d, "bündel-ü")))
    C.append(Case("path-nonascii-C-locale-report", "locale",
                  ["report", R, "--out", str(d / "rép-ü"), "--format", "md,html"], "ok",
                  env={"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}))
    C.append(Case("profile-out-is-file", "paths", ["profile", B, "--out", str(d / "afile"), *QUICK], "error",
                  "afile", protect=("afile",)))
    C.append(Case("profile-out-below-file", "paths", ["profile", B, "--out", str(d / "afile" / "x"), *QUICK], "error",
                  "afile", protect=("afile",)))
    C.append(Case("profile-out-too-long", "paths", ["profile", B, "--out", str(d / ("x" * 300)), *QUICK], "error"))
    C.append(Case("profile-out-dev-null", "paths", ["profile", B, "--out", "/dev/null", *QUICK], "error"))
    # results or a report kept inside a bundle are allowed (export --overwrite then refuses: docs/contracts.md);
    # the bundle's own files must stay as they are
    C.append(Case("profile-out-inside-bundle", "paths", ["profile", str(d / "b_in"), "--out", str(d / "b_in" / "res"),
                                                          *QUICK, "--variants", "relu", "--budget", "1"], "either",
                  setup=lambda d: copy_bundle(d, "b_in"), check=lambda d, p: _bundle_intact(d / "b_in")))
    C.append(Case("report-out-is-bundle", "paths", ["report", R, "--out", str(d / "b_rep"), "--format", "md"], "either",
                  setup=lambda d: copy_bundle(d, "b_rep"), check=lambda d, p: _bundle_intact(d / "b_rep")))
    C.append(Case("report-out-symlink-to-results", "paths", ["report", str(d / "o_sym"), "--out", str(d / "link_real")],
                  "error", "inside the results directory",
                  setup=lambda d: (copy_results(d, "o_sym"), (d / "link_real").is_symlink()
                                   or (d / "link_real").symlink_to(d / "o_sym")), protect=("o_sym",)))
    C.append(Case("report-results-twice-via-symlink", "paths", ["report", R, str(d / "link_real2"), *rep("twice")[1:]],
                  "ok", setup=lambda d: (d / "link_real2").exists() or (d / "link_real2").symlink_to(d / "real")))
    C.append(Case("report-out-dot-in-results", "paths", ["report", ".", "--out", "."], "error",
                  "inside the results directory", cwd=str(d / "o_dot"), setup=lambda d: copy_results(d, "o_dot"),
                  protect=("o_dot",)))
    C.append(Case("report-symlink-loop", "paths", ["report", str(d / "loop"), *rep("loop")[1:]], "error",
                  setup=lambda d: (d / "loop").is_symlink() or (d / "loop").symlink_to(d / "loop")))
    C.append(Case("inspect-symlink-loop-file", "paths", ["inspect", str(d / "b_loopfile")], "error",
                  setup=lambda d: _loop_file(d)))
    C.append(Case("export-out-dot-in-bundle", "paths", ["export", str(d / "empty"), "--out", ".", "--overwrite"], "error",
                  cwd=str(d / "bundle"), protect=("bundle",)))
    C.append(Case("compare-out-inside-results", "paths", ["compare", str(d / "o_c1"), G, "--out",
                                                          str(d / "o_c1" / "cmp")], "error",
                  "inside the results directory", setup=lambda d: copy_results(d, "o_c1"), protect=("o_c1",)))
    C.append(Case("compare-out-inside-other-results", "paths", ["compare", G, G, "--out", str(d / "o_c2" / "cmp")],
                  "error", "inside the results directory", setup=lambda d: copy_results(d, "o_c2"), protect=("o_c2",)))
    C.append(Case("report-out-inside-other-results", "paths", ["report", G, "--out", str(d / "o_r" / "rep2")],
                  "error", "inside the results directory", setup=lambda d: copy_results(d, "o_r"), protect=("o_r",)))
    C.append(Case("ship-out-inside-results", "paths", ["ship", str(d / "o_s"), "--out", str(d / "o_s" / "ship"),
                                                       "--cell", "relu.graph.fp32.onnxruntime.b1"], "error",
                  "inside the results directory", setup=lambda d: copy_results(d, "o_s"), protect=("o_s",)))

    # ---- replaced files ----------------------------------------------------------------------------------
    def fifo(d, rel, base="bundle", name=None):
        dst = copy_bundle(d, name) if name else d / base
        p = dst / rel
        if p.exists() or p.is_symlink():
            p.unlink()
        p.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(p)

    C.append(Case("bundle-onnx-is-fifo-inspect", "replaced", ["inspect", str(d / "b_fifo")], "error", timeout=30,
                  setup=lambda d: fifo(d, "relu/graph.fp32.onnx", name="b_fifo")))
    C.append(Case("bundle-onnx-is-fifo-profile", "replaced", ["profile", str(d / "b_fifo2"), "--out", str(d / "r_fifo"),
                                                             *QUICK], "error", timeout=30,
                  setup=lambda d: fifo(d, "relu/graph.fp32.onnx", name="b_fifo2")))
    C.append(Case("bundle-manifest-is-fifo", "replaced", ["inspect", str(d / "b_mfifo")], "error", timeout=30,
                  setup=lambda d: fifo(d, "manifest.json", name="b_mfifo")))
    C.append(Case("bundle-manifest-is-dir", "replaced", ["inspect", str(d / "b_mdir")], "error",
                  setup=lambda d: _replace_with_dir(copy_bundle(d, "b_mdir") / "manifest.json")))
    C.append(Case("bundle-eval-is-dir", "replaced", ["profile", str(d / "b_edir"), "--out", str(d / "r_edir"), *QUICK],
                  "error", setup=lambda d: _replace_with_dir(copy_bundle(d, "b_edir") / "data" / "eval.npz")))
    C.append(Case("bundle-onnx-symlink-devzero", "replaced", ["inspect", str(d / "b_zero")], "error", timeout=30,
                  setup=lambda d: _symlink(copy_bundle(d, "b_zero") / "relu" / "graph.fp32.onnx", "/dev/zero")))
    C.append(Case("bundle-onnx-symlink-outside", "replaced", ["inspect", str(d / "b_out")], "either",
                  setup=lambda d: _symlink_same(copy_bundle(d, "b_out"), "relu/graph.fp32.onnx", d)))
    C.append(Case("bundle-onnx-unreadable-dir", "replaced", ["inspect", str(d / "b_rdir")], "error",
                  setup=lambda d: _replace_with_dir(copy_bundle(d, "b_rdir") / "relu" / "graph.fp32.onnx")))
    C.append(Case("record-is-fifo", "replaced", ["report", str(d / "r_rfifo"), *rep("rfifo")[1:]], "error", timeout=30,
                  setup=lambda d: os.mkfifo(copy_results(d, "r_rfifo") / "zz.json")))
    C.append(Case("record-symlink-devzero", "replaced", ["report", str(d / "r_rzero"), *rep("rzero")[1:]], "error",
                  timeout=30, setup=lambda d: _symlink(copy_results(d, "r_rzero") / "zz.json", "/dev/zero")))
    C.append(Case("record-symlink-devurandom", "replaced", ["report", str(d / "r_rrand"), *rep("rrand")[1:]], "error",
                  timeout=30, setup=lambda d: _symlink(copy_results(d, "r_rrand") / "zz.json", "/dev/urandom")))
    C.append(Case("record-is-dir-named-json", "replaced", ["report", str(d / "r_rdir"), *rep("rdir")[1:]], "either",
                  setup=lambda d: (copy_results(d, "r_rdir") / "sub.json").mkdir(exist_ok=True)))
    C.append(Case("device-toml-is-fifo", "replaced", ["devices", str(d / "dev.fifo.toml")], "error", timeout=30,
                  setup=lambda d: (d / "dev.fifo.toml").exists() or os.mkfifo(d / "dev.fifo.toml")))
    C.append(Case("policy-is-fifo", "replaced", ["report", R, "--policy", str(d / "pol.fifo.toml"), *rep("pfifo")[1:]],
                  "error", timeout=30, setup=lambda d: (d / "pol.fifo.toml").exists() or os.mkfifo(d / "pol.fifo.toml")))
    C.append(Case("policy-devzero", "replaced", ["report", R, "--policy", "/dev/zero", *rep("pzero")[1:]], "error",
                  timeout=30))
    C.append(Case("device-devurandom", "replaced", ["devices", "/dev/urandom"], "error", timeout=30))
    C.append(Case("bundle-onnx-truncated-hash-updated", "replaced", ["profile", str(d / "b_trunc"), "--out",
                                                                    str(d / "r_trunc"), *QUICK], "error",
                  "not a valid ONNX model", setup=lambda d: _rehash(copy_bundle(d, "b_trunc"), "relu/graph.fp32.onnx",
                                                                  lambda b: b[: len(b) // 2])))
    C.append(Case("bundle-eval-garbage-hash-updated", "replaced", ["profile", str(d / "b_evg"), "--out", str(d / "r_evg"),
                                                                  *QUICK], "error",
                  setup=lambda d: _rehash(copy_bundle(d, "b_evg"), "data/eval.npz", lambda b: b"garbage")))
    C.append(Case("bundle-eval-pickle-hash-updated", "replaced", ["profile", str(d / "b_evp"), "--out", str(d / "r_evp"),
                                                                 *QUICK], "error",
                  setup=lambda d: _eval_pickled(copy_bundle(d, "b_evp"))))
    C.append(Case("bundle-manifest-huge-int", "replaced", ["inspect", str(d / "b_hint")], "error",
                  setup=lambda d: _manifest(copy_bundle(d, "b_hint"), lambda m: m["model"].__setitem__(
                      "input_shape", [1, 10**30, 8]))))
    C.append(Case("bundle-manifest-deep-nesting", "replaced", ["inspect", str(d / "b_deep")], "error",
                  setup=lambda d: (copy_bundle(d, "b_deep") / "manifest.json").write_text("[" * 100000 + "]" * 100000)))
    C.append(Case("bundle-manifest-empty", "replaced", ["inspect", str(d / "b_empty")], "error",
                  setup=lambda d: (copy_bundle(d, "b_empty") / "manifest.json").write_text("")))
    C.append(Case("bundle-manifest-null", "replaced", ["inspect", str(d / "b_null")], "error",
                  setup=lambda d: (copy_bundle(d, "b_null") / "manifest.json").write_text("null")))
    C.append(Case("bundle-artifact-path-absolute", "replaced", ["inspect", str(d / "b_abs")], "error",
                  setup=lambda d: _manifest(copy_bundle(d, "b_abs"), lambda m: m["artifacts"][0].__setitem__(
                      "path", "/etc/passwd"))))
    C.append(Case("bundle-files-list-not-dict", "replaced", ["inspect", str(d / "b_fl")], "error",
                  setup=lambda d: _manifest(copy_bundle(d, "b_fl"), lambda m: m.__setitem__("files", ["a"]))))
    C.append(Case("bundle-variants-list", "replaced", ["profile", str(d / "b_vl"), "--out", str(d / "r_vl"), *QUICK],
                  "error", setup=lambda d: _manifest(copy_bundle(d, "b_vl"), lambda m: m.__setitem__("variants", []))))
    C.append(Case("bundle-num-classes-zero", "replaced", ["inspect", str(d / "b_nc0")], "error",
                  setup=lambda d: _manifest(copy_bundle(d, "b_nc0"), lambda m: m["model"].__setitem__("num_classes", 0))))
    C.append(Case("bundle-eval-labels-out-of-range", "replaced", ["profile", str(d / "b_lab"), "--out", str(d / "r_lab"),
                                                                 *QUICK, "--variants", "relu"], "error", "labels",
                  setup=lambda d: _manifest(copy_bundle(d, "b_lab"), lambda m: m["model"].__setitem__("num_classes", 2))))

    # ---- partial runs ------------------------------------------------------------------------------------
    def partial(name, fn):
        def s(d):
            out = copy_results(d, name)
            fn(out)
        return s

    prof_resume = lambda name: ["profile", B, "--out", str(d / name), *QUICK, "--resume", "--budget", "1"]  # noqa: E731
    C.append(Case("resume-rounds-garbage", "partial", prof_resume("p_rg"), "either",
                  setup=partial("p_rg", lambda o: _write(o / "rounds" / "onnxruntime.b1.jsonl", "{garbage\n\x00\n"))))
    C.append(Case("resume-rounds-wrong-types", "partial", prof_resume("p_rt"), "either",
                  setup=partial("p_rt", lambda o: _write(o / "rounds" / "onnxruntime.b1.jsonl",
                                                         json.dumps({"kind": "worker", "seed": 0, "units": 5,
                                                                     "rounds": "x"}) + "\n"))))
    C.append(Case("resume-sequence-garbage", "partial", prof_resume("p_sg"), "either",
                  setup=partial("p_sg", lambda o: _write(o / "rounds" / "sequence", "\x00" * 50))))
    C.append(Case("resume-partial-trial-garbage", "partial", prof_resume("p_tg"), "either",
                  setup=partial("p_tg", lambda o: _partial_trial(o, "{not json"))))
    C.append(Case("resume-partial-trial-wrong-types", "partial", prof_resume("p_tw"), "either",
                  setup=partial("p_tw", lambda o: _partial_trial(o, json.dumps({"samples_ms": "x", "trial": "zero",
                                                                                "fingerprint": None})))))
    C.append(Case("resume-partial-is-file", "partial", prof_resume("p_pf"), "either",
                  setup=partial("p_pf", lambda o: _write(o / ".partial", "x"))))
    C.append(Case("resume-marker-garbage", "partial", prof_resume("p_mg"), "either",
                  setup=partial("p_mg", lambda o: _partial_trial(o, "{}", marker="\xff" * 3))))
    C.append(Case("resume-record-truncated", "partial", prof_resume("p_rtr"), "ok",
                  setup=partial("p_rtr", lambda o: _truncate(sorted(o.glob("*.json"))[0]))))
    C.append(Case("resume-record-other-bundle", "partial", prof_resume("p_rob"), "error", "another bundle",
                  setup=partial("p_rob", lambda o: _edit_first(o, setv("bundle.manifest_sha256", "c" * 64)))))
    C.append(Case("resume-record-other-host", "partial", prof_resume("p_roh"), "error", "measured on host",
                  setup=partial("p_roh", lambda o: _edit_first(o, setv("environment.host", "far-away")))))
    C.append(Case("resume-other-threads", "partial", [*prof_resume("p_thr"), "--threads", "2"], "error",
                  "other settings", setup=partial("p_thr", lambda o: None)))
    C.append(Case("resume-other-seed", "partial", [*prof_resume("p_seed"), "--seed", "3"], "error", "other settings",
                  setup=partial("p_seed", lambda o: None)))
    C.append(Case("resume-no-resume-flag", "partial", ["profile", B, "--out", str(d / "p_nr"), *QUICK], "error",
                  "--resume", setup=partial("p_nr", lambda o: None), protect=("p_nr",)))
    C.append(Case("report-only-partial-dir", "partial", ["report", str(d / "p_only"), *rep("ponly")[1:]], "error",
                  "no result records", setup=lambda d: _write(d / "p_only" / ".partial" / "x" / "trial0.result", "{}")))
    C.append(Case("report-with-leftover-rounds", "partial", ["report", str(d / "p_lr"), *rep("plr")[1:]], "ok",
                  setup=partial("p_lr", lambda o: _write(o / "rounds" / "zz.jsonl", "garbage"))))
    C.append(Case("report-with-tmp-json-leftover", "partial", ["report", str(d / "p_tmp"), *rep("ptmp")[1:]], "ok",
                  setup=partial("p_tmp", lambda o: _write(o / ".x.json.abc.tmp", "{"))))
    C.append(Case("report-with-stray-lock", "partial", ["report", str(d / "p_lock"), *rep("plock")[1:]], "ok",
                  setup=lambda d: (copy_results(d, "p_lock"), _write(d / ".p_lock.lock", ""))))
    C.append(Case("profile-stale-lock-file", "partial", ["profile", B, "--out", str(d / "p_sl"), *QUICK,
                                                         "--variants", "relu", "--budget", "1"], "ok",
                  setup=lambda d: _write(d / ".p_sl.lock", "12345")))
    C.append(Case("report-partial-records-one-cell", "partial", ["report", str(d / "p_one"), *rep("pone")[1:]], "either",
                  setup=lambda d: _keep_one(copy_results(d, "p_one"))))
    C.append(Case("export-into-leftover-partial", "partial", ["inspect", str(d / "b_part")], "ok",
                  setup=lambda d: (copy_bundle(d, "b_part"), (d / ".b_part.partial-abc").mkdir(exist_ok=True))))

    # ---- hostile records ---------------------------------------------------------------------------------
    H = [
        ("cell-batch-zero", setv("cell.batch", 0), "error"),
        ("cell-batch-huge", setv("cell.batch", 10**12), "either"),
        ("cell-variant-slash", setv("cell.variant", "../../etc"), "error"),
        ("cell-variant-html", setv("cell.variant", "<script>x</script>"), "either"),
        ("cell-backend-unknown", setv("cell.backend", "quantum"), "either"),
        ("cell-precision-fp64", setv("cell.precision", "fp64"), "either"),
        ("cell-not-object", setv("cell", "relu"), "error"),
        ("latency-missing", delv("latency_ms"), "error"),
        ("latency-strings", setv("latency_ms", {"p50": "1", "p99": "2", "mean": "1"}), "error"),
        ("latency-huge", setv("latency_ms.p99", 1e308), "either"),
        ("latency-p99-below-p50", setv("latency_ms.p99", 1e-9), "either"),
        ("latency-zero", setv("latency_ms", {"p50": 0, "p99": 0, "mean": 0}), "either"),
        ("accuracy-n-zero", setv("accuracy.n", 0), "either"),
        ("accuracy-top1-neg", setv("accuracy.top1", -0.1), "error"),
        ("accuracy-list", setv("accuracy", [1, 2]), "error"),
        ("memory-huge", setv("memory.peak_rss_bytes", 10**30), "either"),
        ("memory-string", setv("memory.peak_rss_bytes", "big"), "error"),
        ("environment-null", setv("environment", None), "either"),
        ("environment-host-int", setv("environment.host", 7), "either"),
        ("device-profile-missing", delv("device_profile"), "error"),
        ("decision-objective-bogus", setv("device_profile.decision.objective", "karma"), "error"),
        ("decision-min-gain-string", setv("device_profile.decision.min_gain", "5%"), "error"),
        ("decision-baseline-missing-variant", setv("device_profile.decision.baseline_variant", "nope"), "error"),
        ("trials-not-list", setv("trials", {"a": 1}), "error"),
        ("trials-huge-list", setv("trials", [{"p50": 1.0, "p99": 1.0, "n": 3}] * 20000), "either"),
        ("warnings-not-list", setv("warnings", "careful"), "error"),
        ("warnings-huge-text", setv("warnings", ["w" * 200000]), "either"),
        ("kind-missing", delv("kind"), "error"),
        ("created-utc-garbage", setv("created_utc", "yesterday"), "either"),
        ("top-level-list", lambda r: "[1, 2, 3]", "error"),
        ("duplicate-keys", lambda r: '{"kind": "x", "kind": "edgecrelu-result"}', "error"),
        ("bom-prefixed", lambda r: "\ufeff" + json.dumps(r), "either"),
        ("nan-literal-text", lambda r: json.dumps(r).replace('"p50": ', '"p50": NaN, "x": ', 1), "error"),
        ("deep-nesting", lambda r: json.dumps(dict(r, extra="x"))[:-1] + ', "deep": ' + "[" * 50000 + "]" * 50000 + "}",
         "error"),
    ]
    for name, edit, expect in H:
        C.append(Case(f"record-{name}", "records", ["report", str(d / f"h_{name}"), *rep(f"h_{name}")[1:]], expect,
                      setup=lambda d, n=name, e=edit: edit_records(d, f"h_{n}", e, which=0)))
    P = [  # the paired block of a real record
        ("paired-units-strings", setv("paired.units", "x")),
        ("paired-units-nan", lambda r: r["paired"]["units"]["p50"].update({k: float("nan") for k in r["paired"]["units"]["p50"]})),
        ("paired-stop-null", setv("paired.stop", None)),
        ("paired-workers-negative", setv("paired.workers", -3)),
        ("paired-alpha-zero", setv("paired.alpha", 0)),
        ("paired-tail-unsorted", setv("paired.tail_ms", [5.0, 1.0, "x"])),
        ("paired-not-object", setv("paired", [1])),
        ("paired-sequence-mixed", setv("paired.sequence", "other-seq")),
    ]
    for name, edit in P:
        C.append(Case(f"record-{name}", "records", ["report", str(d / f"h_{name}"), *rep(f"h_{name}")[1:]], "either",
                      setup=lambda d, n=name, e=edit: edit_records(d, f"h_{n}", e, src="real", which=0)))
    C.append(Case("record-foreign-json-in-results", "records", ["report", str(d / "h_foreign"), *rep("hf")[1:]], "error",
                  setup=lambda d: _write(copy_results(d, "h_foreign") / "notes.json", '{"hello": 1}')))
    C.append(Case("records-10k-copies-other-names", "records", ["report", str(d / "h_many"), *rep("hmany")[1:]],
                  "error", "two records of cell", timeout=120, setup=lambda d: _many(copy_results(d, "h_many"))))

    # ---- hostile device profiles -----------------------------------------------------------------------
    T = [
        ("batch-zero", {"batch_sizes = [1, 32]": "batch_sizes = [0]"}),
        ("batch-negative", {"batch_sizes = [1, 32]": "batch_sizes = [-1]"}),
        ("batch-huge", {"batch_sizes = [1, 32]": "batch_sizes = [1000000000]"}),
        ("batch-float", {"batch_sizes = [1, 32]": "batch_sizes = [1.5]"}),
        ("batch-empty", {"batch_sizes = [1, 32]": "batch_sizes = []"}),
        ("threads-zero", {"threads = 1\nproviders": "threads = 0\nproviders"}),
        ("threads-huge", {"threads = 1\nproviders": "threads = 100000\nproviders"}),
        ("budget-negative", {"budget_s = 300": "budget_s = -1"}),
        ("block-zero", {"block_ms = 10": "block_ms = 0"}),
        ("rounds-zero", {"rounds_per_worker = 4": "rounds_per_worker = 0"}),
        ("min-workers-one", {"min_workers = 5": "min_workers = 1"}),
        ("trials-zero", {"trials = 1 ": "trials = 0 "}),
        ("backend-unknown", {'backends = ["onnxruntime"]': 'backends = ["quantum"]'}),
        ("backends-empty", {'backends = ["onnxruntime"]': "backends = []"}),
        ("precision-fp64", {'precisions = ["fp32", "fp16", "int8"]': 'precisions = ["fp64"]'}),
        ("providers-bogus", {'providers = ["CPUExecutionProvider"]': 'providers = ["WarpDriveProvider"]'}),
        ("power-source-bogus", {'source = "none"': 'source = "lightning"'}),
        ("name-slash", {'name = "cpu"': 'name = "../../x"'}),
        ("name-newline", {'name = "cpu"': 'name = "a\\nb"'}),
        ("min-gain-negative", {"min_gain = 0.05": "min_gain = -0.5"}),
        ("stations-zero", {"stations = 4": "stations = 0"}),
        ("line-rate-negative", {"line_rate_ips = 30": "line_rate_ips = -30"}),
        ("duplicate-key", {"min_gain = 0.05": "min_gain = 0.05\nmin_gain = 0.06"}),
        ("warmup-huge", {"warmup_s = 0.2": "warmup_s = 1e300"}),
    ]
    for name, repl in T:
        C.append(Case(f"device-{name}", "profiles", ["devices", str(d / f"dev_{name}.toml")], "error",
                      setup=lambda d, n=name, r=repl: device_toml(d, f"dev_{n}.toml", r)))
    for name, text in (("empty", ""), ("binary", "\x00\xff\xfe"), ("syntax", "name = \n[[["),
                       ("array-root", "[[x]]\na = 1\n")):
        C.append(Case(f"device-file-{name}", "profiles", ["devices", str(d / f"devf_{name}.toml")], "error",
                      setup=lambda d, n=name, t=text: device_toml(d, f"devf_{n}.toml", text=t)))
    for name, repl in (("profile-threads-huge", {"threads = 1\nproviders": "threads = 100000\nproviders"}),
                       ("profile-batch-huge", {"batch_sizes = [1, 32]": "batch_sizes = [100000000]"}),
                       ("profile-budget-zero", {"budget_s = 300": "budget_s = 0"})):
        C.append(Case(f"device-{name}-run", "profiles",
                      ["profile", B, "--out", str(d / f"r_{name}"), "--device", str(d / f"devp_{name}.toml"),
                       "--precisions", "fp32", "--duration", "0.02", "--warmup", "0", "--iterations", "5",
                       "--isolation", "none", "--variants", "relu"], "error", timeout=120,
                      setup=lambda d, n=name, r=repl: device_toml(d, f"devp_{n}.toml", r)))

    # ---- locale and environment --------------------------------------------------------------------------
    for tag, env in (("tmpdir-missing", {"TMPDIR": "/nonexistent/tmp"}), ("tmpdir-file", {"TMPDIR": str(d / "afile")}),
                     ("home-unset", {"HOME": ""}), ("tz-weird", {"TZ": "Mars/Olympus"}),
                     ("omp-zero", {"OMP_NUM_THREADS": "0"}), ("columns-tiny", {"COLUMNS": "5"}),
                     ("lang-turkish", {"LC_ALL": "tr_TR.UTF-8"}), ("pythonioencoding-ascii", {"PYTHONIOENCODING": "ascii"})):
        C.append(Case(f"env-{tag}-profile", "environment", ["profile", B, "--out", str(d / f"e_{tag}"), *QUICK,
                                                             "--variants", "relu", "--budget", "1"], "either", env=env))
        C.append(Case(f"env-{tag}-report", "environment", ["report", R, "--out", str(d / f"erep_{tag}"),
                                                            "--format", "md,html,json,csv"], "either", env=env))
    C.append(Case("env-stdout-closed-report", "environment", ["report", R, "--out", str(d / "erep_closed")], "either",
                  env={"_PROBE_CLOSE_STDOUT": "1"}))
    C.append(Case("env-hashseed-report-identical", "environment", ["report", R, "--out", str(d / "erep_h1"),
                                                                   "--format", "md"], "ok",
                  env={"PYTHONHASHSEED": "123"}, check=lambda d, p: _same_report(d)))

    # ---- concurrency -------------------------------------------------------------------------------------
    C.append(Case("conc-4-reports-same-out", "concurrency", ["report", R, "--out", str(d / "c_rep"), "--format",
                                                             "md,json"], "either", parallel=4,
                  check=lambda d, p: None if json.loads((d / "c_rep" / "report.json").read_text()) else "empty"))
    C.append(Case("conc-3-profiles-same-out", "concurrency", ["profile", B, "--out", str(d / "c_prof"), *QUICK,
                                                              "--variants", "relu", "--budget", "2"], "either",
                  parallel=3, check=lambda d, p: _one_record(d / "c_prof")))
    C.append(Case("conc-2-inspects", "concurrency", ["inspect", B], "ok", parallel=2))
    C.append(Case("conc-report-while-resume", "concurrency", ["report", str(d / "real"), "--out",
                                                              str(d / "c_rr"), "--format", "md"], "ok", parallel=3))
    return C


# -- setup helpers --------------------------------------------------------------------------------------------

def _write(p: Path, text: str) -> None:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, errors="surrogateescape")


def _replace_with_dir(p: Path) -> None:
    if p.is_file():
        p.unlink()
    p.mkdir(exist_ok=True)


def _symlink(p: Path, target: str) -> None:
    if p.exists() or p.is_symlink():
        p.unlink()
    p.symlink_to(target)


def _symlink_same(b: Path, rel: str, d: Path) -> None:
    outside = d / "outside.onnx"
    shutil.copy(b / rel, outside)
    _symlink(b / rel, str(outside))


def _loop_file(d: Path) -> None:
    b = copy_bundle(d, "b_loopfile")
    p = b / "relu" / "graph.fp32.onnx"
    if p.exists() or p.is_symlink():
        p.unlink()
    p.symlink_to(p)


def _rehash(b: Path, rel: str, change) -> None:
    from edgecrelu.fileio import sha256_file

    p = b / rel
    p.write_bytes(change(p.read_bytes()))
    _manifest(b, lambda m: _sha(m, rel, sha256_file(p)))


def _sha(m: dict, rel: str, sha: str) -> None:
    m["files"][rel] = sha
    for a in m.get("artifacts", []):
        if a["path"] == rel:
            a["sha256"] = sha


def _manifest(b: Path, edit) -> None:
    m = json.loads((b / "manifest.json").read_text())
    edit(m)
    (b / "manifest.json").write_text(json.dumps(m))


def _eval_pickled(b: Path) -> None:
    import numpy as np

    p = b / "data" / "eval.npz"
    np.savez(p, x=np.array([object()], dtype=object), y=np.array([1]))
    from edgecrelu.fileio import sha256_file

    _manifest(b, lambda m: _sha(m, "data/eval.npz", sha256_file(p)))


def _partial_trial(o: Path, text: str, marker: str | None = None) -> None:
    part = o / ".partial"
    for f in o.glob("relu*.json"):
        f.unlink()  # relu is measured again: its stored trial is read
    key = "relu.graph.fp32.onnxruntime.b1"
    _write(part / key / "trial0.result", text)
    if marker is not None:
        _write(part / "bundle_sha256", marker)


def _truncate(p: Path) -> None:
    p.write_text(p.read_text()[:100])


def _edit_first(o: Path, edit) -> None:
    f = sorted(o.glob("*.json"))[0]
    rec = json.loads(f.read_text())
    edit(rec)
    f.write_text(json.dumps(rec))


def _keep_one(o: Path) -> None:
    for f in sorted(o.glob("*.json"))[1:]:
        f.unlink()


def _many(o: Path) -> None:
    f = sorted(o.glob("*.json"))[0]
    for i in range(300):
        shutil.copy(f, o / f"copy{i:04d}.json")


def _same_report(d: Path) -> str | None:
    a = cli("report", d / "real", "--out", d / "erep_h2", "--format", "md", env={"PYTHONHASHSEED": "7"})
    if a.returncode:
        return "second report failed"
    strip = lambda t: "\n".join(ln for ln in t.splitlines() if "report written" not in ln)  # noqa: E731
    one, two = (d / "erep_h1" / "report.md").read_text(), (d / "erep_h2" / "report.md").read_text()
    return None if strip(one) == strip(two) else "report.md differs with PYTHONHASHSEED"


def _bundle_intact(b: Path) -> str | None:
    from edgecrelu.bundle import Bundle

    Bundle.open(b)  # raises when a file of the bundle changed
    return None


def _one_record(out: Path) -> str | None:
    from edgecrelu.results import load_record

    recs = list(out.glob("*.json"))
    for r in recs:
        load_record(r)
    return None if len(recs) == 1 else f"{len(recs)} records"


# -- running and classifying --------------------------------------------------------------------------------

def _argv(case: Case, d: Path) -> list:
    out = []
    for a in case.argv:
        if isinstance(a, bytes):
            out.append(a)
        else:
            out.append(str(a).replace("{d}", str(d)))
    return out


def run_one(case: Case, d: Path) -> tuple:
    """(rc, stdout, stderr, hung)"""
    args = [os.fsencode(sys.executable), b"-m", b"edgecrelu", *[a if isinstance(a, bytes) else os.fsencode(a)
                                                              for a in _argv(case, d)]]
    env = dict(ENV, **case.env)
    close = env.pop("_PROBE_CLOSE_STDOUT", None)
    stdout = subprocess.PIPE
    if close:  # a reader that went away (`| head` that exited): stdout is a pipe nobody reads
        r, stdout = os.pipe()
        os.close(r)
    p = subprocess.Popen(args, env=env, cwd=case.cwd or str(ROOT), stdin=subprocess.DEVNULL,
                         stdout=stdout, stderr=subprocess.PIPE, start_new_session=True)
    if close:
        os.close(stdout)
    try:
        out, err = p.communicate(timeout=case.timeout)
        return p.returncode, (out or b"").decode(errors="replace"), err.decode(errors="replace"), False
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        return None, (out or b"").decode(errors="replace"), err.decode(errors="replace"), True


def classify(case: Case, d: Path, res: tuple, before: dict) -> tuple[str, str]:
    rc, out, err, hung = res
    after = {}
    for rel in case.protect:
        after.update(_sh(d / rel))
    gone = sorted(set(before) - set(after))
    changed = sorted(k for k in before if k in after and before[k] != after[k])
    if gone or changed:
        return "data-loss", f"protected files changed or gone: {(gone + changed)[:3]}"
    if set(after) - set(before):
        return "silent", f"wrote into a protected directory: {sorted(set(after) - set(before))[:2]}"
    if hung:
        return "hang", f"no exit within {case.timeout:g} s"
    text = out + err
    if "Traceback (most recent call last)" in text:
        last = [ln for ln in text.splitlines() if ln.strip()][-1:]
        return "traceback", last[0][:200] if last else ""
    errors = [ln for ln in err.splitlines() if ln.startswith("Error:")]
    if rc != 0:
        if len(errors) != 1:
            return "traceback", f"exit {rc} without one Error line: {err.strip().splitlines()[-1:]!r}"[:200]
        if case.expect == "ok":
            return "silent", f"refused: {errors[0][:200]}"
        if case.words and case.words not in errors[0]:
            return "ok-poor", f"Error line lacks {case.words!r}: {errors[0][:200]}"
        return "ok", errors[0][:160]
    if case.expect == "error":
        return "silent", "exit 0 where a one-line refusal was due"
    problem = _checked(case, d, res)
    return ("silent", problem) if problem else ("ok", "exit 0")


def _checked(case: Case, d: Path, res) -> str | None:
    if case.check is None:
        return None
    try:
        return case.check(d, res)
    except Exception as exc:  # noqa: BLE001 -- a check that cannot read the output found it missing or bad
        return f"check failed: {type(exc).__name__}: {exc}"[:200]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the sandbox")
    a = ap.parse_args(argv)
    d = Path(tempfile.mkdtemp(prefix="edgecrelu-probe-"))
    t0 = time.monotonic()
    try:
        all_cases = cases(d)
        selected = [c for c in all_cases if a.only in c.id]
        if a.list:
            for c in selected:
                print(f"{c.group:12s} {c.id}")
            print(f"{len(selected)} cases")
            return 0
        build(d)
        counts: dict = {}
        bad = []
        for c in selected:
            if c.setup is not None:
                c.setup(d)
            before = {}
            for rel in c.protect:
                before.update(_sh(d / rel))
            if c.parallel > 1:
                results = [None] * c.parallel
                threads = [threading.Thread(target=lambda i=i, c=c, results=results: results.__setitem__(i, run_one(c, d)))
                           for i in range(c.parallel)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                verdicts = [classify(c, d, r, before) for r in results]
                worst = next((v for v in verdicts if v[0] != "ok"), verdicts[0])
                if worst[0] == "ok":
                    problem = _checked(c, d, results[0])
                    worst = ("silent", problem) if problem else worst
            else:
                worst = classify(c, d, run_one(c, d), before)
            counts[worst[0]] = counts.get(worst[0], 0) + 1
            if worst[0] != "ok" or a.verbose:
                print(f"{worst[0]:10s} {c.group:12s} {c.id}: {worst[1]}", flush=True)
            if worst[0] != "ok":
                bad.append(c.id)
        order = ["ok", "ok-poor", "traceback", "hang", "silent", "data-loss"]
        print(f"\n{len(selected)} cases in {time.monotonic() - t0:.0f} s: "
              + ", ".join(f"{k} {counts.get(k, 0)}" for k in order))
        return 1 if bad else 0
    finally:
        if not a.keep:
            shutil.rmtree(d, ignore_errors=True)
        else:
            print(f"sandbox kept: {d}")


if __name__ == "__main__":
    sys.exit(main())
