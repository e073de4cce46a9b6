"""The phase-pairing pictures, drawn from ``pairing.json`` (docs/contracts.md "Pairing analysis"): a
layer's μ histogram against random filters, and the first layer's filters as images. ``edgecrelu
analyze`` writes them as files (:func:`standalone`); the report's pairing part draws them inline."""

from __future__ import annotations

from edgecrelu.report.markup import e
from edgecrelu.report.svg import color
from edgecrelu.variant import split_name

HIST_W, HIST_H = 300, 150


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
                        f'height="{mt + ph - y(s):.1f}" fill="{color(split_name(variant)[0])}">'
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
    svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n"
