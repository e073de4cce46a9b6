"""Resume: finished records kept, finished trials reused after an interrupt, records of another device refused."""

from dataclasses import replace

import pytest
from fixtures.tiny_bundle import cached_tiny_bundle
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
    real = session.Session.run_trial

    def flaky(self, cell, k):
        calls.append((cell, k))
        if len(calls) == 4:  # first cell of the second round: every cell has one finished trial
            raise KeyboardInterrupt
        return real(self, cell, k)

    monkeypatch.setattr(session.Session, "run_trial", flaky)
    with pytest.raises(KeyboardInterrupt):
        run_profile(cfg(bundle, out, precisions=("fp32",)), log=lambda m: None)
    assert files(out) == []  # no partial record
    calls.clear()
    run = run_profile(cfg(bundle, out, precisions=("fp32",), resume=True), log=lambda m: None)
    assert [k for _, k in calls] == [1, 1, 1]  # only the missing trials ran
    assert len(run.records) == 3 and all(len(r["trials"]) == 2 for r in run.records)
    assert all(r["accuracy"]["n"] == 50 for r in run.records)
    assert not (out / ".partial").exists()


def test_resume_refuses_records_of_another_device(tmp_path):
    config = ProfileConfig(bundle=str(cached_tiny_bundle()), out=str(tmp_path / "R"), variants=("relu",),
                           precisions=("fp32",), batches=(1,), warmup_s=0, duration_s=0.01, iterations=3, trials=1,
                           isolation="none")
    run_profile(config, log=lambda m: None)
    other = tmp_path / "other.toml"
    other.write_text(open(load_device("cpu").path).read().replace('name = "cpu"', 'name = "other-cpu"'))

    with pytest.raises(EdgeCReLUError, match="device profile 'cpu'"):
        run_profile(replace(config, device=str(other), resume=True), log=lambda m: None)
    assert trials.PARTIAL == ".partial"
