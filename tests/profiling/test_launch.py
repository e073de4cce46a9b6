"""A trial in its own worker process: the record's peak RSS is the cell's own."""

import pytest
from fixtures.tiny_bundle import LABEL_TOP1
from profile_helpers import cfg

from edgecrelu.profiling.session import run_profile


def test_process_isolation_reports_the_cells_own_peak(bundle, tmp_path):
    run = run_profile(cfg(bundle, tmp_path / "R", variants=("relu",), precisions=("fp32",), trials=1,
                          isolation="process"), log=lambda m: None)
    (r,) = run.records
    mem = r["memory"]
    assert mem["peak_rss_scope"].startswith("cell worker process")
    assert mem["peak_rss_bytes"] >= mem["rss_before_session_bytes"] > 0
    assert r["accuracy"]["top1"] == pytest.approx(LABEL_TOP1)
