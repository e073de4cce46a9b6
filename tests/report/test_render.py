"""The report files: self-contained HTML with well-formed SVG, Markdown, CSV, JSON, terminal."""

import csv
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from edgecrelu.report import ReportConfig, build_report, render
from edgecrelu.report.model import analyze
from edgecrelu.report.render_csv import COLUMNS
from edgecrelu.report.render_text import render_terminal
from edgecrelu.report.rows import table_rows

from .helpers import case_dir, load_case


@pytest.fixture(scope="module")
def two():
    return analyze(load_case("two_devices"))


@pytest.fixture(scope="module")
def go():
    return analyze(load_case("go"))


def test_html_is_self_contained(two):
    page = render(two, "html")
    for bad in ("http://", "https://", "//cdn", "<script", "<link", "src=", "@import", "url("):
        assert bad not in page, bad
    assert page.count("<svg") == 6  # 3 plots x 2 devices
    assert "<title>edgecrelu report" in page


def test_html_escapes_record_text_and_urls():
    recs = load_case("go")
    for r in recs:
        r["environment"] = dict(r["environment"], note="<b>see https://example.com</b>")
    page = render(analyze(recs), "html")
    assert "https://" not in page and "<b>see" not in page


def test_svgs_are_well_formed_xml(two):
    page = render(two, "html")
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    assert len(svgs) == 6
    for s in svgs:
        root = ET.fromstring(s)
        assert root.tag == "svg"
        assert root.find("title") is not None
    scatter = ET.fromstring(svgs[0])
    # The Pareto front is drawn, and every batch-1 cell is a point (a CReLU cell at its chosen form).
    assert scatter.find(".//polyline") is not None
    assert len(scatter.findall(".//circle")) == len([r for r in table_rows(two.sections[0].rows) if r.batch == 1])


def test_markdown_has_verdict_sections_and_reproducibility(two):
    md = render(two, "md")
    assert md.startswith("# edgecrelu report")
    assert md.splitlines()[2].startswith("**In short:** [cpu on bench-01") and "Do not ship CReLU" in md.splitlines()[2]
    assert md.splitlines()[4] == ("**NO-GO overall (GO needs every device to say GO)**: cpu on bench-01 (Intel Xeon "
                                  "Platinum 8480C (fixture)): GO; jetson-orin-nano on orin-07 (Orin (nvgpu) / ARMv8 "
                                  "Processor rev 1 (v8l) (fixture)): NO-GO")
    assert md.count("**NO-GO**: best CReLU") == 1 and md.count("**GO**: best CReLU") == 1  # each sentence once
    assert "## cpu on bench-01" in md and "## jetson-orin-nano on orin-07" in md
    assert "> **Warning:** results come from 2 machines" in md
    assert "## Reproducibility" in md and '"manifest_sha256"' in md and '"run_ids"' in md
    assert "kWh/day" in md  # the Jetson run measured power
    assert "Recommended CReLU form per backend" in md


def test_csv_rows_are_machine_readable(two):
    rows = list(csv.DictReader(io.StringIO(render(two, "csv"))))
    assert list(rows[0].keys()) == COLUMNS
    assert len(rows) == 12 + 14
    base = next(r for r in rows if r["baseline"] == "True" and r["device"] == "cpu")
    assert (base["variant"], base["precision"], float(base["p99_ms"])) == ("relu", "fp32", 1.2)
    assert float(base["top1"]) == 0.975
    orin = [r for r in rows if r["device"] == "jetson-orin-nano"]
    assert all(float(r["mj_per_inference"]) > 0 for r in orin)
    # the fixture's GPU stages are 80 % compute, 10 % each copy, of p50
    assert all(abs(float(r["gpu_p50_ms"]) - 0.8 * float(r["p50_ms"])) < 1e-5 for r in orin)
    assert all(abs(float(r["h2d_p50_ms"]) - 0.1 * float(r["p50_ms"])) < 1e-5 for r in orin)
    assert all(r["gpu_p50_ms"] == "" for r in rows if r["device"] == "cpu")


def test_gpu_stage_columns_only_where_measured(two):
    from edgecrelu.report.parts.tradeoff import table

    cpu, orin = two.sections
    assert "GPU p50 ms" not in table(cpu.rows).headers
    headers, body = table(orin.rows).headers, table(orin.rows).rows
    i = headers.index("GPU p50 ms")
    assert headers[i + 1] == "H2D / D2H p50 ms" and i > headers.index("flags")  # detail after the decision
    base = next(line for r, line in zip(orin.rows, body, strict=False) if r.is_baseline)
    assert base[i] == "1.60" and base[i + 1] == "0.200 / 0.200"  # relu fp32 b1: p50 2.00 ms


def test_json_schema(two):
    d = json.loads(render(two, "json"))
    assert d["schema_version"] == 1 and d["kind"] == "edgecrelu-report"
    assert d["verdict"]["verdict"] == "NO-GO"
    assert [s["verdict"]["reason"] for s in d["sections"]] == ["go", "min_gain"]
    assert len(d["rows"]) == 26 and set(d["policy"]) == {s["machine"] for s in d["sections"]}
    assert d["reproducibility"]["edgecrelu_version"]
    assert d["sections"][1]["cost"][0]["kwh_per_day"] > 0


def test_terminal_table(go):
    text = render_terminal(go, "github")
    assert "| variant" in text and "BASE" in text and "P-lat" in text
    last, plain = text.rstrip().splitlines()[-2:]
    assert last == go.sentence and plain.startswith("In short: Ship crelu-half@4 (folded, int8, onnxruntime)")


def test_build_report_writes_only_requested_files(tmp_path):
    out = tmp_path / "rep"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    res = build_report(ReportConfig((str(case_dir("go")),), str(out), ("md", "csv")))
    assert res.verdict == "GO"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "report.md", "results.csv"]
    assert (out / "notes.txt").read_text() == "keep me"


def _chromium():
    return next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)


@pytest.mark.chromium
@pytest.mark.skipif(_chromium() is None, reason="no chromium / chromium-browser / google-chrome on PATH")
def test_html_renders_in_headless_chromium(tmp_path):
    res = build_report(ReportConfig((str(case_dir("two_devices")),), str(tmp_path), ("html",)))
    page = res.files["html"]
    args = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(args + ["--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'id="verdict"' in dom.stdout and dom.stdout.count("<svg") == 6
    shot = tmp_path / "report.png"
    run = subprocess.run(args + [f"--screenshot={shot}", "--window-size=1400,2400", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank image


def test_one_verdict_box_per_decision(tmp_path):
    """One section: one box. Several: the page's summary plus one per section, no sentence twice."""
    for case, boxes in (("go", 1), ("two_devices", 3)):
        out = tmp_path / case
        html = build_report(ReportConfig((str(case_dir(case)),), str(out), ("html",))).files["html"].read_text()
        assert html.count('class="verdict ') == boxes, case
