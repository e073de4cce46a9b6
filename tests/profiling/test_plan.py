"""Everything refused before timing (bad bundles, bad selections) and the command line's overrides."""

import json

import pytest
from fixtures.tiny_bundle import copy_bundle
from profile_helpers import cfg, no_timing

from edgecrelu.devices import load_device
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import sha256_file
from edgecrelu.profiling import plan
from edgecrelu.profiling.plan import ProfileConfig
from edgecrelu.profiling.session import run_profile


def _rehash(root):
    m = json.loads((root / "manifest.json").read_text())
    for rel in m["files"]:
        m["files"][rel] = sha256_file(root / rel)
    for a in m["artifacts"]:
        a["sha256"] = m["files"][a["path"]]
    (root / "manifest.json").write_text(json.dumps(m))


def test_corrupt_onnx_with_matching_hash_is_refused_before_timing(bundle, tmp_path, monkeypatch):
    b = copy_bundle(bundle, tmp_path / "b")
    (b / "relu" / "graph.fp32.onnx").write_bytes(b"\x08\x07garbage that is not a model")
    _rehash(b)
    no_timing(monkeypatch)
    with pytest.raises(EdgeCReLUError, match="relu/graph.fp32.onnx is not a valid ONNX model"):
        run_profile(cfg(b, tmp_path / "R"))
    assert not (tmp_path / "R").exists()


def test_hash_mismatch_is_refused_before_timing(bundle, tmp_path, monkeypatch):
    b = copy_bundle(bundle, tmp_path / "b")
    p = b / "crelu-half@1" / "folded.fp32.onnx"
    data = bytearray(p.read_bytes())
    data[-1] ^= 0xFF
    p.write_bytes(bytes(data))
    no_timing(monkeypatch)
    with pytest.raises(EdgeCReLUError, match="failed verification.*folded.fp32.onnx"):
        run_profile(cfg(b, tmp_path / "R"))


@pytest.mark.parametrize("kw, match", [
    (dict(variants=("nope",)), "unknown variant 'nope'"),
    (dict(forms=("pm1x1",)), "no form 'pm1x1'"),
    (dict(forms=("auto", "graph")), "--forms auto measures every form of the bundle; give it alone"),
    (dict(precisions=("fp16",)), "no precision 'fp16'"),  # the profile allows it; the bundle lacks it
    (dict(device="jetson-nano", backends=("onnxruntime",), precisions=("int8",)), "no INT8 support"),
    (dict(device="no-such-device"), "unknown device 'no-such-device'"),
    (dict(backends=("nosuch",)), "unknown backend 'nosuch'"),
    (dict(bundle="/nonexistent/bundle"), "bundle not found"),
])
def test_bad_selection_is_one_line_error(bundle, tmp_path, monkeypatch, kw, match):
    no_timing(monkeypatch)
    kw = {"bundle": str(bundle), **kw}
    with pytest.raises(EdgeCReLUError, match=match) as err:
        run_profile(cfg(kw.pop("bundle"), tmp_path / "R", **kw))
    assert "\n" not in str(err.value)


def test_effective_profile_overrides():
    p = plan.effective_profile(load_device("cpu"), ProfileConfig(bundle="b", threads=3, duration_s=0.5,
                                                                 iterations=7, trials=1, warmup_s=0))
    assert p.onnxruntime.threads == 3 and p.torch.threads == 3
    assert (p.timing.min_duration_s, p.timing.min_iterations, p.timing.trials, p.timing.warmup_s) == (0.5, 7, 1, 0.0)
    assert p.timing.cov_warn == load_device("cpu").timing.cov_warn


def test_backend_threads_follow_the_backends_options():
    p = plan.with_threads(load_device("cpu"), 4)
    assert [plan.backend_threads(p, b) for b in ("onnxruntime", "torch", "tensorrt")] == [4, 4, None]


def test_forms_auto_plans_every_form_of_the_bundle(bundle):
    from edgecrelu.backends import get_backend
    from edgecrelu.bundle import Bundle

    b, prof = Bundle.open(bundle), load_device("cpu")
    mods = [get_backend("onnxruntime")]
    auto = plan.plan_cells(b, prof, mods, ProfileConfig(bundle=str(bundle), forms=("auto",)))
    every = plan.plan_cells(b, prof, mods, ProfileConfig(bundle=str(bundle)))
    assert auto == every and {c.form for c in auto} == {a.form for a in b.artifacts()}


def test_threads_over_the_cores_this_process_may_use_are_warned(monkeypatch):
    import os

    # the affinity set, not the machine's core count: a taskset or a container's cpuset is what ORT's threads get
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    (w,) = plan.thread_warnings(plan.with_threads(load_device("cpu"), 3), ["onnxruntime"]).values()
    assert "onnxruntime runs 3 threads on the 2 core(s)" in w and "p99" in w and "--threads 2" in w
    assert plan.thread_warnings(plan.with_threads(load_device("cpu"), 2), ["onnxruntime"]) == {}
    assert plan.thread_warnings(plan.with_threads(load_device("cpu"), 8), ["tensorrt"]) == {}  # no threads option


def test_a_power_monitor_that_cannot_start_suggests_power_none(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no tegrastats
    prof, w = plan.check_power(load_device("jetson-orin-nano"), "auto")
    assert prof.power.source == "none"
    assert "power not measured" in w and "cannot run here" in w and "pass --power none" in w
    assert "[power]" not in w and 'source = "none"' not in w  # the fix is a flag, not an edited profile
