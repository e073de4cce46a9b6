"""Preprocessing in numpy (no torch), shared by training, export and the target.

Raw images are in the source's own units (digits 0..16, 8-bit images 0..255). The pipeline is
fixed and recorded in a ``preprocessing`` dict so any stage can repeat it exactly::

    {"size": [H, W], "channels": C, "mean": [..C], "std": [..C], "scale": s, "resize": "bilinear"}

    raw -> float32 -> channels (grey: ITU-R 601 luma; grey->RGB: repeat) -> resize (PIL bilinear,
    float mode) -> * scale -> (x - mean) / std per channel -> NCHW float32
"""

from __future__ import annotations

from typing import Any

import numpy as np

from edgecrelu.errors import EdgeCReLUError

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


def resize(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """NHWC float32 -> NHWC float32 at ``size`` (H, W), PIL bilinear per channel in float mode."""
    from PIL import Image

    h, w = int(size[0]), int(size[1])
    if x.shape[1:3] == (h, w):
        return x
    out = np.empty((x.shape[0], h, w, x.shape[3]), dtype=np.float32)
    for i in range(x.shape[0]):
        for c in range(x.shape[3]):
            img = Image.fromarray(np.ascontiguousarray(x[i, :, :, c]), mode="F")
            out[i, :, :, c] = np.asarray(img.resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32)
    return out


def to_raw(images: np.ndarray, size: tuple[int, int], channels: int) -> np.ndarray:
    """Raw images (any accepted layout) -> NHWC float32 at ``size`` with ``channels``, still in raw units."""
    return resize(convert_channels(to_nhwc(images), channels), size)


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
    return normalize(to_raw(images, (h, w), channels), preprocessing)
