"""The report is a function of its records: ties (equal op shares, equal added times) are ordered
by name, not by set order, which changes with ``PYTHONHASHSEED`` from one process to the next."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RECORDS = REPO / "tests" / "fixtures" / "records" / "go"
# op types whose shares tie, so their order is only what the code chose
RELU_OPS = {"Conv": 0.7, "Relu": 0.1, "MaxPool": 0.1, "Flatten": 0.1}
CRELU_OPS = {"Conv": 0.4, "Concat": 0.1, "Neg": 0.1, "Slice": 0.1, "Mul": 0.1, "Add": 0.1, "Split": 0.1}
SEEDS = ("0", "1", "2", "3", "4")
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def _run(code: str, seed: str, *args) -> str:
    env = dict(os.environ, PYTHONHASHSEED=seed,
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    p = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                       env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_the_realisation_breakdown_orders_ties_by_name():
    code = ("import json, sys\nfrom edgecrelu.realisation import realisation_breakdown\n"
            f"b = realisation_breakdown({RELU_OPS!r}, {CRELU_OPS!r}, 0.5)\n"
            "print(json.dumps(list(b['extra_by_op'])))\n")
    outs = {_run(code, seed) for seed in SEEDS}
    assert len(outs) == 1, outs
    assert json.loads(outs.pop()) == ["Add", "Concat", "Mul", "Neg", "Slice", "Split", "Flatten", "MaxPool", "Relu"]


def test_report_text_does_not_depend_on_the_hash_seed(tmp_path):
    res = tmp_path / "res"
    res.mkdir()
    for f in sorted(RECORDS.glob("*.json")):
        rec = json.loads(f.read_text())
        shares = RELU_OPS if rec["cell"]["variant"] == "relu" else CRELU_OPS
        rec["ops"] = {"shares": shares, "total_ms": 1.0, "runs": 10, "convs": None}
        (res / f.name).write_text(json.dumps(rec))
    code = ("import sys\nfrom edgecrelu.report import ReportConfig, build_report\n"
            "build_report(ReportConfig((sys.argv[1],), sys.argv[2]))\n")
    texts = set()
    for seed in SEEDS:
        out = tmp_path / f"rep{seed}"
        _run(code, seed, res, out)
        md = (out / "report.md").read_text()
        assert "How much of the MAC saving became time" in md  # the part with the ties was drawn
        text = "".join((out / name).read_text() for name in ("report.md", "report.html", "results.csv", "report.json"))
        texts.add(STAMP.sub("<utc>", text))  # only when it was written may differ
    assert len(texts) == 1
