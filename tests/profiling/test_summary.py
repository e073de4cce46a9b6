"""The terminal table after `profile`."""

import json
from pathlib import Path

from edgecrelu.profiling.summary import summary_table


def test_summary_table_shows_gpu_stages_when_recorded():
    """Terminal table after `profile`: trtexec-style GPU / copy columns only for records with stages."""
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
