"""pairing.json in the report (torch-free): found beside the bundle, drawn as well-formed SVG."""

import json
import re
import xml.etree.ElementTree as ET

import numpy as np

from edgecrelu.analysis.analyze import assemble, layer_entry, write_outputs
from edgecrelu.report import ReportConfig, build_report
from tests.report.helpers import load_case, write_records


def _pairing() -> dict:
    rng = np.random.default_rng(0)
    base = rng.standard_normal((4, 1, 3, 3))
    paired = np.concatenate([base, -base])  # 8 filters in exact ± pairs
    rand = rng.standard_normal((8, 8, 3, 3))
    cache = {}
    models = [
        {"variant": "relu", "seed": 0, "dir": "relu/seed0",
         "layers": [layer_entry("c1", 1, "relu", paired, draws=4, cache=cache),
                    layer_entry("c2", 2, "relu", rand, draws=4, cache=cache)]},
        {"variant": "crelu-half@1", "seed": 0, "dir": "crelu-half@1/seed0",
         "layers": [layer_entry("c1", 1, "crelu", base, draws=4, cache=cache),
                    layer_entry("c2", 2, "relu", rand, draws=4, cache=cache)]},
    ]
    return assemble(models, {"relu": paired, "crelu-half@1": base}, threshold=-0.5, draws=4, source="run",
                    arch={"arch": "convpool-c", "input_shape": [1, 32, 32]})  # the model of the "go" records


def test_recommendation_follows_the_pairing():
    data = _pairing()
    assert data["recommendation"]["variant"] == "crelu-half@1"
    assert data["summary"]["relu"]["layers"][0]["mean"] == -1.0
    assert data["filters"]["relu"]["shape"] == [8, 1, 3, 3] and len(data["filters"]["relu"]["pixels"]) == 8
    assert data["filters"]["relu"]["order"][:2] == [0, 4]  # each filter beside its partner


def test_written_svgs_are_well_formed(tmp_path):
    files = write_outputs(_pairing(), tmp_path)
    assert json.loads((tmp_path / "pairing.json").read_text())["kind"] == "edgecrelu-pairing"
    svgs = [p for p in files.values() if p.suffix == ".svg"]
    assert {p.name for p in svgs} == {"filters.svg", "mu-relu.svg", "mu-crelu-half-at-1.svg"}
    for p in svgs:
        assert ET.parse(p).getroot().tag.endswith("svg")


def test_report_shows_pairing_found_beside_the_bundle(tmp_path):
    write_outputs(_pairing(), tmp_path / "analysis")
    recs = load_case("go")
    for r in recs:
        r["bundle"]["path"] = str(tmp_path / "bundle")
    write_records(tmp_path / "results", recs)
    res = build_report(ReportConfig(results=(str(tmp_path / "results"),), out=str(tmp_path / "report")))
    md = res.files["md"].read_text()
    assert "### Phase pairing" in md and "Recommended: crelu-half@1" in md
    page = res.files["html"].read_text()
    assert "http://" not in page
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    pairing = [s for s in svgs if "First conv layer" in s or "mean μ" in s]
    assert len(pairing) == 1 + 4  # the filters and one histogram per site of each variant
    for s in pairing:
        ET.fromstring(s)


def test_report_without_pairing_has_no_section(tmp_path):
    recs = load_case("go")
    for r in recs:
        r["bundle"]["path"] = str(tmp_path / "bundle")
    write_records(tmp_path / "results", recs)
    res = build_report(ReportConfig(results=(str(tmp_path / "results"),), out=None, formats=("md",)))
    from edgecrelu.report import render

    assert "Phase pairing" not in render(res.report, "md")
