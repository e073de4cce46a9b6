"""Resume: finished records kept, finished trials reused after an interrupt, records of another device refused."""

from dataclasses import replace

import pytest
from fixtures.tiny_bundle import cached_tiny_bundle
from log_lines import log_lines  # tests/log_lines.py
from profile_helpers import cfg, files

from edgecrelu.devices import load_device
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.profiling import session, trials
from edgecrelu.profiling.plan import ProfileConfig
from edgecrelu.profiling.session import run_profile
from edgecrelu.results import Cell, load_records


def test_interrupt_after_a_record_then_resume(bundle, tmp_path):
    out = tmp_path / "R"
    config = cfg(bundle, out, precisions=("fp32",))

    def stop(path, record):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_profile(config, on_record=stop)
    (first,) = files(out)
    before = (out / first).read_bytes()
    with pytest.raises(EdgeCReLUError, match="--resume"):  # never overwrite finished records by accident
        run_profile(config)
    run = run_profile(cfg(bundle, out, precisions=("fp32",), resume=True))
    assert len(run.resumed) == 1 and len(run.measured) == 2
    assert files(out) == sorted(f"{Cell(v, f, 'fp32', 'onnxruntime', 1).key}.json" for v, f in
                                [("relu", "graph"), ("crelu-half@1", "graph"), ("crelu-half@1", "folded")])
    assert (out / first).read_bytes() == before
    assert len(load_records([out])) == 3


def test_interrupt_mid_pass_keeps_finished_cells(bundle, tmp_path, monkeypatch):
    out = tmp_path / "R"
    calls = []
    real = session.Session.run_trial

    def flaky(self, cell, k):
        calls.append((cell, k))
        if len(calls) == 3:  # the third cell's isolated pass: two cells are done
            raise KeyboardInterrupt
        return real(self, cell, k)

    monkeypatch.setattr(session.Session, "run_trial", flaky)
    with pytest.raises(KeyboardInterrupt):
        run_profile(cfg(bundle, out, precisions=("fp32",)))
    assert files(out) == []  # no partial record
    first = calls[2][0]
    calls.clear()
    run = run_profile(cfg(bundle, out, precisions=("fp32",), resume=True))
    assert calls == [(first, 0)]  # only the missing cell ran
    assert len(run.records) == 3 and all(r["paired"]["workers"] >= 1 for r in run.records)
    assert all(r["accuracy"]["n"] == 50 for r in run.records)
    assert not (out / ".partial").exists()


def test_interrupt_during_the_rounds_resumes_the_same_sequence(bundle, tmp_path, monkeypatch):
    from edgecrelu.profiling import rounds

    out = tmp_path / "R"
    real = rounds.Rounds._one_worker
    done = []

    def flaky(self, g):
        if len(done) == 2:
            raise KeyboardInterrupt
        done.append(1)
        return real(self, g)

    monkeypatch.setattr(rounds.Rounds, "_one_worker", flaky)
    with pytest.raises(KeyboardInterrupt):
        run_profile(cfg(bundle, out, precisions=("fp32",), budget_s=30.0))
    seq = (out / "rounds" / "sequence").read_text().strip()
    first_two = [line for line in (out / "rounds" / "onnxruntime.b1.jsonl").read_text().splitlines()
                 if '"worker"' in line]
    assert len(first_two) == 2
    monkeypatch.setattr(rounds.Rounds, "_one_worker", real)
    with log_lines() as log:
        run = run_profile(cfg(bundle, out, precisions=("fp32",), resume=True, budget_s=0.5))
    assert any("resuming the sequence after 2 worker(s)" in line for line in log), log
    assert {r["paired"]["sequence"] for r in run.records} == {seq}
    assert all(r["paired"]["workers"] >= 3 for r in run.records if not r["paired"]["dropped"])
    assert any(not r["paired"]["dropped"] for r in run.records)
    lines = (out / "rounds" / "onnxruntime.b1.jsonl").read_text().splitlines()
    assert [ln for ln in lines if '"worker"' in ln][:2] == first_two  # kept, not measured again


def test_resume_refuses_records_of_another_device(tmp_path):
    config = ProfileConfig(bundle=str(cached_tiny_bundle()), out=str(tmp_path / "R"), variants=("relu",),
                           precisions=("fp32",), batches=(1,), warmup_s=0, duration_s=0.01, iterations=3, trials=1,
                           isolation="none")
    run_profile(config)
    other = tmp_path / "other.toml"
    other.write_text(open(load_device("cpu").path).read().replace('name = "cpu"', 'name = "other-cpu"'))

    with pytest.raises(EdgeCReLUError, match="device profile 'cpu'"):
        run_profile(replace(config, device=str(other), resume=True))
    assert trials.PARTIAL == ".partial"


def test_resume_continues_a_sequence_that_spent_its_budget(bundle, tmp_path):
    out = tmp_path / "R"
    first = run_profile(cfg(bundle, out, precisions=("fp32",), budget_s=0.3))
    assert all(r["paired"]["stop"]["reason"] == "budget" for r in first.records)
    before = {r["cell"]["form"] + r["cell"]["variant"]: r for r in first.records}
    with log_lines() as log:
        again = run_profile(cfg(bundle, out, precisions=("fp32",), resume=True, budget_s=5.0))
    assert any("continuing the undecided sequence" in line for line in log), log
    assert any(r["paired"]["reference"] == Cell.from_dict(r["cell"]).key for r in again.records)
    for r in again.records:
        b = before[r["cell"]["form"] + r["cell"]["variant"]]
        assert r["paired"]["sequence"] == b["paired"]["sequence"]
        assert r["paired"]["workers"] > b["paired"]["workers"] or r["paired"]["dropped"]
        assert r["accuracy"] == b["accuracy"] and r["memory"] == b["memory"]  # kept as measured
