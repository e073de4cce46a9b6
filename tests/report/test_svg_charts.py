"""The plots say what they show: a visible title, labelled axes with units, a legend naming variant
and form, and axes that follow the data (a far budget is named, not allowed to set the scale)."""

import re
import xml.etree.ElementTree as ET

from edgecrelu.report import render, svg
from edgecrelu.report.model import analyze

from .helpers import load_case


def _texts(s: str) -> list[str]:
    return ["".join(t.itertext()) for t in ET.fromstring(s).iter("text")]


def _rows(case="go"):
    return analyze(load_case(case)).sections[0].rows


def test_every_plot_has_a_visible_title_and_labelled_axes():
    page = render(analyze(load_case("go")), "html")
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    assert len(svgs) == 3
    for s, unit in zip(svgs, ("ms", "ms", "MB"), strict=False):
        root = ET.fromstring(s)
        title = root.find("title").text
        texts = _texts(s)
        assert title in texts  # drawn on the plot, not only a hover title
        assert any(unit in t for t in texts if t != title), texts  # an axis names its unit
    assert "Latency per precision at batch 1 (bar: p50, whisker: p99)" in _texts(svgs[1])


def test_legend_names_variant_and_form():
    s = svg.latency_per_precision(_rows())
    texts = _texts(s)
    for name in ("relu graph", "crelu-half@4 folded", "crelu-half@4 graph"):
        assert name in texts
    fills = {r.attrib["fill"] for r in ET.fromstring(s).iter("rect") if r.attrib.get("fill", "").startswith("#")}
    assert len(fills) >= 3  # graph and folded bars no longer share a colour


def test_memory_axis_follows_the_data_and_names_a_far_budget():
    rows = _rows()
    for i, r in enumerate(rows):
        r.peak_mb = 74.0 + i * 0.5  # ~75 MB cells under a 1024 MB budget
    s = svg.memory_bars(rows, 1024)
    texts = _texts(s)
    ticks = [float(t) for t in texts if re.fullmatch(r"[0-9.]+", t)]
    assert min(ticks) > 50 and max(ticks) < 100, ticks  # not 0-1250
    assert any("budget 1024 MB: off the axis, to the right" in t for t in texts)
    assert any("axis starts at" in t for t in texts)
    near = svg.memory_bars(rows, 76)  # the batch-1 cells span 74-76.5 MB
    assert ET.fromstring(near).find(".//line[@class='budget']") is not None  # inside the axis: drawn


def test_scatter_budget_drawn_inside_named_outside():
    rows = _rows()
    inside = svg.accuracy_vs_latency(rows, 1.1)
    assert ET.fromstring(inside).find(".//line[@class='budget']") is not None
    outside = svg.accuracy_vs_latency(rows, 20)
    assert ET.fromstring(outside).find(".//line[@class='budget']") is None
    assert any("off the axis, to the right" in t for t in _texts(outside))
    xticks = [float(t.text) for t in ET.fromstring(outside).iter("text")
              if t.attrib.get("class") == "tick" and t.attrib.get("text-anchor") == "middle"]
    assert max(xticks) < 5  # the 20 ms budget does not set the scale


def test_latency_whiskers_far_above_the_bars_are_cut_and_printed():
    rows = _rows()
    for r in rows:
        r.p99 = r.p50 * 30  # a noisy tail
    s = svg.latency_per_precision(rows, 20)
    texts = _texts(s)
    assert any("whiskers over the axis cut" in t for t in texts)
    assert f"{rows[0].p99:.3g}" in texts


def test_the_page_plots_each_crelu_cell_at_its_chosen_form_only():
    # "go": crelu-half@4 at batch 1 is graph at fp32 and folded at int8 (the forms section has both)
    page = render(analyze(load_case("go")), "html")
    scatter, bars, memory = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    titles = [t.text for t in ET.fromstring(scatter).iter("title")][1:]  # the first is the plot's
    half = sorted(t.split(":")[0] for t in titles if "crelu-half@4" in t)
    assert len(titles) == 4 and len(half) == 2, titles  # relu fp32 + int8, one crelu-half per precision
    assert any("graph" in t and "fp32" in t for t in half) and any("folded" in t and "int8" in t for t in half)
    assert not any("folded" in t and "fp32" in t for t in half)
    legend = _texts(bars)
    assert "crelu-half@4 (chosen form)" in legend and "crelu-half@4 graph" not in legend
    assert len([t for t in _texts(memory) if t.startswith("crelu-half@4")]) == 2


def test_two_forms_of_one_cell_keep_a_colour_each():
    rows = _rows()  # every form, as the forms section would pass them
    series = svg.Series([r for r in rows if r.batch == 1])
    assert "crelu-half@4 graph" in series.names and "crelu-half@4 folded" in series.names
