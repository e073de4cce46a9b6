"""Phase pairing of the profiled model (``pairing.json`` from ``edgecrelu analyze``, docs/contracts.md
"Pairing analysis"): μ histograms against random filters, the first layer's filters as images, the
recommended CReLU depth and, where a conversion ran, its accuracies.

The part finds ``pairing.json`` through the records' bundle path: in the bundle directory itself,
or in ``analysis/`` beside it (the layout of ``edgecrelu run``). No torch: it draws from the JSON.
The SVG functions here are also what ``edgecrelu analyze`` writes as files.
"""

from __future__ import annotations

import json
from pathlib import Path

from edgecrelu.report.markup import e, md_table
from edgecrelu.report.svg import color

HIST_W, HIST_H = 300, 150
KIND_ORDER = {"relu": 0, "crelu": 1, "crelu-half": 2}


def _kind(variant: str) -> str:
    return str(variant).partition("@")[0]


def find_pairing(sr) -> tuple[Path, dict] | None:
    """(path, content) of the pairing analysis next to the section's bundle, if there is one."""
    for rec in sr.section.records:
        root = (rec.get("bundle") or {}).get("path")
        if not root:
            continue
        for cand in (Path(root) / "pairing.json", Path(root).parent / "analysis" / "pairing.json"):
            try:
                data = json.loads(cand.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and data.get("kind") == "edgecrelu-pairing":
                return cand, data
    return None


# -- SVG ------------------------------------------------------------------------------------------------------


def _svg(title: str, body: list[str], w: int, h: int) -> str:
    return (f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
            f'aria-label="{e(title)}"><title>{e(title)}</title>' + "".join(body) + "</svg>")


def histogram_svg(layer: dict, variant: str) -> str:
    """One layer's μ histogram (bars, share of filters) over [-1, 1] with the random baseline as a line."""
    hist, rand = layer["hist"], layer["random"]["hist"]
    n, rn = max(1, sum(hist)), max(1e-9, sum(rand))
    shares, rshares = [h / n for h in hist], [r / rn for r in rand]
    top = max(shares + rshares + [1e-9]) * 1.1
    ml, mr, mt, mb = 34, 8, 30, 26
    pw, ph = HIST_W - ml - mr, HIST_H - mt - mb
    bw = pw / len(hist)

    def y(v):
        return mt + ph - v / top * ph

    site = f"site {layer['site']}" if layer.get("site") else "no site"
    title = (f"{variant} {layer['path']} ({site}): mean μ {layer['mean']:.3f}, random {layer['random']['mean']:.3f}")
    body = [f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="#fafafa" stroke="#ccc"/>',
            f'<text x="{ml}" y="12" font-size="11">{e(variant)} {e(layer["path"])} ({e(site)}, '
            f'{e("x".join(str(s) for s in layer["shape"]))})</text>',
            f'<text x="{ml}" y="25" font-size="10" fill="#555">mean μ {layer["mean"]:.3f} vs random '
            f'{layer["random"]["mean"]:.3f}; μ&lt;{layer.get("threshold", -0.5):g}: '
            f'{layer["share_below"] * 100:.0f} % vs {layer["random"]["share_below"] * 100:.0f} %</text>']
    for i, s in enumerate(shares):
        if s > 0:
            body.append(f'<rect x="{ml + i * bw:.1f}" y="{y(s):.1f}" width="{max(bw - 1, 0.5):.1f}" '
                        f'height="{mt + ph - y(s):.1f}" fill="{color(_kind(variant))}">'
                        f'<title>μ in [{-1 + 2 * i / len(hist):.2f}, {-1 + 2 * (i + 1) / len(hist):.2f}): '
                        f'{hist[i]} filter(s)</title></rect>')
    pts = " ".join(f"{ml + (i + 0.5) * bw:.1f},{y(s):.1f}" for i, s in enumerate(rshares))
    body.append(f'<polyline points="{pts}" fill="none" stroke="#222" stroke-dasharray="3,2">'
                f'<title>random Gaussian filters, {layer["random"]["draws"]} draws</title></polyline>')
    for t in (-1, -0.5, 0, 0.5, 1):
        x = ml + (t + 1) / 2 * pw
        body.append(f'<text x="{x:.1f}" y="{HIST_H - 12}" font-size="9" text-anchor="middle">{t:g}</text>')
    body.append(f'<text x="{ml + pw / 2:.1f}" y="{HIST_H - 2}" font-size="9" text-anchor="middle">'
                f'μ = cos to the most opposite filter (dashed: random)</text>')
    return _svg(title, body, HIST_W, HIST_H)


def filters_svg(filters: dict, title: str = "First conv layer's filters") -> str:
    """Each variant's first-layer filters as small images side by side (grey or RGB, each filter scaled
    to its own range), filters listed next to their pairing partners."""
    cell, gap, cols = 4, 3, 8
    blocks, x0, height = [], 0, 0
    for variant, f in filters.items():
        pix = f["pixels"]  # [n][kh][kw][c] in 0..255
        if not pix:
            continue
        kh, kw = len(pix[0]), len(pix[0][0])
        fw, fh = kw * cell + gap, kh * cell + gap
        rows = -(-len(pix) // cols)
        body = [f'<text x="{x0}" y="12" font-size="11">{e(variant)} ({len(pix)} filters)</text>']
        for n, flt in enumerate(pix):
            ox, oy = x0 + (n % cols) * fw, 18 + (n // cols) * fh
            for i in range(kh):
                for j in range(kw):
                    c = flt[i][j]
                    r, g, b = (c[0], c[0], c[0]) if len(c) == 1 else (c[0], c[1], c[2])
                    body.append(f'<rect x="{ox + j * cell}" y="{oy + i * cell}" width="{cell}" height="{cell}" '
                                f'fill="rgb({r},{g},{b})"/>')
        blocks += body
        x0 += cols * fw + 24
        height = max(height, 18 + rows * fh)
    if not blocks:
        return _svg(title, ['<text x="10" y="20" font-size="11">no filters</text>'], 200, 30)
    return _svg(title, blocks, max(x0, 200), height + 4)


def standalone(svg: str) -> str:
    """An inline ``<svg>`` as the content of an ``.svg`` file (with its namespace)."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1) + "\n"


# -- text ---------------------------------------------------------------------------------------------------


def _fmt(v, spec=".3f") -> str:
    return "-" if v is None else format(v, spec)


def stats_rows(data: dict) -> list[list[str]]:
    """One row per (variant, conv layer): mean μ and share below the threshold, vs random."""
    body = []
    summ = data.get("summary") or {}
    for variant in sorted(summ, key=lambda v: (KIND_ORDER.get(_kind(v), 9), v)):
        s = summ[variant]
        for layer in s["layers"]:
            body.append([variant, layer["path"], str(layer.get("site") or "-"), layer.get("act") or "-",
                         "x".join(str(d) for d in layer["shape"]),
                         f"{_fmt(layer['mean'])} ± {_fmt(layer.get('mean_std'))}", _fmt(layer["random"]["mean"]),
                         f"{layer['share_below'] * 100:.0f} %", f"{layer['random']['share_below'] * 100:.0f} %",
                         "yes" if layer.get("paired") else "no"])
    return body


HEADERS = ["variant", "conv", "site", "act", "filters", "mean μ (± seeds)", "random mean μ", "share μ<thr",
           "random share", "paired"]


def conversion_rows(conv: dict) -> list[list[str]]:
    out = []
    for row in conv.get("accuracies", []):
        out.append([row["model"], _fmt(row.get("test_acc"), ".4f"), str(row.get("epochs", "-")),
                    row.get("note", "")])
    return out


def _recommend_line(data: dict) -> str:
    rec = data.get("recommendation")
    if not rec:
        return "No ReLU model was analysed, so no CReLU depth is recommended."
    return f"Recommended: {rec['variant']} (depth {rec['depth']}). Rule: {rec['rule']}."


def md(sr, report) -> list[str]:
    found = find_pairing(sr)
    if found is None:
        return []
    path, data = found
    out = ["### Phase pairing", "", f"From `{path}`. {_recommend_line(data)}", "",
           md_table(HEADERS, stats_rows(data)), ""]
    conv = data.get("conversion")
    if conv:
        out += ["ReLU -> CReLU-half conversion (test accuracy):", "",
                md_table(["model", "test acc", "epochs", "note"], conversion_rows(conv)), ""]
    return out


def html(sr, report) -> list[str]:
    found = find_pairing(sr)
    if found is None:
        return []
    path, data = found
    out = ["<h3>Phase pairing</h3>", f"<p>{e(_recommend_line(data))} <small>({e(path)})</small></p>"]
    filters = data.get("filters") or {}
    if filters:
        out.append('<div class="plots">' + filters_svg(filters) + "</div>")
    hists = []
    for m in data.get("summary", {}).items():
        variant, s = m
        for layer in s["layers"]:
            if layer.get("site") and (layer["site"] <= 4):
                hists.append(histogram_svg(layer | {"threshold": data.get("threshold", -0.5)}, variant))
    if hists:
        out.append('<div class="plots">' + "".join(hists) + "</div>")
    from edgecrelu.report.markup import html_table

    out.append(html_table(HEADERS, stats_rows(data), text_cols=(0, 1, 3)))
    conv = data.get("conversion")
    if conv:
        out.append("<p>ReLU -&gt; CReLU-half conversion (test accuracy):</p>")
        out.append(html_table(["model", "test acc", "epochs", "note"], conversion_rows(conv), text_cols=(0, 3)))
    return out
