"""A sandbox of good outputs (a bundle, result records, a report, a device profile) and bad inputs
next to them, built once per test module; :func:`snapshot` hashes the good ones so a case can show
it left them intact."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GOOD = ("bundle", "results", "report")  # outputs a bad command must never touch


def snapshot(root: Path) -> dict:
    out = {}
    for top in GOOD:
        for p in sorted((root / top).rglob("*")):
            if p.is_file():
                out[p.relative_to(root).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _records(root: Path, name: str, edit) -> Path:
    """A copy of the ``go`` records with ``edit(records)`` applied, written by hand (the writer
    itself would refuse most of them)."""
    d = root / name
    shutil.copytree(FIXTURES / "records" / "go", d)
    files = sorted(d.glob("*.json"))
    recs = [json.loads(f.read_text()) for f in files]
    edit(recs, d)
    for f, r in zip(files, recs, strict=False):
        f.write_text(json.dumps(r, allow_nan=True))
    return d


def _set(path: str, value, which: int = 0):
    def edit(recs, d):
        obj = recs[which]
        *head, last = path.split(".")
        for k in head:
            obj = obj[k]
        obj[last] = value
    return edit


# user models (``--model MODULE:CALLABLE``), importable once the sandbox is on sys.path (``box`` fixture)
USER_MODELS, EXIT_AT_IMPORT = "ecr_sandbox_models", "ecr_sandbox_exit_at_import"
USER_MODELS_PY = """
import sys
from torch import nn


def _net(in_channels, classes):
    return nn.Sequential(nn.Conv2d(in_channels, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, classes))


def exits(in_channels=1, num_classes=10):
    sys.exit(3)


def seven(in_channels=1, num_classes=10):  # ignores num_classes
    return _net(in_channels, 7)


class Broken(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3)

    def forward(self, x):
        raise RuntimeError("forward is broken")


def broken(in_channels=1, num_classes=10):
    return Broken()
"""


def _checkpoints(root: Path) -> None:
    """convpool-c (width 0.25, 16 px) state dicts: one for 7 classes (digits has 10), one holding NaN."""
    import torch

    from edgecrelu.nn.build import make_model

    kw = dict(in_channels=1, input_size=16, arch_args={"width": 0.25})
    torch.save(make_model("convpool-c", "relu", num_classes=7, **kw)[0].state_dict(), root / "ck7.pt")
    state = make_model("convpool-c", "relu", num_classes=10, **kw)[0].state_dict()
    state["stage1.0.conv.weight"][0, 0, 0, 0] = float("nan")
    torch.save(state, root / "cknan.pt")


def build(root: Path) -> Path:
    from edgecrelu.report import ReportConfig, build_report
    from tests.fixtures.tiny_bundle import cached_tiny_bundle

    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(cached_tiny_bundle(precisions=("fp32",)), root / "bundle")
    shutil.copytree(FIXTURES / "records" / "go", root / "results")
    build_report(ReportConfig((str(root / "results"),), str(root / "report"), formats=("md", "json")))
    (root / "afile").write_text("a regular file\n")
    (root / "empty").mkdir()
    (root / "notutf8.toml").write_bytes(b"[decision]\nmin_gain = 0.1 # \xff\xfe\n")

    nan, inf = float("nan"), float("inf")
    _records(root, "rec_nan_p99", _set("latency_ms.p99", nan))
    _records(root, "rec_neg_p50", _set("latency_ms.p50", -1.0))
    _records(root, "rec_inf_tput", _set("throughput_ips", inf))
    _records(root, "rec_bool_mean", _set("latency_ms.mean", True))
    _records(root, "rec_top1_pct", _set("accuracy.top1", 97.2))
    _records(root, "rec_schema2", _set("schema_version", 2))
    _records(root, "rec_schema_str", _set("schema_version", "1"))
    _records(root, "rec_neg_rss", _set("memory.peak_rss_bytes", -5))
    _records(root, "rec_nan_power", _set("power", {"mean_mw": nan, "mj_per_inference": 1.0}))
    _records(root, "rec_stage_inf", _set("stages_ms", {"compute": {"p50": inf}}))
    _records(root, "rec_trial_nan", _set("trials", [{"p50": nan, "p99": 1.0, "n": 3}]))
    _records(root, "rec_train_nan", _set("bundle.train", {"test_acc": [0.9, nan]}))
    _records(root, "rec_cell_str_batch", _set("cell.batch", "1"))
    _records(root, "rec_foreign", _set("bundle.manifest_sha256", "b" * 64, which=3))
    _records(root, "rec_policy", _set("device_profile.decision", {"min_gain": 0.5}, which=2))

    def dup(recs, d):
        shutil.copy(sorted(d.glob("*.json"))[0], d / "copy-of-first.json")
    _records(root, "rec_dup", dup)

    def corrupt(recs, d):
        (d / "zz-truncated.json").write_text('{"kind": "edgecrelu-result", "sch')
    _records(root, "rec_truncated", corrupt)

    def binary(recs, d):
        (d / "zz-binary.json").write_bytes(b"\xff\xfe\x00garbage")
    _records(root, "rec_binary", binary)

    (root / "pol_inf.toml").write_text("[decision]\nmin_gain = inf\n")
    (root / "pol_nan.toml").write_text("[decision]\nmax_accuracy_drop = nan\n")
    (root / "pol_neg.toml").write_text("[decision]\nmax_accuracy_drop = -1.0\n")
    (root / "pol_key.toml").write_text("[decision]\nmin_gian = 0.1\n")
    (root / "pol_type.toml").write_text('[decision]\nmin_gain = "high"\n')
    (root / "pol_nodec.toml").write_text("[timing]\ntrials = 3\n")

    from edgecrelu.devices import PROFILE_DIR

    cpu = (PROFILE_DIR / "cpu.toml").read_text()
    (root / "dev_ok.toml").write_text(cpu)
    for name, text in {
        "dev_nan.toml": cpu.replace("warmup_s = 0.2", "warmup_s = nan", 1),
        "dev_inf.toml": cpu.replace("line_rate_ips = 30", "line_rate_ips = inf", 1),
        "dev_p99_zero.toml": cpu.replace("latency_budget_p99_ms = 20.0", "latency_budget_p99_ms = 0", 1),
        "dev_mem_zero.toml": cpu.replace("memory_budget_mb = 1024", "memory_budget_mb = 0", 1),
        "dev_name_empty.toml": cpu.replace('name = "cpu"', 'name = ""', 1),
    }.items():
        assert text != cpu, name
        (root / name).write_text(text)

    rng = np.random.default_rng(0)
    np.savez(root / "zero.npz", x=np.zeros((0, 8, 8), np.float32), y=np.zeros(0, np.int64))
    x = rng.random((60, 8, 8)).astype(np.float32)
    x[5, 2, 2] = np.nan
    np.savez(root / "nan.npz", x=x, y=np.arange(60) % 3)
    (root / f"{USER_MODELS}.py").write_text(USER_MODELS_PY)
    (root / f"{EXIT_AT_IMPORT}.py").write_text("import sys\nsys.exit(3)\n")
    if importlib.util.find_spec("torch") is not None:
        _checkpoints(root)

    tampered = root / "bundle_tampered"
    shutil.copytree(root / "bundle", tampered)
    onnx = next(tampered.rglob("*.onnx"))
    onnx.write_bytes(onnx.read_bytes() + b"x")
    badman = root / "bundle_badmanifest"
    shutil.copytree(root / "bundle", badman)
    m = json.loads((badman / "manifest.json").read_text())
    m["model"]["input_shape"] = [1, "8", 8]
    (badman / "manifest.json").write_text(json.dumps(m))
    strman = root / "bundle_schemastr"
    shutil.copytree(root / "bundle", strman)
    m = json.loads((strman / "manifest.json").read_text())
    m["schema_version"] = "1"
    (strman / "manifest.json").write_text(json.dumps(m))
    (root / "run_schemastr").mkdir()
    (root / "run_schemastr" / "run.json").write_text('{"kind": "edgecrelu-train-run", "schema_version": "1"}')
    return root
