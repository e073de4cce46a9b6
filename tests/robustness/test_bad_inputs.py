"""The robustness table: bad input to every command is refused with a non-zero exit, one ``Error:``
line naming the file or option, no traceback, and the outputs already there left intact.

``{d}`` in an argument is the sandbox (``sandbox.py``: a good bundle, records and report next to
bad inputs). Cases that reach torch (train, export, models, run) skip where torch is not installed.
Permission cases are not in the table (the CI runs as root, which ignores file modes; see
``test_os_errors.py``), but an output under ``/proc`` is refused even to root: those rows are real.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys

import pytest
from click.testing import CliRunner

from edgecrelu.cli import cli

from . import sandbox

HAS_TORCH = importlib.util.find_spec("torch") is not None
B = "{d}/bundle"
USER, EXIT = sandbox.USER_MODELS, sandbox.EXIT_AT_IMPORT
TRAIN8 = ["train", "--out", "{d}/run2", "--input-size", "8", "--epochs", "1", "--variants", "relu"]
TRAIN16 = ["train", "--out", "{d}/run2", "--input-size", "16", "--epochs", "1", "--variants", "relu"]
PROF = ["profile", B, "--out", "{d}/newres"]
REP = ["report", "--out", "{d}/newrep"]

# (id, argv, words the one Error line must hold (a tuple: each of them), needs torch)
CASES = [
    # -- report: records that must never reach a verdict --
    ("report-missing", [*REP, "{d}/nope"], "results not found: {d}/nope", False),
    ("report-empty-dir", [*REP, "{d}/empty"], "no result records (*.json) in {d}/empty", False),
    ("report-nan-p99", [*REP, "{d}/rec_nan_p99"], "latency_ms.p99 must be a finite number", False),
    ("report-negative-p50", [*REP, "{d}/rec_neg_p50"], "latency_ms.p50 must be a number >= 0", False),
    ("report-inf-throughput", [*REP, "{d}/rec_inf_tput"], "throughput_ips must be a finite number", False),
    ("report-bool-latency", [*REP, "{d}/rec_bool_mean"], "latency_ms.mean must be a number", False),
    ("report-top1-percent", [*REP, "{d}/rec_top1_pct"], "accuracy.top1 = 97.2 is not a fraction", False),
    ("report-schema-2", [*REP, "{d}/rec_schema2"], "schema_version 2 is not supported", False),
    ("report-schema-string", [*REP, "{d}/rec_schema_str"], "schema_version must be the integer 1, got '1'", False),
    ("report-negative-rss", [*REP, "{d}/rec_neg_rss"], "memory.peak_rss_bytes must be a number >= 0", False),
    ("report-nan-power", [*REP, "{d}/rec_nan_power"], "power.mean_mw must be a finite number", False),
    ("report-inf-stage", [*REP, "{d}/rec_stage_inf"], "stages_ms.compute.p50 must be a finite number", False),
    ("report-nan-trial", [*REP, "{d}/rec_trial_nan"], "trials[0].p50 must be a finite number", False),
    ("report-nan-seed-acc", [*REP, "{d}/rec_train_nan"], "bundle.train.test_acc", False),
    ("report-string-batch", [*REP, "{d}/rec_cell_str_batch"], "cell.batch must be a positive integer", False),
    ("report-foreign-bundle", [*REP, "{d}/rec_foreign"],
     ("records from different bundles", "`edgecrelu compare RESULTS_A RESULTS_B`"), False),
    ("report-two-policies", [*REP, "{d}/rec_policy"], "embed different [decision] policies", False),
    ("report-duplicate-cell", [*REP, "{d}/rec_dup"], "two records of cell", False),
    ("report-two-result-dirs", [*REP, "{d}/results", "{d}/rec_dup"], "two records of cell", False),
    ("report-truncated", [*REP, "{d}/rec_truncated"], "cannot read result record {d}/rec_truncated/zz-truncated.json", False),
    ("report-binary", [*REP, "{d}/rec_binary"], "cannot read result record {d}/rec_binary/zz-binary.json", False),
    ("report-policy-inf", [*REP, "{d}/results", "--policy", "{d}/pol_inf.toml"], "decision.min_gain must be a finite number", False),
    ("report-policy-nan", [*REP, "{d}/results", "--policy", "{d}/pol_nan.toml"], "decision.max_accuracy_drop must be a finite", False),
    ("report-policy-negative", [*REP, "{d}/results", "--policy", "{d}/pol_neg.toml"], "decision.max_accuracy_drop must be >= 0", False),
    ("report-policy-key", [*REP, "{d}/results", "--policy", "{d}/pol_key.toml"], "unknown key 'decision.min_gian'", False),
    ("report-policy-type", [*REP, "{d}/results", "--policy", "{d}/pol_type.toml"], "decision.min_gain must be a number", False),
    ("report-policy-no-table", [*REP, "{d}/results", "--policy", "{d}/pol_nodec.toml"], "no [decision] table", False),
    ("report-policy-missing", [*REP, "{d}/results", "--policy", "{d}/nope.toml"], "policy file not found: {d}/nope.toml", False),
    ("report-policy-not-utf8", [*REP, "{d}/results", "--policy", "{d}/notutf8.toml"], "cannot read policy file {d}/notutf8.toml", False),
    ("report-format", [*REP, "{d}/results", "--format", "pdf"], "unknown report format 'pdf'", False),
    ("report-format-empty", [*REP, "{d}/results", "--format", ""], "empty report format list", False),
    ("report-out-is-file", ["report", "--out", "{d}/afile", "{d}/results"], "{d}/afile", False),
    ("report-out-inside-results", ["report", "--out", "{d}/results/rep", "{d}/results"], "inside the results directory", False),
    ("report-out-below-file", ["report", "--out", "{d}/afile/rep", "{d}/results"], "{d}/afile", False),
    ("report-out-proc", ["report", "--out", "/proc/edgecrelu-x", "{d}/results"],
     "cannot write the report /proc/edgecrelu-x", False),
    ("report-format-twice", [*REP, "{d}/results", "--format", "md,json,md"], "report format 'md' listed twice", False),
    ("report-policy-directory", [*REP, "{d}/results", "--policy", "{d}/empty"],
     ("'--policy'", "{d}/empty", "is a directory"), False),
    # -- devices: profiles with values no run can use --
    ("devices-nan", ["devices", "{d}/dev_nan.toml"], "timing.warmup_s must be a finite number", False),
    ("devices-inf", ["devices", "{d}/dev_inf.toml"], "decision.line_rate_ips must be a finite number", False),
    ("devices-p99-budget-zero", ["devices", "{d}/dev_p99_zero.toml"],
     "decision.latency_budget_p99_ms must be > 0 (leave it out for no budget), got 0", False),
    ("devices-memory-budget-zero", ["devices", "{d}/dev_mem_zero.toml"], "decision.memory_budget_mb must be > 0", False),
    ("devices-name-empty", ["devices", "{d}/dev_name_empty.toml"],
     "device profile {d}/dev_name_empty.toml: name must be a non-empty string, got ''", False),
    ("devices-unknown", ["devices", "no-such-device"], "no-such-device", False),
    ("devices-not-utf8", ["devices", "{d}/notutf8.toml"], "{d}/notutf8.toml", False),
    ("devices-directory", ["devices", "{d}/empty"], "device profile {d}/empty is a directory", False),
    # -- profile: refused before any measurement --
    ("profile-threads-huge", [*PROF, "--threads", "100000"], "--threads", False),
    ("profile-threads-zero", [*PROF, "--threads", "0"], "--threads", False),
    ("profile-warmup-nan", [*PROF, "--warmup", "nan"], "--warmup", False),
    ("profile-duration-inf", [*PROF, "--duration", "inf"], "--duration", False),
    ("profile-duration-negative", [*PROF, "--duration", "-1"], "--duration", False),
    ("profile-iterations-zero", [*PROF, "--iterations", "0"], "--iterations", False),
    ("profile-batch-empty", [*PROF, "--batch", ""], "empty batch size list", False),
    ("profile-batch-zero", [*PROF, "--batch", "0"], "bad batch size '0'", False),
    ("profile-batch-word", [*PROF, "--batch", "eight"], "bad batch size 'eight'", False),
    ("profile-batch-huge", [*PROF, "--batch", "100000000000"], "--batch 100000000000 of [1, 8, 8] inputs", False),
    ("profile-variants-empty", [*PROF, "--variants", ""], "empty variant list", False),
    ("profile-precision", [*PROF, "--precisions", "fp64"], "unknown precision 'fp64'", False),
    ("profile-backend", [*PROF, "--backend", "nope"], "unknown backend 'nope'", False),
    ("profile-device", [*PROF, "--device", "nope"], "nope", False),
    ("profile-device-nan", [*PROF, "--device", "{d}/dev_nan.toml"], "timing.warmup_s must be a finite number", False),
    ("profile-device-p99-budget-zero", [*PROF, "--device", "{d}/dev_p99_zero.toml"],
     "decision.latency_budget_p99_ms must be > 0", False),
    ("profile-device-name-empty", [*PROF, "--device", "{d}/dev_name_empty.toml"], "name must be a non-empty string", False),
    ("profile-bundle-missing", ["profile", "{d}/nope", "--out", "{d}/newres"], "bundle not found: {d}/nope", False),
    ("profile-bundle-tampered", ["profile", "{d}/bundle_tampered", "--out", "{d}/newres"], "failed verification", False),
    ("profile-bundle-bad-manifest", ["profile", "{d}/bundle_badmanifest", "--out", "{d}/newres"], "model.input_shape", False),
    ("profile-not-a-bundle", ["profile", "{d}/results", "--out", "{d}/newres"], "not a bundle", False),
    ("profile-bundle-schema-string", ["profile", "{d}/bundle_schemastr", "--out", "{d}/newres"],
     "bundle {d}/bundle_schemastr: schema_version must be the integer 1, got '1'", False),
    ("profile-out-below-file", ["profile", B, "--out", "{d}/afile/res"], "{d}/afile", False),
    ("profile-out-proc", ["profile", B, "--out", "/proc/edgecrelu-x"], "results directory /proc/edgecrelu-x", False),
    ("profile-batch-twice", [*PROF, "--batch", "1,8,01"], "batch size '01' listed twice", False),
    ("profile-variants-twice", [*PROF, "--variants", "relu,crelu-half@1,relu"], "variant 'relu' listed twice", False),
    ("profile-forms-twice", [*PROF, "--forms", "graph,graph"], "form 'graph' listed twice", False),
    ("profile-precisions-twice", [*PROF, "--precisions", "fp32,fp32"], "precision 'fp32' listed twice", False),
    ("profile-backend-twice", [*PROF, "--backend", "onnxruntime,onnxruntime"], "backend 'onnxruntime' listed twice", False),
    ("profile-device-directory", [*PROF, "--device", "{d}/empty"], "device profile {d}/empty is a directory", False),
    # -- inspect --
    ("inspect-missing", ["inspect", "{d}/nope"], "bundle not found: {d}/nope", False),
    ("inspect-not-a-bundle", ["inspect", "{d}/results"], "not a bundle", False),
    ("inspect-tampered", ["inspect", "{d}/bundle_tampered"], "failed verification", False),
    ("inspect-bad-manifest", ["inspect", "{d}/bundle_badmanifest"], "model.input_shape", False),
    ("inspect-schema-string", ["inspect", "{d}/bundle_schemastr"], "schema_version must be the integer 1, got '1'", False),
    # -- train: refused before any work --
    ("train-lr-nan", ["train", "--out", "{d}/run2", "--lr", "nan"], "--lr", True),
    ("train-lr-inf", ["train", "--out", "{d}/run2", "--lr", "inf"], "--lr", True),
    ("train-lr-negative", ["train", "--out", "{d}/run2", "--lr", "-1"], "--lr", True),
    ("train-width-inf", ["train", "--out", "{d}/run2", "--width", "inf"], "--width", True),
    ("train-width-huge", ["train", "--out", "{d}/run2", "--width", "1000"], "--width", True),
    ("train-input-size-huge", ["train", "--out", "{d}/run2", "--input-size", "100000"], "--input-size", True),
    ("train-seeds-negative", ["train", "--out", "{d}/run2", "--seeds", "-1"], "bad seed '-1'", True),
    ("train-seeds-empty", ["train", "--out", "{d}/run2", "--seeds", ""], "empty seed list", True),
    ("train-threads-huge", ["train", "--out", "{d}/run2", "--threads", "100000"], "--threads", True),
    ("train-epochs-zero", ["train", "--out", "{d}/run2", "--epochs", "0"], "--epochs", True),
    ("train-seeds-twice", ["train", "--out", "{d}/run2", "--seeds", "0,1,0"], "seed '0' listed twice", True),
    ("train-variants-twice", ["train", "--out", "{d}/run2", "--variants", "relu,relu"], "variant 'relu' listed twice", True),
    ("train-out-proc", ["train", "--out", "/proc/edgecrelu-x"], "train run directory /proc/edgecrelu-x", True),
    ("train-zero-images", [*TRAIN8, "--data", "npz:{d}/zero.npz"], "npz:{d}/zero.npz has no images", True),
    ("train-nan-pixels", [*TRAIN8, "--data", "npz:{d}/nan.npz"], "1 image(s) hold NaN or inf pixels", True),
    ("train-user-exit-at-import", [*TRAIN16, "--model", f"{EXIT}:build"],
     (f"importing '{EXIT}' for model '{EXIT}:build' failed", "it called sys.exit(3)"), True),
    ("train-user-exit-in-builder", [*TRAIN16, "--model", f"{USER}:exits"],
     (f"model callable '{USER}:exits' failed", "it called sys.exit(3)"), True),
    ("train-user-wrong-outputs", [*TRAIN16, "--model", f"{USER}:seven"],
     (f"model '{USER}:seven' gives outputs [2, 7]", "it must give [2, 10]"), True),
    ("train-user-broken-forward", [*TRAIN16, "--model", f"{USER}:broken"],
     (f"model '{USER}:broken' does not run on a [2, 1, 16, 16] batch", "forward is broken"), True),
    ("train-checkpoint-classes", [*TRAIN16, "--width", "0.25", "--checkpoint", "{d}/ck7.pt"],
     ("checkpoint {d}/ck7.pt has 7 outputs", "the data has 10 classes"), True),
    ("train-checkpoint-nan", [*TRAIN16, "--width", "0.25", "--checkpoint", "{d}/cknan.pt"],
     "checkpoint {d}/cknan.pt holds NaN or inf values", True),
    # -- models --
    ("models-width-nan", ["models", "--width", "nan"], "--width", True),
    ("models-input-size-huge", ["models", "--input-size", "100000"], "--input-size", True),
    ("models-user-exit-in-builder", ["models", "--model", f"{USER}:exits", "--input-size", "16"], "sys.exit(3)", True),
    # -- export --
    ("export-run-missing", ["export", "{d}/nope", "--out", "{d}/b2"], "train run directory not found: {d}/nope", True),
    ("export-not-a-run", ["export", "{d}/results", "--out", "{d}/b2"], "{d}/results/run.json", True),
    ("export-run-schema-string", ["export", "{d}/run_schemastr", "--out", "{d}/b2"],
     "{d}/run_schemastr/run.json: schema_version must be the integer 1, got '1'", True),
    ("export-int8-drop-nan", ["export", "{d}/results", "--out", "{d}/b2", "--max-int8-drop", "nan"], "--max-int8-drop", True),
    ("export-precision", ["export", "{d}/results", "--out", "{d}/b2", "--precisions", "fp32,fp64"], "unknown precision 'fp64'", True),
    ("export-form", ["export", "{d}/results", "--out", "{d}/b2", "--forms", "wavy"], "unknown form 'wavy'", True),
    ("export-variants-empty", ["export", "{d}/results", "--out", "{d}/b2", "--variants", ""], "empty variant list", True),
    ("export-opset-low", ["export", "{d}/results", "--out", "{d}/b2", "--opset", "5"], "--opset", True),
    ("export-opset-high", ["export", "{d}/results", "--out", "{d}/b2", "--opset", "99"],
     "--opset 99: the installed onnx", True),
    ("export-precisions-twice", ["export", "{d}/results", "--out", "{d}/b2", "--precisions", "fp32,fp32"],
     "precision 'fp32' listed twice", True),
    ("export-forms-twice", ["export", "{d}/results", "--out", "{d}/b2", "--forms", "graph,folded,graph"],
     "form 'graph' listed twice", True),
    ("export-out-proc", ["export", "{d}/results", "--out", "/proc/edgecrelu-x"], "bundle /proc/edgecrelu-x", True),
    ("export-overwrite-not-a-bundle", ["export", "{d}/results", "--out", "{d}/report", "--overwrite"],
     "{d}/report is not an edgecrelu bundle", True),
    # -- run --
    ("run-backend", ["run", "--out", "{d}/o", "--backend", "nope"], "unknown backend 'nope'", False),
    ("run-epochs-zero", ["run", "--out", "{d}/o", "--epochs", "0"], "--epochs", False),
    ("run-out-proc", ["run", "--out", "/proc/edgecrelu-x", "--quick"], "run directory /proc/edgecrelu-x", False),
]


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    root = sandbox.build(tmp_path_factory.mktemp("box"))
    sys.path.insert(0, str(root))  # the user models of the --model rows
    yield root
    sys.path.remove(str(root))


def test_the_table_is_big_enough():
    assert len(CASES) >= 60 and len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("argv, words, torch", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_line(box, argv, words, torch):
    if torch and not HAS_TORCH:
        pytest.skip("needs torch")
    if any(a.startswith("/proc/") for a in argv) and not sys.platform.startswith("linux"):
        pytest.skip("/proc is Linux's")
    d = str(box)
    before = sandbox.snapshot(box)
    try:
        r = CliRunner().invoke(cli, [a.replace("{d}", d) for a in argv])
        _check(box, d, r, words, before)
    finally:  # what a case left must not fail the next one
        for new in NEW:
            shutil.rmtree(box / new, ignore_errors=True)


NEW = ("newres", "newrep", "run2", "b2", "o", "results/rep")


def _check(box, d, r, words, before):
    out = r.output
    assert r.exit_code not in (0, None), out
    assert isinstance(r.exception, SystemExit), f"uncaught {r.exception!r}\n{out}"
    assert "Traceback" not in out
    errors = [ln for ln in out.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1, out
    for w in words if isinstance(words, tuple) else (words,):
        assert w.replace("{d}", d) in errors[0], errors[0]
    assert sandbox.snapshot(box) == before  # nothing already written was touched
    for new in NEW:
        assert not any((box / new).rglob("*.json")), new  # and nothing half-made looks like a result


def test_one_directory_given_twice_is_one_set_of_rows(box):
    """Not an error: the same records reached twice are read once (the verdict does not change)."""
    from edgecrelu.report import ReportConfig, build_report

    once = build_report(ReportConfig((str(box / "results"),), None))
    twice = build_report(ReportConfig((str(box / "results"), str(box / "results")), None))
    assert (twice.verdict, twice.sentence) == (once.verdict, once.sentence)
    assert sum(len(s.rows) for s in twice.report.sections) == sum(len(s.rows) for s in once.report.sections)


def test_second_profile_into_a_locked_out_is_refused(box):
    from edgecrelu.fileio import DirLock

    out = box / "locked"
    with DirLock(box / ".locked.lock", "x"):
        r = CliRunner().invoke(cli, ["profile", str(box / "bundle"), "--out", str(out), "--duration", "0", "--budget", "1"])
    assert r.exit_code == 1 and "in use by another edgecrelu process" in r.output, r.output


@pytest.mark.parametrize("argv, what", [
    (["train", "--out", "{out}", "--epochs", "1", "--variants", "relu", "--input-size", "16"], "train run directory"),
    (["run", "--out", "{out}", "--quick"], "run directory"),
], ids=["train", "run"])
def test_second_writer_into_a_locked_out_is_refused(box, argv, what):
    """The lock is held here, as a first `train --out X` / `run --out X` would hold it."""
    if argv[0] == "train" and not HAS_TORCH:
        pytest.skip("needs torch")
    from edgecrelu.fileio import DirLock

    out = box / "locked"
    with DirLock(box / ".locked.lock", "x"):
        r = CliRunner().invoke(cli, [a.replace("{out}", str(out)) for a in argv])
    assert r.exit_code == 1, r.output
    assert f"Error: {what} {out} is in use by another edgecrelu process" in r.output
    assert not out.exists()  # refused before anything was written
