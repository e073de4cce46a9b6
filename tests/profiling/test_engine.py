"""The cell loop: records, interleaving, resume after an interrupt, refusing bad bundles before timing."""

import json
import os

import numpy as np
import pytest
from fixtures.tiny_bundle import LABEL_TOP1, cached_tiny_bundle, copy_bundle

from edgecrelu.devices import load_device
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import sha256_file
from edgecrelu.profiling import engine
from edgecrelu.profiling.engine import ProfileConfig, combine_power, pooled_latency, run_profile
from edgecrelu.results import REQUIRED, Cell, load_records

FAST = dict(warmup_s=0.0, duration_s=0.02, iterations=5, trials=2)


@pytest.fixture(scope="module")
def bundle():
    return cached_tiny_bundle()


def cfg(bundle_dir, out, **kw):
    base = dict(bundle=str(bundle_dir), device="cpu", out=str(out), batches=(1,), isolation="none", **FAST)
    base.update(kw)
    return ProfileConfig(**base)


def files(out):
    return sorted(p.name for p in out.glob("*.json"))


def test_records_have_every_field(bundle, tmp_path):
    log = []
    run = run_profile(cfg(bundle, tmp_path / "R", batches=(1, 8)), log=log.append)
    assert len(run.records) == 12 and not run.failures  # 3 artifacts x fp32/int8 x batch 1/8
    assert len({r["run_id"] for r in run.records}) == 1
    for r in run.records:
        for key in REQUIRED + ("settings", "stages_ms", "trials", "power", "edgecrelu_version"):
            assert key in r, key
        lat, c = r["latency_ms"], r["cell"]
        assert set(lat) == {"n", "min", "mean", "p50", "p90", "p95", "p99", "max", "std", "cov"}
        assert len(r["trials"]) == 2 and lat["n"] == sum(t["n"] for t in r["trials"]) >= 10
        assert lat["min"] <= lat["p50"] <= lat["p90"] <= lat["p95"] <= lat["p99"] <= lat["max"]
        assert r["throughput_ips"] == pytest.approx(c["batch"] * 1000 / lat["mean"])
        mem = r["memory"]
        assert mem["model_bytes"] == os.path.getsize(bundle / c["variant"] / f"{c['form']}.{c['precision']}.onnx")
        assert mem["params"] > 0 and mem["macs"] > 0 and mem["peak_rss_bytes"] > 0
        assert r["device_profile"]["name"] == "cpu" and r["device_profile"]["decision"]["baseline_variant"] == "relu"
        assert r["environment"]["cpu"]["logical_cores"] >= 1
        assert r["bundle"]["manifest_sha256"] == sha256_file(bundle / "manifest.json")
        assert r["settings"]["threads"] == 1 and r["settings"]["backend"]["providers"] == ["CPUExecutionProvider"]
        assert r["power"] is None and r["stages_ms"] is None
        acc = r["accuracy"]
        assert acc["n"] == 50 and 0 <= acc["agreement_top1"] <= 1
        if c["precision"] == "fp32":
            assert acc["agreement_top1"] == 1.0 and acc["max_abs_diff"] < 1e-5
        if c["variant"] == "relu" and c["precision"] == "fp32":
            assert acc["top1"] == pytest.approx(LABEL_TOP1)  # the fixture's known answer
    # trials are interleaved: every cell's first trial before any cell's second (A B A B ...)
    trial_lines = [line for line in log if line.startswith("[trial")]
    firsts = [i for i, line in enumerate(trial_lines) if line.startswith("[trial 1/2]")]
    assert firsts == list(range(12))
    assert not list((tmp_path / "R").glob(".partial/*/trial*"))


def test_process_isolation_reports_the_cells_own_peak(bundle, tmp_path):
    run = run_profile(cfg(bundle, tmp_path / "R", variants=("relu",), precisions=("fp32",), trials=1,
                          isolation="process"), log=lambda m: None)
    (r,) = run.records
    mem = r["memory"]
    assert mem["peak_rss_scope"].startswith("cell worker process")
    assert mem["peak_rss_bytes"] >= mem["rss_before_session_bytes"] > 0
    assert r["accuracy"]["top1"] == pytest.approx(LABEL_TOP1)


def test_interrupt_after_a_record_then_resume(bundle, tmp_path):
    out = tmp_path / "R"
    config = cfg(bundle, out, precisions=("fp32",))

    def stop(path, record):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_profile(config, log=lambda m: None, on_record=stop)
    (first,) = files(out)
    before = (out / first).read_bytes()
    with pytest.raises(EdgeCReLUError, match="--resume"):  # never overwrite finished records by accident
        run_profile(config, log=lambda m: None)
    run = run_profile(cfg(bundle, out, precisions=("fp32",), resume=True), log=lambda m: None)
    assert len(run.resumed) == 1 and len(run.measured) == 2
    assert files(out) == sorted(f"{Cell(v, f, 'fp32', 'onnxruntime', 1).key}.json" for v, f in
                                [("relu", "graph"), ("crelu-half@1", "graph"), ("crelu-half@1", "folded")])
    assert (out / first).read_bytes() == before
    assert len(load_records([out])) == 3


def test_interrupt_mid_round_keeps_finished_trials(bundle, tmp_path, monkeypatch):
    out = tmp_path / "R"
    calls = []
    real = engine._Run.run_trial

    def flaky(self, cell, k):
        calls.append((cell, k))
        if len(calls) == 4:  # first cell of the second round: every cell has one finished trial
            raise KeyboardInterrupt
        return real(self, cell, k)

    monkeypatch.setattr(engine._Run, "run_trial", flaky)
    with pytest.raises(KeyboardInterrupt):
        run_profile(cfg(bundle, out, precisions=("fp32",)), log=lambda m: None)
    assert files(out) == []  # no partial record
    calls.clear()
    run = run_profile(cfg(bundle, out, precisions=("fp32",), resume=True), log=lambda m: None)
    assert [k for _, k in calls] == [1, 1, 1]  # only the missing trials ran
    assert len(run.records) == 3 and all(len(r["trials"]) == 2 for r in run.records)
    assert all(r["accuracy"]["n"] == 50 for r in run.records)
    assert not (out / ".partial").exists()


def _no_timing(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("timing started on a bad bundle")

    monkeypatch.setattr(engine._Run, "run_trial", boom)


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
    _no_timing(monkeypatch)
    with pytest.raises(EdgeCReLUError, match="relu/graph.fp32.onnx is not a valid ONNX model"):
        run_profile(cfg(b, tmp_path / "R"), log=lambda m: None)
    assert not (tmp_path / "R").exists()


def test_hash_mismatch_is_refused_before_timing(bundle, tmp_path, monkeypatch):
    b = copy_bundle(bundle, tmp_path / "b")
    p = b / "crelu-half@1" / "folded.fp32.onnx"
    data = bytearray(p.read_bytes())
    data[-1] ^= 0xFF
    p.write_bytes(bytes(data))
    _no_timing(monkeypatch)
    with pytest.raises(EdgeCReLUError, match="failed verification.*folded.fp32.onnx"):
        run_profile(cfg(b, tmp_path / "R"), log=lambda m: None)


@pytest.mark.parametrize("kw, match", [
    (dict(variants=("nope",)), "unknown variant 'nope'"),
    (dict(forms=("pm1x1",)), "no form 'pm1x1'"),
    (dict(precisions=("fp16",)), "no precision 'fp16'"),  # the profile allows it; the bundle lacks it
    (dict(device="jetson-nano", backends=("onnxruntime",), precisions=("int8",)), "no INT8 support"),
    (dict(device="no-such-device"), "unknown device 'no-such-device'"),
    (dict(backends=("nosuch",)), "unknown backend 'nosuch'"),
    (dict(bundle="/nonexistent/bundle"), "bundle not found"),
])
def test_bad_selection_is_one_line_error(bundle, tmp_path, monkeypatch, kw, match):
    _no_timing(monkeypatch)
    kw = {"bundle": str(bundle), **kw}
    with pytest.raises(EdgeCReLUError, match=match) as err:
        run_profile(cfg(kw.pop("bundle"), tmp_path / "R", **kw), log=lambda m: None)
    assert "\n" not in str(err.value)


def test_effective_profile_overrides():
    p = engine.effective_profile(load_device("cpu"), ProfileConfig(bundle="b", threads=3, duration_s=0.5,
                                                                   iterations=7, trials=1, warmup_s=0))
    assert p.onnxruntime.threads == 3 and p.torch.threads == 3
    assert (p.timing.min_duration_s, p.timing.min_iterations, p.timing.trials, p.timing.warmup_s) == (0.5, 7, 1, 0.0)
    assert p.timing.cov_warn == load_device("cpu").timing.cov_warn


def test_pooled_latency_and_stages():
    trials = [{"samples_ms": [1.0, 2.0], "stages_ms": {"compute": [0.5, 0.5]}, "wall_s": 1},
              {"samples_ms": [3.0, 4.0], "stages_ms": {"compute": [1.5, 1.5]}, "wall_s": 1}]
    lat, per, stages = pooled_latency(trials)
    assert lat["n"] == 4 and lat["p50"] == 2.5 and lat["mean"] == 2.5
    assert [t["p50"] for t in per] == [1.5, 3.5]
    assert stages["compute"]["mean"] == 1.0
    assert pooled_latency([{"samples_ms": [1.0], "stages_ms": None}])[2] is None


def test_combine_power_weights_by_samples():
    a = {"mean_mw": 1000.0, "mj_per_inference": 2.0, "rails_mw": {"VDD_IN": 1000.0}, "samples": 3,
         "source": "tegrastats", "warnings": ["w1"]}
    b = {"mean_mw": 2000.0, "mj_per_inference": 4.0, "rails_mw": {"VDD_IN": 2000.0}, "samples": 1,
         "source": "tegrastats", "warnings": ["w1", "w2"]}
    p = combine_power([a, b])
    assert p["mean_mw"] == pytest.approx(1250.0) and p["mj_per_inference"] == pytest.approx(2.5)
    assert p["samples"] == 4 and p["trials"] == 2 and p["warnings"] == ["w1", "w2"]
    assert p["rails_mw"]["VDD_IN"] == pytest.approx(1500.0)
    assert combine_power([None, None]) is None
    assert np.isclose(combine_power([a])["mean_mw"], 1000.0)


def test_power_from_a_fake_tegrastats(bundle, tmp_path, monkeypatch):
    # No Jetson here: a stand-in `tegrastats` on PATH prints the Orin line format (docs/platform-notes.md) so the
    # real TegrastatsMonitor and the record's power fields are exercised end to end.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "tegrastats"
    script.write_text("#!/bin/sh\nwhile true; do echo 'RAM 2000/7620MB (lfb 1x4MB) SWAP 0/3810MB CPU [5%@1510] "
                      "GR3D_FREQ 0%@[305] cpu@45.5C gpu@44C VDD_IN 4823mW/4823mW VDD_CPU_GPU_CV 640mW/640mW "
                      "VDD_SOC 1440mW/1440mW'; sleep 0.02; done\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    prof = tmp_path / "fake-jetson.toml"
    prof.write_text((load_device("cpu").path and open(load_device("cpu").path).read())
                    .replace('source = "none"', 'source = "tegrastats"\ninterval_ms = 20')
                    .replace('name = "cpu"', 'name = "fake-jetson"'))
    run = run_profile(cfg(bundle, tmp_path / "R", device=str(prof), variants=("relu",), precisions=("fp32",),
                          duration_s=0.3), log=lambda m: None)
    (r,) = run.records
    p = r["power"]
    assert p["source"] == "tegrastats" and p["mean_mw"] == pytest.approx(4823.0)
    assert p["trials"] == 2 and p["samples"] >= 4
    images = r["latency_ms"]["n"] * r["cell"]["batch"]
    assert p["mj_per_inference"] == pytest.approx(4823.0 * 0.3 / (images / 2), rel=0.5)


def test_summary_table_shows_gpu_stages_when_recorded():
    """Terminal table after `profile`: trtexec-style GPU / copy columns only for records with stages."""
    from pathlib import Path

    from edgecrelu.profiling.engine import summary_table

    root = Path(__file__).parents[1] / "fixtures" / "records" / "two_devices"
    load = lambda d: [json.loads(p.read_text()) for p in sorted((root / d).glob("*.json"))]
    cpu = summary_table(load("cpu"))
    assert "gpu p50 ms" not in cpu and "relu" in cpu
    gpu = summary_table(load("jetson-orin-nano"), "tsv").splitlines()
    header = [h.strip() for h in gpu[0].split("\t")]
    assert header[-3:] == ["gpu p50 ms", "h2d p50 ms", "d2h p50 ms"]
    row = next([c.strip() for c in line.split("\t")] for line in gpu[1:] if line.split("\t")[0].strip() == "relu"
               and "fp32" in line and line.split("\t")[4].strip() == "1")
    assert row[-3:] == ["1.6", "0.2", "0.2"]
