"""Values whose types fit but no run can use (issue 28's second probe, its last 8 silent cases):
a device profile with a batch of 10**9, 100000 threads, a made-up ONNX Runtime provider, an
astronomical warm-up or a name holding ``../`` or a newline; a manifest whose input shape is 10**30;
a record whose cell names a variant ``../../etc``. Each is refused in one line that names the file
and the key, before anything is measured or written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from edgecrelu.cli import cli
from edgecrelu.devices import PROFILE_DIR
from tests.cli_helpers import one_line_error

RECORDS = Path(__file__).resolve().parents[1] / "fixtures" / "records" / "go"


def _profile(tmp_path: Path, old: str, new: str) -> Path:
    text = (PROFILE_DIR / "cpu.toml").read_text()
    assert old in text, old
    p = tmp_path / "dev.toml"
    p.write_text(text.replace(old, new, 1))
    return p


@pytest.mark.parametrize("old, new, words", [
    ("batch_sizes = [1, 32]", "batch_sizes = [1, 1000000000]", "batch_sizes must be at most 4096 each"),
    ("threads = 1\nproviders", "threads = 100000\nproviders", "onnxruntime.threads must be at most 1024"),
    ('providers = ["CPUExecutionProvider"]', 'providers = ["WarpDriveProvider"]',
     "onnxruntime.providers has unknown provider 'WarpDriveProvider'"),
    ("warmup_s = 0.2", "warmup_s = 1e300", "timing.warmup_s must be at most 3600"),
    ("min_duration_s = 1.0", "min_duration_s = 1e9", "timing.min_duration_s must be at most 3600"),
    ('name = "cpu"', 'name = "../../x"', "name must be letters, digits"),
    ('name = "cpu"', 'name = "a\\nb"', "name must be letters, digits"),
], ids=["batch", "threads", "provider", "warmup", "duration", "name-slash", "name-newline"])
def test_device_profile_value_out_of_bounds_is_one_line(tmp_path, old, new, words):
    dev = _profile(tmp_path, old, new)
    one_line_error(CliRunner().invoke(cli, ["devices", str(dev)]), f"device profile {dev}: {words}")


def test_profile_refuses_a_huge_warmup_before_measuring(tmp_path):
    """``warmup_s = 1e300`` with ``--isolation none`` would spin in this process for ever."""
    from tests.fixtures.tiny_bundle import cached_tiny_bundle

    dev = _profile(tmp_path, "warmup_s = 0.2", "warmup_s = 1e300")
    out = tmp_path / "R"
    r = CliRunner().invoke(cli, ["profile", str(cached_tiny_bundle(precisions=("fp32",))), "--out", str(out),
                                 "--device", str(dev), "--isolation", "none", "--variants", "relu"])
    one_line_error(r, "timing.warmup_s must be at most 3600")
    assert not out.exists() or not list(out.glob("*.json"))


def test_profile_refuses_a_huge_warmup_option(tmp_path):
    from tests.fixtures.tiny_bundle import cached_tiny_bundle

    r = CliRunner().invoke(cli, ["profile", str(cached_tiny_bundle(precisions=("fp32",))), "--out",
                                 str(tmp_path / "R"), "--warmup", "1e300", "--isolation", "none"])
    one_line_error(r, "--warmup must be at most 3600")


def test_the_built_in_profiles_are_within_the_bounds():
    from edgecrelu.devices import builtin_names, load_device

    assert [load_device(n).name for n in builtin_names()] == builtin_names()


def test_every_provider_of_the_installed_onnxruntime_is_known():
    ort = pytest.importorskip("onnxruntime")
    from edgecrelu.registries import ORT_PROVIDERS

    assert set(ort.get_all_providers()) <= set(ORT_PROVIDERS)


def test_manifest_input_shape_of_10_30_is_one_line(tmp_path):
    from tests.fixtures.tiny_bundle import cached_tiny_bundle

    b = tmp_path / "b"
    shutil.copytree(cached_tiny_bundle(precisions=("fp32",)), b)
    m = json.loads((b / "manifest.json").read_text())
    m["model"]["input_shape"] = [1, 10**30, 8]
    (b / "manifest.json").write_text(json.dumps(m))
    one_line_error(CliRunner().invoke(cli, ["inspect", str(b)]),
                   "manifest model.input_shape must be [C, H, W] of positive integers up to 65536")


@pytest.mark.parametrize("field, value, words", [
    ("variant", "../../etc", "cell.variant must be a variant name"),
    ("variant", "RELU", "cell.variant must be a variant name"),  # parses, but its key would not be this file's
    ("form", "../x", "cell.form must be one of graph"),
    ("precision", "fp64", "cell.precision must be one of fp32"),
    ("backend", "quantum", "cell.backend must be one of onnxruntime"),
], ids=["variant-slash", "variant-upper", "form", "precision", "backend"])
def test_record_cell_names_come_from_the_registries(tmp_path, field, value, words):
    res = tmp_path / "res"
    shutil.copytree(RECORDS, res)
    f = sorted(res.glob("*.json"))[0]
    rec = json.loads(f.read_text())
    rec["cell"][field] = value
    f.write_text(json.dumps(rec))
    r = CliRunner().invoke(cli, ["report", str(res), "--out", str(tmp_path / "rep"), "--format", "md"])
    one_line_error(r, f"{f}: {words}")
    assert not (tmp_path / "rep").exists()


def test_every_variant_name_a_record_may_hold_passes():
    from edgecrelu.schema.record import Cell

    for name in ("relu", "crelu@4", "crelu-half@2", "relu-half@2", "relu-w@2", "crelu-half@2+kd", "relu+kd"):
        for form in ("graph", "eager"):
            Cell(variant=name, form=form, precision="fp32", backend="onnxruntime", batch=1)
