"""MODEL_CARD.md: one page on the shipped configuration -- data, recipe, measured numbers with their
intervals, device, versions, and the verdict it was shipped under."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from edgecrelu.ship.choose import Choice


def _ms(v) -> str:
    return "—" if v is None else f"{v:.3g} ms"


def _range(r, unit: str = " ms") -> str:
    return "" if not r else f" (trial range {r[0]:.3g}–{r[1]:.3g}{unit})"


def model_card(choice: Choice, manifest: dict, ship_manifest: dict, engine_lines: list[str]) -> str:
    rec, cell, row = choice.record, choice.cell, choice.row
    env = rec.get("environment") or {}
    acc = rec.get("accuracy") or {}
    lat = rec.get("latency_ms") or {}
    mem = rec.get("memory") or {}
    ds = (rec.get("bundle") or {}).get("dataset") or {}
    model = manifest.get("model") or {}
    pre = manifest.get("preprocessing") or {}
    train = (manifest.get("variants", {}).get(cell.variant) or {}).get("train")
    recipe = manifest.get("recipe") or (rec.get("bundle") or {}).get("train")
    top1 = acc.get("top1")
    ci = getattr(row, "top1_ci", None)
    top1_text = "—" if top1 is None else f"{top1 * 100:.2f} %" + (
        f" (95 % interval {ci[0] * 100:.2f}–{ci[1] * 100:.2f} %)" if ci else "")
    p99_ci = getattr(row, "p99_ci", None)
    power = rec.get("power") or {}
    gpu = env.get("gpu")
    jetson = env.get("jetson")
    shipped = ("chosen by the verdict" if choice.chosen_by == "verdict" else
               f"named with --cell: the verdict ({choice.verdict}) chose no configuration")
    lines = [
        f"# Model card: {cell.variant} ({cell.form}, {cell.precision}, {cell.backend})",
        "",
        f"**Verdict: {choice.verdict}** on {choice.device}; this configuration was {shipped}.",
        "",
        f"> {choice.sentence}",
        "",
        "## Model",
        f"- File: `{ship_manifest['artifact']['file']}` (sha256 `{ship_manifest['artifact']['sha256']}`), "
        f"ONNX opset {model.get('opset', '—')}, input `{model.get('input_name', 'input')}` "
        f"{['N', *model.get('input_shape', [])]}, output `{model.get('output_name', 'logits')}` "
        f"({model.get('num_classes', '—')} classes)",
        f"- Architecture: {model.get('arch', '—')} {json.dumps(model.get('arch_args') or {})}; variant "
        f"{cell.variant}, CReLU form {cell.form}, precision {cell.precision}",
        f"- Bundle manifest sha256 `{(rec.get('bundle') or {}).get('manifest_sha256')}`",
        "",
        "## Data",
        f"- Source: {ds.get('spec', (manifest.get('dataset') or {}).get('spec', '—'))}; eval images: "
        f"{acc.get('n', ds.get('eval_n', '—'))} (in `eval.npz`, preprocessed); dataset sha256 "
        f"`{(rec.get('bundle') or {}).get('dataset_sha256')}`",
        f"- Preprocessing: size {pre.get('size')}, channels {pre.get('channels')}, × {pre.get('scale')}, "
        f"mean {pre.get('mean')}, std {pre.get('std')} (`infer.py` applies it)",
        "",
        "## Recipe",
        f"- {json.dumps(recipe, sort_keys=True) if recipe else 'not recorded in the bundle'}",
    ]
    if train:
        lines.append(f"- This variant's training: {json.dumps(train, sort_keys=True)}")
    lines += [
        "",
        f"## Measured on {choice.device}",
        f"- Top-1: {top1_text} on {acc.get('n', '—')} eval images",
        f"- Latency at batch {cell.batch}: p50 {_ms(lat.get('p50'))}{_range(getattr(row, 'p50_range', None))}, "
        f"p99 {_ms(lat.get('p99'))}" + (f" (95 % interval {p99_ci[0]:.3g}–{p99_ci[1]:.3g} ms)" if p99_ci else ""),
        f"- Throughput: {rec.get('throughput_ips') or 0:,.0f} images/s; peak memory "
        f"{(mem.get('device_bytes') or mem.get('peak_rss_bytes') or 0) / 2**20:.0f} MB "
        f"({'device' if mem.get('device_bytes') else 'host RSS'})",
        f"- Energy: {power['mj_per_inference']:.3g} mJ per inference ({power.get('source')})"
        if power.get("mj_per_inference") is not None else "- Energy: not measured",
        "",
        "## Device and versions",
        f"- Device profile {(rec.get('device_profile') or {}).get('name')}; host {env.get('host')}; "
        f"CPU {(env.get('cpu') or {}).get('model', '—') if isinstance(env.get('cpu'), dict) else env.get('cpu')}; "
        f"GPU {gpu.get('name') if isinstance(gpu, dict) else gpu or '—'}"
        + (f"; Jetson {jetson.get('model')} (L4T {jetson.get('l4t')}, nvpmodel {jetson.get('nvpmodel')})"
           if isinstance(jetson, dict) else ""),
        f"- edgecrelu {rec.get('edgecrelu_version')}, Python {env.get('python', '—')}, "
        + ", ".join(f"{k} {v}" for k, v in sorted((env.get('libraries') or {}).items())),
        f"- Record `record.json` (run {rec.get('run_id')}, {rec.get('created_utc')})",
        "",
        "## Run it",
        "- `python infer.py IMAGE_OR_FOLDER` (numpy, onnxruntime, pillow); "
        "`python infer.py --eval eval.npz` reproduces the top-1 above",
        *[f"- {line}" for line in engine_lines],
        "",
    ]
    return "\n".join(lines)
