"""Preprocessing in numpy (no torch), shared by training, export and the target.

Raw images are in the source's own units (digits 0..16, 8-bit images 0..255). The pipeline is
fixed and recorded in a ``preprocessing`` dict so any stage can repeat it exactly::

    {"size": [H, W], "channels": C, "mean": [..C], "std": [..C], "scale": s, "resize": "bilinear",
     "resize_policy": "stretch" | "letterbox" | "crop"}

    raw -> float32 -> channels (grey: ITU-R 601 luma; grey->RGB: repeat) -> resize (PIL bilinear,
    float mode, by the resize policy) -> * scale -> (x - mean) / std per channel -> NCHW float32

Resize policies (a square image at a square size is the same under all three):

* ``stretch`` (the default, and what every run before the policy existed did): each side scaled on
  its own, so a 90×70 image fills 128×128 and its shapes are distorted;
* ``letterbox``: scaled to fit inside, aspect ratio kept, centred, the rest padded with 0 (black);
* ``crop``: the largest centred region of the target's aspect ratio, then scaled (the edges are lost).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.registries import RESIZE_POLICIES

# ITU-R 601-2 luma, the weights PIL uses for RGB -> "L".
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def to_nhwc(x: np.ndarray, what: str = "images") -> np.ndarray:
    """(H,W), (N,H,W), (N,H,W,C) or (N,C,H,W) with C in {1,3} -> (N,H,W,C) float32."""
    x = np.asarray(x)
    if x.ndim == 2:
        x = x[None, :, :, None]
    elif x.ndim == 3:
        x = x[:, :, :, None]
    elif x.ndim == 4:
        if x.shape[-1] in (1, 3):
            pass
        elif x.shape[1] in (1, 3):
            x = x.transpose(0, 2, 3, 1)
        else:
            raise EdgeCReLUError(
                f"{what} have shape {tuple(x.shape)}; expected (N,H,W), (N,H,W,C) or (N,C,H,W) with C 1 or 3"
            )
    else:
        raise EdgeCReLUError(f"{what} have {x.ndim} dimensions; expected 2, 3 or 4")
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise EdgeCReLUError(f"{what} have dtype {x.dtype}; expected numbers")
    return np.ascontiguousarray(x, dtype=np.float32)


def convert_channels(x: np.ndarray, channels: int) -> np.ndarray:
    """NHWC float32 with 1 or 3 channels -> ``channels`` channels."""
    c = x.shape[-1]
    if c == channels:
        return x
    if c == 3 and channels == 1:
        return np.ascontiguousarray((x @ _LUMA)[..., None], dtype=np.float32)
    if c == 1 and channels == 3:
        return np.ascontiguousarray(np.repeat(x, 3, axis=-1))
    raise EdgeCReLUError(f"cannot convert {c}-channel images to {channels} channels (use 1 or 3)")


DEFAULT_RESIZE_POLICY = "stretch"  # today's behaviour: records and reports of existing runs stay as they are


def resize_policy_of(preprocessing: dict) -> str:
    """The recorded policy; records written before it existed stretched."""
    policy = preprocessing.get("resize_policy", DEFAULT_RESIZE_POLICY)
    if policy not in RESIZE_POLICIES:
        raise EdgeCReLUError(f"unknown resize policy {policy!r} in the preprocessing record; "
                             f"known: {', '.join(RESIZE_POLICIES)}")
    return policy


def resize(x: np.ndarray, size: tuple[int, int], policy: str = DEFAULT_RESIZE_POLICY) -> np.ndarray:
    """NHWC float32 -> NHWC float32 at ``size`` (H, W) by ``policy``, PIL bilinear per channel in float mode."""
    h, w = int(size[0]), int(size[1])
    h0, w0 = int(x.shape[1]), int(x.shape[2])
    if policy == "stretch" or (h0, w0) == (h, w):
        return _stretch(x, h, w)
    if policy == "letterbox":
        s = min(h / h0, w / w0)
        nh, nw = min(h, max(1, round(h0 * s))), min(w, max(1, round(w0 * s)))
        out = np.zeros((x.shape[0], h, w, x.shape[3]), dtype=np.float32)
        top, left = (h - nh) // 2, (w - nw) // 2
        out[:, top:top + nh, left:left + nw] = _stretch(x, nh, nw)
        return out
    if policy == "crop":
        s = max(h / h0, w / w0)
        ch, cw = min(h0, max(1, round(h / s))), min(w0, max(1, round(w / s)))
        top, left = (h0 - ch) // 2, (w0 - cw) // 2
        return _stretch(np.ascontiguousarray(x[:, top:top + ch, left:left + cw]), h, w)
    raise EdgeCReLUError(f"unknown resize policy {policy!r}; choose from: {', '.join(RESIZE_POLICIES)}")


def _stretch(x: np.ndarray, h: int, w: int) -> np.ndarray:
    from PIL import Image

    if x.shape[1:3] == (h, w):
        return x
    out = np.empty((x.shape[0], h, w, x.shape[3]), dtype=np.float32)
    for i in range(x.shape[0]):
        for c in range(x.shape[3]):
            img = Image.fromarray(np.ascontiguousarray(x[i, :, :, c]), mode="F")
            out[i, :, :, c] = np.asarray(img.resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32)
    return out


def to_raw(images: np.ndarray, size: tuple[int, int], channels: int,
           policy: str = DEFAULT_RESIZE_POLICY) -> np.ndarray:
    """Raw images (any accepted layout) -> NHWC float32 at ``size`` with ``channels``, still in raw units."""
    return resize(convert_channels(to_nhwc(images), channels), size, policy)


def normalize(raw_nhwc: np.ndarray, preprocessing: dict) -> np.ndarray:
    """NHWC raw units at the right size/channels -> normalised NCHW float32."""
    mean = np.asarray(preprocessing["mean"], dtype=np.float32)
    std = np.asarray(preprocessing["std"], dtype=np.float32)
    scale = np.float32(preprocessing["scale"])
    x = (raw_nhwc * scale - mean) / std
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32)


def channel_stats(raw_nhwc: np.ndarray, scale: float) -> tuple[list[float], list[float]]:
    """Per-channel mean and std of ``raw * scale`` (float64 accumulation); a flat channel gets std 1."""
    x = raw_nhwc.astype(np.float64) * float(scale)
    mean = x.mean(axis=(0, 1, 2))
    std = x.std(axis=(0, 1, 2))
    std = np.where(std < 1e-8, 1.0, std)
    return [float(m) for m in mean], [float(s) for s in std]


def preprocess(images: np.ndarray, preprocessing: dict[str, Any]) -> np.ndarray:
    """Apply a recorded ``preprocessing`` to raw images -> float32 NCHW, identical to training.

    ``images``: one image (H,W), a batch (N,H,W), (N,H,W,C) or (N,C,H,W), uint8 or float, in the
    units the preprocessing was recorded for (its ``scale`` maps them to [0, 1]).
    """
    try:
        h, w = (int(v) for v in preprocessing["size"])
        channels = int(preprocessing["channels"])
    except (KeyError, TypeError, ValueError) as exc:
        raise EdgeCReLUError(f"preprocessing record is incomplete or malformed: {exc}") from None
    return normalize(to_raw(images, (h, w), channels, resize_policy_of(preprocessing)), preprocessing)
