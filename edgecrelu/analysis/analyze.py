"""``analyze_checkpoints(path, out)``: phase pairing of every checkpoint of a run (or of one
checkpoint), the random baseline per layer shape, the recommended depth, the first layer's filters
as images; writes ``pairing.json`` (docs/contracts.md "Pairing analysis") and SVG plots.
The pairing reads weights only; the class activation maps of a train run (``analysis/cam.py``) read
a few of its test images."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
from numpy.typing import ArrayLike

from edgecrelu.analysis.layers import conv_layers
from edgecrelu.analysis.phase_pairing import DRAWS, THRESHOLD, mu_of, partners, random_baseline, summary
from edgecrelu.analysis.recommend import is_paired, recommend
from edgecrelu.analysis.sources import open_sources
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import atomic_write, atomic_write_json, read_json_object, utc_now, writing
from edgecrelu.schema import pairing as schema
from edgecrelu.schema.base import check
from edgecrelu.variant import split_name

logger = logging.getLogger(__name__)

MAX_FILTERS = 64  # first-layer filters drawn per model


@dataclass(frozen=True)
class AnalyzeConfig:
    source: str  # run directory or checkpoint
    out: str | None  # directory for pairing.json and plots; None writes nothing
    threshold: float = THRESHOLD
    draws: int = DRAWS
    cam_images: int = 3  # test images per class for the class activation maps (analysis/cam.py); 0: none


def filter_pixels(weights: np.ndarray, limit: int = MAX_FILTERS) -> dict:
    """First-layer filters as ``[n][kh][kw][c]`` ints 0..255 (each filter scaled to its own range,
    0 at mid grey), listed pairwise: each filter followed by its pairing partner if not shown yet."""
    w = np.asarray(weights, dtype=np.float64)
    order: list[int] = []
    seen: set[int] = set()
    part = partners(w) if len(w) > 1 else np.zeros(len(w), dtype=int)
    for i in range(len(w)):
        for j in (i, int(part[i])):
            if j not in seen and len(order) < limit:
                order.append(j)
                seen.add(j)
    pix = []
    for i in order:
        f = w[i]
        if f.shape[0] not in (1, 3):
            f = f[:1]  # neither grey nor RGB: draw the first input channel
        m = np.abs(f).max() or 1.0
        img = np.clip(np.round(127.5 + 127.5 * f / m), 0, 255).astype(int)
        pix.append(np.transpose(img, (1, 2, 0)).tolist())
    return {"shape": [int(s) for s in w.shape], "order": order, "pixels": pix}


def _layer_entries(model, threshold: float, draws: int, cache: dict) -> tuple[list[dict], np.ndarray | None]:
    rows, first = [], None
    for layer in conv_layers(model):
        if layer.weights.shape[0] < 2:
            continue
        if first is None:
            first = layer.weights
        rows.append(layer_entry(layer.path, layer.site, layer.act, layer.weights, threshold, draws, cache)
                    | {"bn_folded": layer.bn is not None})
    return rows, first


def _summarize(models: list[dict]) -> dict:
    """Per variant: each layer's statistics averaged over seeds (mean_std: across seeds)."""
    out: dict[str, dict] = {}
    for m in models:
        out.setdefault(m["variant"], {"seeds": [], "runs": []})
        out[m["variant"]]["seeds"].append(m["seed"])
        out[m["variant"]]["runs"].append(m["layers"])
    for s in out.values():
        runs = s.pop("runs")
        layers = []
        for i, first in enumerate(runs[0]):
            same = [r[i] for r in runs if len(r) > i and r[i]["path"] == first["path"]]
            means = [x["mean"] for x in same]
            layers.append({"path": first["path"], "site": first["site"], "act": first["act"], "shape": first["shape"],
                           "mean": float(np.mean(means)),
                           "mean_std": float(np.std(means, ddof=1)) if len(means) > 1 else None,
                           "share_below": float(np.mean([x["share_below"] for x in same])),
                           "hist": [int(h) for h in np.sum([x["hist"] for x in same], axis=0)],
                           "random": first["random"], "n": len(same),
                           "paired": is_paired(float(np.mean(means)), first["random"]["mean"],
                                               first["random"]["mean_std"])})
        s["layers"] = layers
    return out


def assemble(models: list[dict], firsts: dict, *, threshold: float, draws: int, source: str,
             arch: dict | None) -> dict:
    """pairing.json from the per-checkpoint layer statistics (``models``) and each variant's first
    layer weights (``firsts``): the per-variant summary, the recommendation and the filter images."""
    summ = _summarize(models)
    relu = summ.get("relu")
    rec = None
    if relu is not None:
        rec = recommend([layer for layer in relu["layers"] if layer["site"]]) | {"from": "relu"}
    filters = {v: filter_pixels(w) for v, w in sorted(firsts.items(), key=lambda kv: split_name(kv[0]))}
    return {"schema_version": schema.SCHEMA_VERSION, "kind": schema.KIND, "created_utc": utc_now(), "source": source,
            **(arch or {}), "threshold": float(threshold), "draws": int(draws),
            "definition": "mu_i = min over j != i of cos(phi_i, phi_j), filters flattened, BN scale folded in",
            "models": models, "summary": summ, "recommendation": rec, "filters": filters, "conversion": None}


def layer_entry(path: str, site: int | None, act: str | None, weights: ArrayLike, threshold: float = THRESHOLD,
                draws: int = DRAWS, cache: dict | None = None) -> dict:
    """One conv layer's statistics with the random baseline of its shape (cached per shape)."""
    shape = [int(s) for s in np.shape(weights)]
    cache = {} if cache is None else cache
    key = (tuple(shape), threshold, draws)
    if key not in cache:
        cache[key] = random_baseline(shape, draws=draws, threshold=threshold)
    return {"path": path, "site": site, "act": act, "shape": shape, **summary(mu_of(weights), threshold),
            "random": cache[key]}


def analyze_checkpoints(config: AnalyzeConfig) -> dict:
    """The pairing analysis of ``config.source``; written to ``config.out`` when given."""
    if not -1.0 < config.threshold < 1.0:
        raise EdgeCReLUError(f"--threshold must lie in (-1, 1) (got {config.threshold})")
    if config.draws < 2:
        raise EdgeCReLUError(f"--draws must be at least 2 (got {config.draws})")
    sources = open_sources(config.source)
    cache: dict = {}
    models, firsts, arch = [], {}, None
    for src in sources:
        aj = src.arch_json()
        arch = arch or {"arch": aj.get("arch"), "input_shape": aj.get("input_shape")}
        layers, first = _layer_entries(src.model(), config.threshold, config.draws, cache)
        logger.info(f"  {src.variant} seed {src.seed}: {len(layers)} conv layers")
        models.append({"variant": src.variant, "seed": src.seed, "dir": str(src.dir), "layers": layers})
        if first is not None and src.variant not in firsts:
            firsts[src.variant] = first
    data = assemble(models, firsts, threshold=config.threshold, draws=config.draws,
                    source=str(Path(config.source).resolve()), arch=arch)
    conv = Path(config.source) / "conversion.json"
    if conv.is_file():  # a run written by `edgecrelu convert`: show its accuracies too
        data["conversion"] = read_json_object(conv, "conversion file")
    if config.out is not None:
        write_outputs(data, Path(config.out))
        record_location(Path(config.source), Path(config.out))
        if config.cam_images > 0 and (Path(config.source) / "run.json").is_file():  # reads the run's test images
            from edgecrelu.analysis.cam import write_cam

            write_cam(Path(config.source), sources, Path(config.out), config.cam_images)
    return data


def record_location(source: Path, out: Path) -> Path | None:
    """Write where the analysis of a whole train run went into its run.json (``analysis``), so that
    ``report`` on the run's bundle finds it wherever ``--out`` put it; returns the run.json written.
    A single checkpoint's analysis is not the run's and is not recorded."""
    run_json = source / "run.json"
    if not run_json.is_file():
        return None
    run = read_json_object(run_json, "train run file")
    run["analysis"] = str(out.resolve())
    try:
        atomic_write_json(run_json, run)
    except OSError as exc:  # the analysis is written: a read-only run costs only the pointer
        logger.warning(f"warning: {out} is not recorded in {run_json} ({exc.strerror or exc}): "
                       f"`report --analysis {out}` finds it")
        return None
    logger.info(f"analysis location recorded in {run_json}")
    return run_json


def write_outputs(data: dict, out: Path) -> dict:
    """pairing.json, filters.svg and mu-<variant>.svg (one histogram per site) into ``out``; an
    ``OSError`` on the way is one line naming ``out``."""
    with writing("the pairing analysis", out):
        return _write_outputs(data, out)


def _writer(data: bytes) -> Callable[[IO[bytes]], int]:
    return lambda f: f.write(data)


def _write_outputs(data: dict, out: Path) -> dict:
    from edgecrelu.report.pairing_svg import filters_svg, histogram_svg, standalone

    # what is written is what the report reads: its model (docs/contracts.md "Pairing analysis") checks it
    check(json.loads(json.dumps(data)), schema.Pairing, "pairing.json as assembled")
    out.mkdir(parents=True, exist_ok=True)
    files = {"pairing": atomic_write_json(out / "pairing.json", data)}
    if data.get("filters"):
        filters = standalone(filters_svg(data["filters"])).encode()
        files["filters"] = atomic_write(out / "filters.svg", _writer(filters), binary=True)
    for variant, s in data["summary"].items():
        hists = [histogram_svg(layer | {"threshold": data["threshold"]}, variant) for layer in s["layers"]]
        body = "".join(f'<g transform="translate(0,{i * 155})">{h}</g>' for i, h in enumerate(hists))
        svg = (f'<svg width="300" height="{155 * len(hists)}" viewBox="0 0 300 {155 * len(hists)}">'
               f"<title>{variant}: mu per conv layer</title>{body}</svg>")
        data_ = standalone(svg).encode()
        name = "mu-" + variant.replace("@", "-at-") + ".svg"
        files[name] = atomic_write(out / name, _writer(data_), binary=True)
    return files
