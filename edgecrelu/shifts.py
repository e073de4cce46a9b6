"""Shifted eval sets: the line's real conditions applied to the eval images (numpy only, no torch).

Each named shift is a deterministic function of the image and its recorded parameters, at severities
1 (mild) to 3 (strong). Shifts act on the image as the camera sees it: the bundle's eval set is
stored preprocessed (``(raw * scale - mean) / std``), so the normalisation is undone first
(``x * std + mean``, light in [0, 1]), the shift applied, the result clipped to [0, 1] (a sensor
saturates) and stored as 8 bits (what a camera delivers); :func:`decode` normalises it again with
the manifest's ``preprocessing``. README "Robustness" lists the shifts and their parameters.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from edgecrelu.errors import EdgeCReLUError

ENCODING = "uint8: round(clip(light, 0, 1) * 255), NCHW; normalised on load with the manifest's preprocessing"
DEFAULT_IMAGES = 500  # eval images per shifted set: the first N of the eval set (a seeded draw already)
NOISE_SEED = 20250  # seeds the sensor noise (with the severity): the same noise on every export
ALL_SEVERITIES = (1, 2, 3)


@dataclass(frozen=True)
class Shift:
    name: str
    help: str  # one line: what on the line it stands for
    levels: tuple[dict, ...]  # parameters of severity 1, 2, 3 (size-independent form)
    apply: Callable[[np.ndarray, dict], np.ndarray]  # (N,C,H,W) light in [0, 1], params -> same shape

    @property
    def severities(self) -> tuple[int, ...]:
        return tuple(range(1, len(self.levels) + 1))


def _gain(u: np.ndarray, p: dict) -> np.ndarray:
    return u * p["gain"]


def _offset(u: np.ndarray, p: dict) -> np.ndarray:
    return u + p["offset"]


def _gradient(u: np.ndarray, p: dict) -> np.ndarray:
    w = u.shape[-1]
    ramp = 1.0 + p["amplitude"] * (np.arange(w, dtype=np.float32) / max(1, w - 1) - 0.5)  # left dark, right bright
    return u * ramp.astype(np.float32)


def _contrast(u: np.ndarray, p: dict) -> np.ndarray:
    m = u.mean(axis=(1, 2, 3), keepdims=True)
    return m + p["contrast"] * (u - m)


def _invert(u: np.ndarray, p: dict) -> np.ndarray:
    return 1.0 - u


def _kernel(sigma: float) -> np.ndarray:
    r = max(1, int(math.ceil(3 * sigma)))
    t = np.arange(-r, r + 1, dtype=np.float64)
    k = np.exp(-0.5 * (t / sigma) ** 2)
    return (k / k.sum()).astype(np.float32)


def _conv_axis(u: np.ndarray, k: np.ndarray, axis: int) -> np.ndarray:
    r = len(k) // 2
    pad = [(0, 0)] * u.ndim
    pad[axis] = (r, r)
    p = np.pad(u, pad, mode="reflect" if u.shape[axis] > r else "edge")
    n = u.shape[axis]
    out = np.zeros_like(u)
    for i, w in enumerate(k):
        out += w * np.take(p, np.arange(i, i + n), axis=axis)
    return out


def _blur(u: np.ndarray, p: dict) -> np.ndarray:
    sigma = p["sigma_frac"] * u.shape[-1]
    k = _kernel(sigma)
    return _conv_axis(_conv_axis(u, k, 2), k, 3)


def _noise(u: np.ndarray, p: dict) -> np.ndarray:
    rng = np.random.default_rng([NOISE_SEED, int(p["seed"])])
    return u + p["sd"] * rng.standard_normal(u.shape).astype(np.float32)


def _translate(u: np.ndarray, p: dict) -> np.ndarray:
    h, w = u.shape[-2:]
    dy, dx = int(round(p["frac"] * h)), int(round(p["frac"] * w))
    padded = np.pad(u, [(0, 0), (0, 0), (dy, 0), (dx, 0)], mode="edge")  # the part moves down-right
    return padded[:, :, :h, :w]


def _rotate(u: np.ndarray, p: dict) -> np.ndarray:
    """Rotation about the centre by ``degrees`` (bilinear; the border repeats its edge pixels)."""
    h, w = u.shape[-2:]
    a = math.radians(p["degrees"])
    cy, cx = (h - 1) / 2, (w - 1) / 2
    yy, xx = np.meshgrid(np.arange(h, dtype=np.float64) - cy, np.arange(w, dtype=np.float64) - cx, indexing="ij")
    sy = np.clip(math.cos(a) * yy - math.sin(a) * xx + cy, 0, h - 1)  # where each output pixel comes from
    sx = np.clip(math.sin(a) * yy + math.cos(a) * xx + cx, 0, w - 1)
    y0, x0 = np.floor(sy).astype(np.intp), np.floor(sx).astype(np.intp)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    fy, fx = (sy - y0).astype(np.float32), (sx - x0).astype(np.float32)
    top = u[:, :, y0, x0] * (1 - fx) + u[:, :, y0, x1] * fx
    bottom = u[:, :, y1, x0] * (1 - fx) + u[:, :, y1, x1] * fx
    return top * (1 - fy) + bottom * fy


SHIFTS: dict[str, Shift] = {s.name: s for s in (
    Shift("gain", "illumination gain: a lamp ages, the camera's gain drops (light x gain)",
          ({"gain": 0.8}, {"gain": 0.65}, {"gain": 0.5}), _gain),
    Shift("offset", "illumination offset: stray light (light + offset, saturating)",
          ({"offset": 0.1}, {"offset": 0.2}, {"offset": 0.35}), _offset),
    Shift("gradient", "illumination gradient across the image, left dark to right bright (x (1 + a (col/(W-1) - 1/2)))",
          ({"amplitude": 0.4}, {"amplitude": 0.8}, {"amplitude": 1.2}), _gradient),
    Shift("contrast", "contrast reduction about each image's mean (mean + c (light - mean))",
          ({"contrast": 0.85}, {"contrast": 0.7}, {"contrast": 0.55}), _contrast),
    Shift("invert", "polarity inversion: parts with the opposite surface polarity (1 - light)", ({},), _invert),
    Shift("blur", "Gaussian blur, sigma a fraction of the image width: the belt speeds up, focus drifts",
          ({"sigma_frac": 0.5 / 64}, {"sigma_frac": 1 / 64}, {"sigma_frac": 1.5 / 64}), _blur),
    Shift("noise", "Gaussian sensor noise of sd in light units (seeded): a warm sensor",
          ({"sd": 0.02, "seed": 1}, {"sd": 0.04, "seed": 2}, {"sd": 0.07, "seed": 3}), _noise),
    Shift("translate", "translation down-right by a fraction of the size (edge pixels repeated): the part off centre",
          ({"frac": 0.04}, {"frac": 0.08}, {"frac": 0.12}), _translate),
    Shift("rotate", "rotation about the centre (bilinear, edge pixels repeated): the part turned",
          ({"degrees": 5.0}, {"degrees": 10.0}, {"degrees": 20.0}), _rotate),
)}

CHOICES = ("none", "default")  # besides a list of NAME or NAME@SEVERITY


def describe() -> str:
    """The shifts' names for --help and errors."""
    return ", ".join(SHIFTS) + " (severities 1-3; invert 1)"


def parse_spec(text: str) -> list[tuple[str, int]]:
    """``none`` -> [], ``default`` -> every shift at every severity, ``blur,noise@2`` -> those
    (a bare name: all its severities). Unknown names and severities are one-line errors."""
    text = (text or "").strip()
    if text in ("", "none"):
        return []
    if text == "default":
        return [(s.name, k) for s in SHIFTS.values() for k in s.severities]
    out: list[tuple[str, int]] = []
    for part in (p.strip() for p in text.split(",")):
        name, _, sev = part.partition("@")
        shift = SHIFTS.get(name)
        if shift is None:
            raise EdgeCReLUError(f"unknown shift {name!r} in --shifts {text!r}; choose none, default, or a list of: "
                                 f"{', '.join(SHIFTS)} (NAME or NAME@SEVERITY)")
        if sev:
            if not sev.isdigit() or int(sev) not in shift.severities:
                raise EdgeCReLUError(f"--shifts {part!r}: {name} has severities "
                                     f"{', '.join(map(str, shift.severities))}")
            levels: tuple[int, ...] = (int(sev),)
        else:
            levels = shift.severities
        out += [(name, k) for k in levels if (name, k) not in out]
    return out


def params(name: str, severity: int, shape: tuple[int, ...]) -> dict:
    """The recorded parameters of ``name`` at ``severity`` on images of ``shape`` (C, H, W): the
    level's own, plus the pixel values they come to at this size."""
    p = dict(SHIFTS[name].levels[severity - 1])
    h, w = shape[-2:]
    if name == "blur":
        p["sigma_px"] = round(p["sigma_frac"] * w, 4)
    if name == "translate":
        p["dy_px"], p["dx_px"] = int(round(p["frac"] * h)), int(round(p["frac"] * w))
    if name == "noise":
        p["rng"] = f"numpy PCG64 seeded [{NOISE_SEED}, {p['seed']}]"
    return p


def to_light(x: np.ndarray, preprocessing: dict) -> np.ndarray:
    """Preprocessed NCHW floats -> light in [0, 1] (the normalisation undone)."""
    mean, std = _mean_std(preprocessing, x.shape[1])
    return x.astype(np.float32) * std + mean


def decode(u8: np.ndarray, preprocessing: dict) -> np.ndarray:
    """A stored shifted set -> the model's input (the manifest's normalisation)."""
    mean, std = _mean_std(preprocessing, u8.shape[1])
    return np.ascontiguousarray(((u8.astype(np.float32) / 255.0) - mean) / std, dtype=np.float32)


def _mean_std(preprocessing: dict, channels: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        mean = np.asarray(preprocessing["mean"], dtype=np.float32).reshape(1, -1, 1, 1)
        std = np.asarray(preprocessing["std"], dtype=np.float32).reshape(1, -1, 1, 1)
    except (KeyError, TypeError, ValueError):
        raise EdgeCReLUError("shifted eval sets need the bundle's preprocessing (mean and std per channel)") from None
    if mean.shape[1] not in (1, channels) or std.shape[1] not in (1, channels):
        raise EdgeCReLUError(f"preprocessing has {mean.shape[1]} channel means for {channels}-channel images")
    return mean, std


def apply(name: str, severity: int, light: np.ndarray) -> np.ndarray:
    """``light`` (N,C,H,W in [0, 1]) under the shift, as stored: 8 bits, clipped."""
    shift = SHIFTS[name]
    out = shift.apply(light.astype(np.float32), params(name, severity, light.shape[1:]))
    return np.round(np.clip(out, 0.0, 1.0) * 255.0).astype(np.uint8)


def array_sha256(a: np.ndarray) -> str:
    """sha256 of an array's dtype, shape and bytes: the same images whatever file holds them."""
    h = hashlib.sha256(f"{a.dtype.str}{tuple(a.shape)}".encode())
    h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def set_path(name: str, severity: int) -> str:
    return f"data/shifts/{name}-{severity}.npz"


def key(name: str, severity: int) -> str:
    return f"{name}@{severity}"


def make_sets(eval_x: np.ndarray, eval_y: np.ndarray, preprocessing: dict, chosen: list[tuple[str, int]],
              max_images: int = DEFAULT_IMAGES) -> list[tuple[dict, np.ndarray, np.ndarray]]:
    """``(entry, x_u8, y)`` per chosen shift: the first ``max_images`` eval images under it. ``entry``
    is the manifest's record of it (``schema.shift.ShiftSet``, less the file's own hash)."""
    n = min(len(eval_x), max(1, int(max_images)))
    light = to_light(eval_x[:n], preprocessing)
    y = np.asarray(eval_y[:n]).astype(np.int64)
    out = []
    for name, sev in chosen:
        x8 = apply(name, sev, light)
        entry = {"name": name, "severity": sev, "params": params(name, sev, light.shape[1:]),
                 "path": set_path(name, sev), "n": int(n), "images": "the first n eval images",
                 "x_sha256": array_sha256(x8), "encoding": ENCODING}
        out.append((entry, x8, y))
    return out
