"""`profile --resume` keeps only records it could have made itself (issue 28, case 6): the same
threads, timing settings, isolation and seed, on the same host. Records of other settings would be
compared in one report as if they were one run (relu at 1 thread against CReLU at 2); records
copied from another host failed later in `report` with a misleading "baseline cell not found"."""

from __future__ import annotations

import json
import platform
import shutil

import pytest

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.profiling.session import run_profile
from tests.fixtures.tiny_bundle import cached_tiny_bundle
from tests.profiling.profile_helpers import cfg


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished run (relu only, so it is quick) at --threads 1."""
    out = tmp_path_factory.mktemp("resume") / "res"
    run_profile(cfg(cached_tiny_bundle(precisions=("fp32",)), out, threads=1, variants=("relu",)))
    assert len(list(out.glob("*.json"))) == 1
    return out


def _copy(finished, tmp_path):
    out = tmp_path / "res"
    shutil.copytree(finished, out)
    return out


@pytest.mark.parametrize("change, words", [
    (dict(threads=2), "threads 1 (this run: 2)"),
    (dict(duration_s=0.05), "min_duration_s 0.02 (this run: 0.05)"),
    (dict(seed=7), "seed 0 (this run: 7)"),
], ids=["threads", "duration", "seed"])
def test_resume_with_other_settings_is_refused(finished, tmp_path, change, words):
    out = _copy(finished, tmp_path)
    before = {p.name: p.read_bytes() for p in out.glob("*.json")}
    kw = dict(threads=1, variants=("relu",), resume=True) | change
    with pytest.raises(EdgeCReLUError) as exc:
        run_profile(cfg(cached_tiny_bundle(precisions=("fp32",)), out, **kw))
    msg = str(exc.value)
    assert "\n" not in msg and "was measured with other settings" in msg and words in msg, msg
    assert "--resume" in msg
    assert {p.name: p.read_bytes() for p in out.glob("*.json")} == before  # nothing replaced


def test_resume_of_records_from_another_host_is_refused(finished, tmp_path):
    out = _copy(finished, tmp_path)
    [p] = out.glob("*.json")
    rec = json.loads(p.read_text())
    rec["environment"]["host"] = "elsewhere-01"
    p.write_text(json.dumps(rec))
    with pytest.raises(EdgeCReLUError) as exc:
        run_profile(cfg(cached_tiny_bundle(precisions=("fp32",)), out, threads=1, variants=("relu",), resume=True))
    msg = str(exc.value)
    assert "\n" not in msg and f"measured on host 'elsewhere-01', not on this one ('{platform.node()}')" in msg, msg


def test_resume_with_the_same_settings_and_a_larger_budget_keeps_the_record(finished, tmp_path):
    out = _copy(finished, tmp_path)
    run = run_profile(cfg(cached_tiny_bundle(precisions=("fp32",)), out, threads=1, variants=("relu",),
                          resume=True, budget_s=2.0))
    assert len(run.resumed) == 1 and not run.failures
