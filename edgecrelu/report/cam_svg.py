"""The class activation maps and first-layer phases of ``cam.json`` (``analysis/cam.py``) as SVG: one
row per class, each test image beside each variant's map over it, labelled with what the model
predicted; the PNG panels are embedded (``data:`` URIs), so the SVG stands alone."""

from __future__ import annotations

from edgecrelu.report.markup import e

PANEL = 72  # pixels a panel is drawn at (analysis/cam.py writes them at this size)


def _img(xpos: float, ypos: float, data: str, title: str) -> str:
    return (f'<image x="{xpos:.0f}" y="{ypos:.0f}" width="{PANEL}" height="{PANEL}" '
            f'href="data:image/png;base64,{data}"><title>{e(title)}</title></image>')


def cam_svg(data: dict) -> str:
    """One row per class: each image, then each variant's map over it (labelled with its prediction)."""
    variants = data["variants"]
    per = max((len(r["images"]) for r in data["rows"]), default=0)
    col_w, label_w, row_h = PANEL + 18, 90, PANEL + 30  # room for "→ scratch ✗" under a panel
    group = col_w * (1 + len(variants)) + 14
    width = label_w + group * max(per, 1)
    height = 44 + row_h * len(data["rows"])
    method = data["method"].split(":")[0]
    on = ", ".join(f"{v} {data['layers'][v]}" for v in variants)
    body = [f'<text x="4" y="16" class="ptitle">What the models look at: {e(method)} on {e(on)}</text>']
    for j in range(per):
        x0 = label_w + j * group
        for k, name in enumerate(["image"] + variants):
            body.append(f'<text x="{x0 + k * col_w + PANEL / 2:.0f}" y="36" text-anchor="middle" class="tick">'
                        f'{e(name)}</text>')
    for r, row in enumerate(data["rows"]):
        y0 = 44 + r * row_h
        body.append(f'<text x="4" y="{y0 + PANEL / 2:.0f}" class="axis">{e(row["class"])}</text>')
        for j, im in enumerate(row["images"]):
            x0 = label_w + j * group
            body.append(_img(x0, y0, im["image"], f'{row["class"]}: test image {im["index"]}'))
            for k, v in enumerate(variants):
                m = im["maps"][v]
                xk = x0 + (k + 1) * col_w
                body.append(_img(xk, y0, m["png"], f"{v}: map for {row['class']}, predicted {m['predicted']}"))
                mark = "" if m["predicted"] == row["class"] else " ✗"
                body.append(f'<text x="{xk + PANEL / 2:.0f}" y="{y0 + PANEL + 12}" text-anchor="middle" '
                            f'class="tick">→ {e(m["predicted"])}{mark}</text>')
    return (f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="class activation maps"><title>class activation maps</title>{"".join(body)}</svg>')


def phases_svg(data: dict) -> str:
    """The defect image, then per model a row of positive-phase and a row of negative-phase maps."""
    ph = data["phases"]
    models = ph["models"]
    chans = max(m["channels"] for m in models.values())
    col_w, label_w = PANEL + 4, PANEL + 190
    width = label_w + col_w * chans
    height = 40 + 2 * len(models) * (PANEL + 8)
    body = [f'<text x="4" y="16" class="ptitle">First layer on a {e(ph["class"])} image: positive phase relu(y) and '
            'negative phase relu(−y) per channel (same scale)</text>',
            _img(4, 30, ph["image"], f'{ph["class"]}: test image {ph["index"]}')]
    y = 30
    for v, m in models.items():
        for phase in ("positive", "negative"):
            kept = "" if phase == "positive" else (" (kept)" if "crelu" in v else " (dropped)")
            body.append(f'<text x="{PANEL + 12}" y="{y + PANEL / 2:.0f}" class="tick">{e(v)} {phase}{kept}</text>')
            for j, d in enumerate(m[phase]):
                body.append(_img(label_w + j * col_w, y, d, f"{v} {m['layer']} channel {j} {phase}"))
            y += PANEL + 8
    return (f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="first-layer phases"><title>first-layer phases</title>{"".join(body)}</svg>')
