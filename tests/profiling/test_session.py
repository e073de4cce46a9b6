"""A whole profile run: records with every field, interleaved trials, power end to end, failing cells."""

import os

import numpy as np
import pytest
from fixtures.tiny_bundle import LABEL_TOP1, cached_tiny_bundle
from log_lines import log_lines  # tests/log_lines.py
from profile_helpers import cfg

from edgecrelu import stats
from edgecrelu.devices import load_device
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import sha256_file
from edgecrelu.profiling.plan import ProfileConfig
from edgecrelu.profiling.session import run_profile
from edgecrelu.results import REQUIRED


def test_records_have_every_field(bundle, tmp_path):
    with log_lines() as log:
        run = run_profile(cfg(bundle, tmp_path / "R", batches=(1, 8)))
    assert len(run.records) == 12 and not run.failures  # 3 artifacts x fp32/int8 x batch 1/8
    assert len({r["run_id"] for r in run.records}) == 1
    for r in run.records:
        for key in REQUIRED + ("settings", "stages_ms", "trials", "power", "edgecrelu_version"):
            assert key in r, key
        lat, c = r["latency_ms"], r["cell"]
        assert set(lat) == {"n", "min", "mean", "p50", "p90", "p95", "p99", "max", "std", "cov"}
        # latency from the paired rounds: one "trial" per worker process, every call kept
        paired = r["paired"]
        assert len(r["trials"]) == paired["workers"] >= 1 and lat["n"] == sum(t["n"] for t in r["trials"]) >= 10
        assert paired["calls"] == lat["n"] and len(paired["tail_ms"]) >= 1 and paired["alpha"] < 0.05
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
        # per-class results through the deployed artifact: the confusion matrix agrees with top-1, the
        # per-image classes with the per-image correctness (issue 27)
        conf = np.array(acc["confusion"])
        assert conf.sum() == acc["n"] and np.trace(conf) == round(acc["top1"] * acc["n"])
        pred, right = stats.decode_classes(acc), stats.decode_correct(acc)
        assert len(pred) == acc["n"] and np.array_equal(np.diag(conf), np.bincount(pred[right], minlength=len(conf)))
        assert ("top5" in acc) == (len(conf) > 5)
        assert r["bundle"]["model"]["class_names"] == [str(i) for i in range(len(conf))]
        # where the time goes: ORT's profiler, a separate run after the trials
        ops = r["ops"]
        assert ops["runs"] >= 1 and abs(sum(ops["shares"].values()) - 1) < 0.01
        if c["precision"] == "int8":
            assert ops["convs"]["qlinear"] + ops["convs"]["float"] >= 1
        else:
            assert ops["convs"] is None and any("Conv" in k for k in ops["shares"])
    # one isolated pass per cell, then one paired sequence per batch, the reference's units all 0
    assert len([line for line in log if line.startswith("[cell ")]) == 12
    by_group: dict = {}
    for r in run.records:
        by_group.setdefault(r["paired"]["group"], []).append(r)
    assert sorted(by_group) == ["onnxruntime.b1", "onnxruntime.b8"]
    for recs in by_group.values():
        assert len({r["paired"]["sequence"] for r in recs}) == 1
        ref = [r for r in recs if r["paired"]["reference"] == r["cell"]["variant"].replace("@", "_") + "."
               + ".".join([r["cell"]["form"], r["cell"]["precision"], "onnxruntime", f"b{r['cell']['batch']}"])]
        assert len(ref) == 1 and set(ref[0]["paired"]["units"]["p50"].values()) == {0.0}
    assert (tmp_path / "R" / "rounds" / "onnxruntime.b1.jsonl").is_file()
    assert not list((tmp_path / "R").glob(".partial/*/trial*"))


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
                          duration_s=0.3))
    (r,) = run.records
    p = r["power"]
    assert p["source"] == "tegrastats" and p["mean_mw"] == pytest.approx(4823.0)
    assert p["trials"] == 1 and p["samples"] >= 2
    # power is measured over the cell's own timed loop: energy per inference = power x time per inference
    per_image_s = r["latency_ms"]["mean"] / 1000 / r["cell"]["batch"]  # (from the rounds: the same model)
    assert p["mj_per_inference"] == pytest.approx(4823.0 * per_image_s, rel=1.0)


def test_a_failing_cell_does_not_stop_the_others(tmp_path, monkeypatch):
    from edgecrelu.backends import onnxruntime as ortb

    real = ortb.make_runner

    def make_runner(bundle, cell, profile):
        if cell.form == "folded":
            raise EdgeCReLUError("simulated build failure")
        return real(bundle, cell, profile)

    monkeypatch.setattr(ortb, "make_runner", make_runner)
    config = ProfileConfig(bundle=str(cached_tiny_bundle()), out=str(tmp_path / "R"), precisions=("fp32",),
                           batches=(1,), warmup_s=0, duration_s=0.01, iterations=3, trials=2, isolation="none")
    run = run_profile(config)
    assert [c.form for c in run.failures] == ["folded"]
    assert "simulated build failure" in next(iter(run.failures.values()))
    assert len(run.records) == 2 and len(list((tmp_path / "R").glob("*.json"))) == 2


def test_the_plan_and_its_estimate_come_first_and_every_cell_line_says_the_time_left(bundle, tmp_path, monkeypatch):
    import re

    from edgecrelu.profiling import eta

    # an estimate far off (1000 s a cell): the lines after the first cell follow the measured times instead
    monkeypatch.setitem(eta.CELL_START_S, "none", 1000.0)
    with log_lines() as log:
        run_profile(cfg(bundle, tmp_path / "R", variants=("relu",)))  # fp32 + int8 at batch 1
    first_cell = next(i for i, line in enumerate(log) if line.startswith("[cell "))
    (est,) = [line for line in log[:first_cell] if line.startswith("estimate: ")]
    assert "2 cell(s) to measure on 50 eval images each" in est and "per-cell pass ~33 min" in est
    assert "one eval batch timed through relu graph fp32" in est and "1.0 s budget" in est
    cells = [line for line in log if line.startswith("[cell ")]
    assert [c.split("]")[0] for c in cells] == ["[cell 1/2", "[cell 2/2"]
    for line in cells:
        m = re.search(r"; ([\d.]+) s elapsed, ~([\d.]+) s left$", line)
        assert m, line
        assert float(m.group(2)) < 60  # 1 cell left at the measured time + the 1 s budget, not 1000 s


def test_more_threads_than_cores_is_one_warning_before_timing_and_in_every_record(bundle, tmp_path, monkeypatch):
    from edgecrelu import limits

    monkeypatch.setattr(limits, "cpus", lambda: 1)
    with log_lines() as log:
        run = run_profile(cfg(bundle, tmp_path / "R", variants=("relu",), threads=2))
    said = [line for line in log if "2 threads on the 1 core(s)" in line]
    assert len(said) == 1 and said[0].startswith("warning (2 cells): onnxruntime runs 2 threads")
    assert log.index(said[0]) < min(i for i, line in enumerate(log) if line.startswith("[cell "))
    assert len(run.records) == 2
    for r in run.records:
        assert [w for w in r["warnings"] if "oversubscribe" in w] == [said[0].split(": ", 1)[1]]


def test_each_distinct_warning_is_logged_once_with_its_cell_count(bundle, tmp_path, monkeypatch):
    # A Jetson profile on this desktop: power cannot be measured and the CUDA provider falls back to the
    # CPU, in every cell; each of those warnings is one line, not one per cell.
    monkeypatch.setenv("PATH", os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                                               if not (p and os.path.exists(os.path.join(p, "tegrastats")))))
    with log_lines() as log:
        run = run_profile(cfg(bundle, tmp_path / "R", device="jetson-orin-nano", backends=("onnxruntime",),
                              precisions=("fp32",)))
    assert len(run.records) == 3
    every = {w for r in run.records for w in r["warnings"]}
    assert any("power not measured" in w for w in every) and any("CUDAExecutionProvider" in w for w in every)
    for w in every:
        lines = [line for line in log if w in line]
        assert len(lines) == 1, (w, lines)
        n = sum(w in r["warnings"] for r in run.records)
        assert lines[0].strip().startswith(f"warning ({n} cells): " if n > 1 else "warning (")
    power = next(line for line in log if "power not measured" in line)
    assert power.startswith("warning (3 cells): ") and "pass --power none" in power
    assert log.index(power) < min(i for i, line in enumerate(log) if line.startswith("[cell "))  # before timing


def test_the_interrupt_line_says_what_is_on_disk(tmp_path):
    from types import SimpleNamespace

    from edgecrelu.profiling.session import interrupted_line
    from edgecrelu.results import Cell

    out = tmp_path / "R"
    assert interrupted_line(out, None, "`--resume`") == "nothing was measured or written yet"  # still planning
    cells = [Cell("relu", "graph", "fp32", "onnxruntime", b) for b in (1, 8)]
    (out / ".partial").mkdir(parents=True)
    line = interrupted_line(out, SimpleNamespace(cells=cells), "the same `edgecrelu run` command")
    assert line == ("no record was written yet; the same `edgecrelu run` command continues the cells and rounds "
                    f"already measured (kept in {out / '.partial'})")
