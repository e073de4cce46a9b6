"""report.html laid out by a real browser: headless Chromium at 1400 and 800 px wide.

A copy of the page gets a small probe script (the report itself has none) that measures element
boxes after layout and writes them into the DOM; ``--dump-dom`` brings them back. An element counts
as visible when it has a box and lies inside the viewport's width and inside the scroll box around
its table, so a column a reader would have to scroll sideways to find fails the test.
Screenshots at both widths are written next to the page (kept for a person to look at).
"""

import json
import os
import re
import shutil
import subprocess

import pytest

from edgecrelu.report import ReportConfig, build_report

from .helpers import case_dir

CHROMIUM = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = [pytest.mark.chromium,
              pytest.mark.skipif(CHROMIUM is None, reason="no chromium / chromium-browser / google-chrome on PATH "
                                 "(scripts/test.sh installs it with apt-get where it can)")]
LATENCY = ("p50 ms", "p99 ms", "p50 ratio")
DECISION = LATENCY + ("MACs", "Δ top-1 pts", "flags")

PROBE = """<script>
function box(el) {
  if (!el) return null;
  const r = el.getBoundingClientRect();
  let right = window.innerWidth;
  const sc = el.closest('.scroll');
  if (sc) right = Math.min(right, sc.getBoundingClientRect().right);
  return {left: r.left, right: r.right, width: r.width, height: r.height,
          visible: r.width > 0 && r.height > 0 && r.left >= -0.5 && r.right <= right + 0.5};
}
const out = {innerWidth: window.innerWidth, scrollWidth: document.documentElement.scrollWidth,
             verdict: box(document.getElementById('verdict')), data: box(document.getElementById('data-line')),
             noise: box(document.getElementById('noise-line')), tables: [], verdictBoxes:
             document.querySelectorAll('.verdict').length};
for (const t of document.querySelectorAll('table.tradeoff')) {
  const cols = {};
  for (const th of t.querySelectorAll('thead th')) {
    const i = th.cellIndex;
    cols[th.dataset.col] = {head: box(th), cell: box(t.querySelector('tbody tr').cells[i])};
  }
  out.tables.push(cols);
}
const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>"""


def _args(tmp_path, width):
    return [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
            f"--user-data-dir={tmp_path / f'profile{width}'}", f"--window-size={width},2000"]


def _probe(tmp_path, page, width) -> dict:
    probed = page.with_name(f"probe{width}.html")
    probed.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    dom = subprocess.run(_args(tmp_path, width) + ["--dump-dom", probed.as_uri()], capture_output=True, text=True,
                         timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    m = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, flags=re.S)
    assert m, "the probe script did not run: " + dom.stderr[-1000:]
    return json.loads(m.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


def _shot(tmp_path, page, width):
    shot = page.with_name(f"report-{width}.png")
    run = subprocess.run(_args(tmp_path, width) + [f"--screenshot={shot}", page.as_uri()], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank image
    keep = os.environ.get("EDGECRELU_SCREENSHOTS")  # a folder to keep the screenshots in, for a person
    if keep:
        shutil.copy(shot, os.path.join(keep, f"{page.parent.name}-{shot.name}"))


@pytest.fixture(scope="module", params=["go", "two_devices"])
def page(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    return build_report(ReportConfig((str(case_dir(request.param)),), str(out), ("html",))).files["html"]


@pytest.mark.parametrize("width", [1400, 800])
def test_verdict_data_line_and_latency_columns_are_visible(page, tmp_path, width):
    got = _probe(tmp_path, page, width)
    assert abs(got["innerWidth"] - width) <= 20, got["innerWidth"]  # the window size took
    assert got["scrollWidth"] <= got["innerWidth"], "the page itself scrolls sideways"
    for what in ("verdict", "data", "noise"):
        assert got[what] and got[what]["visible"], (what, got[what])
    assert got["verdictBoxes"] == (1 if len(got["tables"]) == 1 else len(got["tables"]) + 1)
    assert got["tables"], "no trade-off table"
    needed = DECISION if width >= 1400 else LATENCY
    for cols in got["tables"]:
        for name in needed:
            assert name in cols, (name, list(cols))
            assert cols[name]["head"]["visible"] and cols[name]["cell"]["visible"], (width, name, cols[name])
    if width >= 1400:  # nothing cut off: every column of every trade-off table fits
        hidden = [n for cols in got["tables"] for n, c in cols.items() if not c["head"]["visible"]]
        assert not hidden, hidden
    _shot(tmp_path, page, width)

