"""What each model looks at: class activation maps and the first layer's two phases (``analyze``).

For a few test images of every class, the Grad-CAM map (Selvaraju et al., ICCV 2017: the last conv's
activations weighted by the mean gradient of the true class's logit, rectified) of each variant's
model, ReLU beside CReLU; and on one defect image, the first conv's positive phase relu(y) and
negative phase relu(-y) per channel (a ReLU model drops the negative one, a CReLU model keeps it).
Written as ``cam.json`` (the images as PNG, base64; the report draws them one row per class) and
``cam.svg`` / ``phases.svg`` (the same, standalone).
"""

from __future__ import annotations

import base64
import io
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from edgecrelu.errors import EdgeCReLUError

if TYPE_CHECKING:
    from torch import nn
from edgecrelu.fileio import atomic_write, atomic_write_json, read_json_object, utc_now
from edgecrelu.report.cam_svg import PANEL  # the size the report draws a panel at

logger = logging.getLogger(__name__)

METHOD = "Grad-CAM (Selvaraju et al. 2017): last conv activations weighted by the true class's mean gradient"
PER_CLASS = 3  # test images per class
PHASE_CHANNELS = 8  # first-layer channels drawn on the defect image


def png(img: np.ndarray) -> str:
    """(H, W) in [0, 1] grey or (H, W, 3) RGB in [0, 1] -> PNG, base64, upscaled to PANEL pixels."""
    from PIL import Image

    a = np.clip(np.round(np.asarray(img, dtype=np.float64) * 255), 0, 255).astype(np.uint8)
    im = Image.fromarray(a, "L" if a.ndim == 2 else "RGB")
    im = im.resize((PANEL, PANEL), Image.Resampling.NEAREST)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def heat(v: np.ndarray) -> np.ndarray:
    """A map in [0, 1] -> RGB, dark blue (0) through green and yellow to red (1)."""
    v = np.clip(v, 0, 1)[..., None]
    stops = np.array([[0.1, 0.1, 0.5], [0.0, 0.6, 0.9], [0.2, 0.8, 0.2], [1.0, 0.85, 0.1], [0.85, 0.1, 0.1]])
    t = v * (len(stops) - 1)
    i = np.clip(np.floor(t).astype(int), 0, len(stops) - 2)
    f = t - i
    return stops[i[..., 0]] * (1 - f) + stops[i[..., 0] + 1] * f


def overlay(grey: np.ndarray, cam: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    return (1 - alpha) * np.repeat(grey[..., None], 3, axis=-1) + alpha * heat(cam)


def last_conv(model: nn.Module) -> str:
    from torch import nn

    names = [n for n, m in model.named_modules() if isinstance(m, nn.Conv2d)]
    if not names:
        raise EdgeCReLUError("the model has no Conv2d: no class activation map")
    return names[-1]


def grad_cam(model: nn.Module, x: np.ndarray, labels: np.ndarray, layer: str) -> np.ndarray:
    """(N, H, W) maps in [0, 1] at the input's size, for each image's true class."""
    import torch
    import torch.nn.functional as F

    saved: dict = {}
    mod = model.get_submodule(layer)
    # the layer's output is kept as it was and a copy goes on, so an in-place ReLU after it changes nothing here
    h = mod.register_forward_hook(lambda m, i, o: (saved.update(a=o), o.clone())[1])
    try:
        xt = torch.from_numpy(np.ascontiguousarray(x))
        with torch.enable_grad():
            logits = model(xt)
            score = logits.gather(1, torch.from_numpy(labels.astype(np.int64))[:, None]).sum()
            a = saved["a"]
            (g,) = torch.autograd.grad(score, a)
        weighted = F.relu((g.mean(dim=(2, 3), keepdim=True) * a).sum(1, keepdim=True))
        up = F.interpolate(weighted, size=x.shape[-2:], mode="bilinear", align_corners=False)[:, 0].detach().numpy()
    finally:
        h.remove()
    maps = np.asarray(up, dtype=np.float64)
    top = maps.reshape(len(maps), -1).max(axis=1).reshape(-1, 1, 1)
    return np.where(top > 0, maps / np.where(top > 0, top, 1), 0.0)


def first_response(model: nn.Module, x: np.ndarray) -> tuple[str, np.ndarray]:
    """(layer, y): the first conv's output (after its BatchNorm, if one follows) on ``x``."""
    import torch

    from edgecrelu.analysis.layers import conv_layers

    first = conv_layers(model)[0]
    name = first.bn or first.path
    saved: dict = {}
    h = model.get_submodule(name).register_forward_hook(lambda m, i, o: saved.update(y=o.detach().clone()))
    try:
        with torch.inference_mode():
            model(torch.from_numpy(np.ascontiguousarray(x)))
    finally:
        h.remove()
    return first.path, saved["y"].numpy()


def _grey(x: np.ndarray, pre: dict) -> np.ndarray:
    """A preprocessed (C, H, W) image as grey light in [0, 1]."""
    mean = np.asarray(pre.get("mean", [0.0]), dtype=np.float64).reshape(-1, 1, 1)
    std = np.asarray(pre.get("std", [1.0]), dtype=np.float64).reshape(-1, 1, 1)
    return np.clip((x * std + mean).mean(0), 0, 1)


def _norm(v: np.ndarray) -> np.ndarray:
    m = float(np.abs(v).max())
    return v / m if m > 0 else v


def pick_images(y: np.ndarray, k: int, per_class: int) -> list[list[int]]:
    """The first ``per_class`` test images of each class (test-split order)."""
    return [[int(i) for i in np.flatnonzero(y == c)[:per_class]] for c in range(k)]


def defect_class(names: list[str]) -> int:
    """The class whose image shows the phases: the first not named good / ok / normal."""
    plain = {"good", "ok", "normal", "pass", "none"}
    return next((i for i, n in enumerate(names) if n.lower() not in plain), 0)


def cam_data(models: dict, x: np.ndarray, y: np.ndarray, names: list[str], pre: dict,
             per_class: int = PER_CLASS) -> dict:
    """``cam.json``'s content from ``models`` (variant -> model in eval mode, ReLU first) on the
    test images ``x`` (preprocessed) with labels ``y``."""
    picks = pick_images(y, len(names), per_class)
    idx = [i for p in picks for i in p]
    variants = list(models)
    layers = {v: last_conv(m) for v, m in models.items()}
    maps = {v: grad_cam(m, x[idx], y[idx], layers[v]) if idx else np.zeros((0,) + x.shape[-2:])
            for v, m in models.items()}
    preds = {}
    import torch

    for v, m in models.items():
        with torch.inference_mode():
            preds[v] = m(torch.from_numpy(np.ascontiguousarray(x[idx]))).argmax(1).numpy() if idx else np.zeros(0)
    rows = []
    at = 0
    for c, p in enumerate(picks):
        images = []
        for i in p:
            grey = _grey(x[i], pre)
            images.append({"index": i, "image": png(grey),
                           "maps": {v: {"png": png(overlay(grey, maps[v][at])),
                                        "predicted": names[int(preds[v][at])] if len(names) > int(preds[v][at])
                                        else str(int(preds[v][at]))} for v in variants}})
            at += 1
        rows.append({"class": names[c], "images": images})
    out: dict = {"kind": "edgecrelu-cam", "created_utc": utc_now(), "method": METHOD, "variants": variants,
           "layers": layers, "rows": rows, "phases": None}
    dc = defect_class(names)
    if picks[dc]:
        i = picks[dc][0]
        grey = _grey(x[i], pre)
        phases: dict[str, dict] = {}
        for v, m in models.items():
            layer, resp = first_response(m, x[i:i + 1])
            ch = min(PHASE_CHANNELS, resp.shape[1])
            ys = _norm(resp[0, :ch])
            phases[v] = {"layer": layer, "channels": ch,
                         "positive": [png(np.maximum(ys[j], 0)) for j in range(ch)],
                         "negative": [png(np.maximum(-ys[j], 0)) for j in range(ch)]}
        out["phases"] = {"class": names[dc], "index": i, "image": png(grey), "models": phases}
    return out


def _writer(data: bytes):
    return lambda f: f.write(data)


def write_cam(run_dir: Path, sources: list, out: Path, per_class: int = PER_CLASS) -> dict | None:
    """``cam.json``, ``cam.svg`` and ``phases.svg`` in ``out`` for a train run (one model per
    variant: its first seed); None, with a warning, where the run's data cannot be read."""
    from edgecrelu.data import datacheck
    from edgecrelu.report.cam_svg import cam_svg, phases_svg
    from edgecrelu.report.pairing_svg import standalone

    run = read_json_object(run_dir / "run.json", "train run file")
    try:
        ds = datacheck.load_for_run(run.get("data", {}), run_dir, f"the train run {run_dir}")
    except EdgeCReLUError as exc:
        logger.warning(f"warning: no class activation maps: {exc}")
        return None
    models: dict = {}
    for src in sorted(sources, key=lambda s: (s.variant != "relu", s.variant)):
        if src.variant not in models:
            models[src.variant] = src.model()
    data = cam_data(models, ds.x_test, ds.y_test, list(ds.class_names), ds.preprocessing, per_class)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / "cam.json", data)
    for name, svg in (("cam.svg", cam_svg(data)), ("phases.svg", phases_svg(data) if data["phases"] else None)):
        if svg is not None:
            blob = standalone(svg).encode()
            atomic_write(out / name, _writer(blob), binary=True)
    logger.info(f"  class activation maps of {', '.join(models)} on {per_class} test images per class -> {out}")
    return data
