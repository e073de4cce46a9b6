"""The ``inspection`` source: a seeded, procedurally generated surface-inspection set (synthetic).

In the spirit of the DAGM 2007 benchmark (itself synthetic): grey textured surfaces -- woven,
brushed, speckled, mottled -- with a ``good`` class and defect classes ``scratch`` (a long, thin,
straight line), ``spot`` (a small sharp disc), ``crack`` (a jagged, branching polyline) and ``stain``
(a large blob with a soft rim). Each defect's size, contrast, angle, polarity and position vary; every image gets an
illumination ramp, a gain and sensor noise. Nothing is downloaded: numpy renders the set in memory
in about a second, the same pixels for the same options on every machine.

Spec: ``inspection`` or ``inspection:KEY=VALUE,...`` with

- ``n`` (default 2000): images, in equal numbers per class (rounded down to a multiple of 5);
- ``side`` (default: the model's input size, so thin defects are not blurred by a resize): the
  rendered side in pixels; another side is resized (bilinear) to the input size;
- ``difficulty`` (default 0.5, 0..1): lower defect contrast, smaller defects, more noise and
  stronger illumination changes as it grows;
- ``seed`` (default 0): the generation seed (a training seed never changes the data);
- ``test`` (default 0): extra images rendered after the ``n`` (the same stream, so the first ``n``
  are unchanged) that form the test split (the bundle's eval set); the ``n`` are then split into
  train / val only. ``edgecrelu run`` asks for enough of them to decide its accuracy budget.
"""

from __future__ import annotations

import hashlib

import numpy as np

from edgecrelu.data.preprocess import to_raw
from edgecrelu.data.sources.common import RawSource, Request
from edgecrelu.errors import EdgeCReLUError

CLASSES = ("good", "scratch", "spot", "crack", "stain")
TEXTURES = ("woven", "brushed", "speckled", "mottled")
DEFAULTS = {"n": 2000, "side": 0, "difficulty": 0.5, "seed": 0, "test": 0}  # side 0: the input size
_VERSION = b"inspection-v2\0"  # part of the hash: a change to the renderer changes the data's identity


def parse_options(text: str | None) -> dict:
    """``"n=600,difficulty=0.3"`` -> the full option dict (defaults filled in), checked."""
    opts = dict(DEFAULTS)
    for part in (text or "").split(","):
        if not part.strip():
            continue
        key, eq, value = part.partition("=")
        key = key.strip()
        if key not in DEFAULTS or not eq:
            raise EdgeCReLUError(f"inspection: bad option '{part.strip()}'; options are "
                                 + ", ".join(f"{k}={v}" for k, v in DEFAULTS.items()))
        try:
            opts[key] = type(DEFAULTS[key])(float(value) if key == "difficulty" else int(value))
        except ValueError:
            raise EdgeCReLUError(f"inspection: option {key} needs a number (got '{value.strip()}')") from None
    if opts["n"] < 2 * len(CLASSES):
        raise EdgeCReLUError(f"inspection: n must be at least {2 * len(CLASSES)} (got {opts['n']})")
    if opts["test"] and not 2 * len(CLASSES) <= opts["test"] <= 100_000:
        raise EdgeCReLUError(f"inspection: test must be 0 or {2 * len(CLASSES)}..100000 images (got {opts['test']})")
    if opts["side"] and not 16 <= opts["side"] <= 512:
        raise EdgeCReLUError(f"inspection: side must be 16..512 pixels (got {opts['side']})")
    if not 0.0 <= opts["difficulty"] <= 1.0:
        raise EdgeCReLUError(f"inspection: difficulty must be in 0..1 (got {opts['difficulty']})")
    return opts


def _smooth_noise(rng, side: int, cells: int) -> np.ndarray:
    """Low-frequency noise: a cells x cells grid upsampled bilinearly to side x side, std ~1."""
    g = rng.standard_normal((cells + 1, cells + 1))
    t = np.linspace(0, cells, side, endpoint=False)
    i = t.astype(int)
    f = t - i
    rows = g[i] * (1 - f)[:, None] + g[i + 1] * f[:, None]
    return rows[:, i] * (1 - f)[None, :] + rows[:, i + 1] * f[None, :]


def _texture(rng, kind: str, yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
    side = yy.shape[0]
    a = rng.uniform(0, np.pi)
    u, v = xx * np.cos(a) + yy * np.sin(a), -xx * np.sin(a) + yy * np.cos(a)
    if kind == "woven":
        p = rng.uniform(3.0, 6.0)
        t = np.sin(2 * np.pi * u / p) * np.sin(2 * np.pi * v / (p * rng.uniform(0.8, 1.25)))
        return 0.6 * t + 0.25 * rng.standard_normal((side, side))
    if kind == "brushed":
        line = np.convolve(rng.standard_normal(4 * side), np.ones(3) / 3, mode="same")
        idx = np.clip((v + 2 * side).astype(int), 0, 4 * side - 1)
        return 0.9 * line[idx] + 0.2 * rng.standard_normal((side, side))
    if kind == "speckled":
        return 0.6 * _smooth_noise(rng, side, side // 4) + 0.5 * rng.standard_normal((side, side))
    return 0.9 * _smooth_noise(rng, side, rng.integers(3, 7)) + 0.15 * rng.standard_normal((side, side))


def _segment_dist(yy, xx, p0, p1) -> np.ndarray:
    d = p1 - p0
    t = np.clip(((xx - p0[0]) * d[0] + (yy - p0[1]) * d[1]) / max(float(d @ d), 1e-9), 0.0, 1.0)
    return np.hypot(xx - (p0[0] + t * d[0]), yy - (p0[1] + t * d[1]))


def _defect(rng, cls: str, yy, xx, difficulty: float) -> np.ndarray:
    """A defect's intensity map (signed, peak ~1) for class ``cls``; zeros for ``good``."""
    side = yy.shape[0]
    px = side / 64.0  # sizes below are in pixels of a 64 px image
    shrink = 1.0 - 0.4 * difficulty
    c = rng.uniform(0.2, 0.8, size=2) * side
    if cls == "good":
        return np.zeros_like(yy)
    if cls == "scratch":
        # long, straight and thin
        a, half = rng.uniform(0, np.pi), rng.uniform(0.2, 0.4) * side * shrink
        d = np.array([np.cos(a), np.sin(a)]) * half
        w = max(0.5, rng.uniform(0.6, 1.0) * px)
        return np.exp(-(_segment_dist(yy, xx, c - d, c + d) / w) ** 2)
    if cls == "spot":
        r = max(1.0, rng.uniform(2.0, 4.0) * shrink * px)
        return 1.0 / (1.0 + np.exp((np.hypot(xx - c[0], yy - c[1]) - r) / 0.4))
    if cls == "crack":
        # jagged and branching: short steps that each turn sharply, a wider core than a scratch
        pts = [c]
        a = rng.uniform(0, 2 * np.pi)
        for _ in range(int(rng.integers(7, 12))):
            a += rng.choice((-1.0, 1.0)) * rng.uniform(0.5, 1.3)
            pts.append(pts[-1] + rng.uniform(2.0, 4.0) * shrink * px * np.array([np.cos(a), np.sin(a)]))
        segs = list(zip(pts[:-1], pts[1:], strict=False))
        j = int(rng.integers(2, len(pts) - 1))  # a branch from a middle vertex
        b = a + rng.choice((-1.0, 1.0)) * rng.uniform(1.0, 2.0)
        segs.append((pts[j], pts[j] + rng.uniform(4.0, 8.0) * shrink * px * np.array([np.cos(b), np.sin(b)])))
        dist = np.min([_segment_dist(yy, xx, p, q) for p, q in segs], axis=0)
        return np.exp(-(dist / max(0.7, rng.uniform(1.0, 1.5) * px)) ** 2)
    # stain: a large elongated blob with a soft but definite edge (a dried liquid's rim), darker inside
    r = rng.uniform(5.0, 10.0) * shrink * px
    a, e = rng.uniform(0, np.pi), rng.uniform(1.0, 1.8)
    u = (xx - c[0]) * np.cos(a) + (yy - c[1]) * np.sin(a)
    v = -(xx - c[0]) * np.sin(a) + (yy - c[1]) * np.cos(a)
    rho = np.sqrt((u / e) ** 2 + v ** 2)
    return 0.8 / (1.0 + np.exp((rho - r) / (0.6 * px)))


def generate(n: int = int(DEFAULTS["n"]), side: int = 64, difficulty: float = DEFAULTS["difficulty"],
             seed: int = int(DEFAULTS["seed"])) -> tuple[np.ndarray, np.ndarray]:
    """(images (n', side, side) uint8, labels (n',) int64), n' = n rounded down to whole classes.

    Classes are balanced and interleaved; each image draws its own texture, defect and lighting from
    one generator seeded by ``seed``, so the set is identical for identical options.
    """
    k = len(CLASSES)
    per = n // k
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x1E5C]))
    labels = np.tile(np.arange(k, dtype=np.int64), per)
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    out = np.empty((len(labels), side, side), dtype=np.uint8)
    for i, y in enumerate(labels):
        tex = _texture(rng, TEXTURES[rng.integers(len(TEXTURES))], yy, xx)
        tex = (tex - tex.mean()) / (tex.std() + 1e-6)
        contrast = rng.uniform(6.0, 10.0) * (1.0 - 0.6 * difficulty)  # in texture standard deviations
        polarity = -1.0 if rng.random() < 0.7 else 1.0  # mostly dark defects, some bright
        img = tex + polarity * contrast * _defect(rng, CLASSES[y], yy, xx, difficulty)
        # illumination: a linear ramp at a random angle, then gain / offset, then sensor noise
        a = rng.uniform(0, 2 * np.pi)
        ramp = ((xx - side / 2) * np.cos(a) + (yy - side / 2) * np.sin(a)) / side
        img = img * 0.05 + 0.5 + rng.uniform(0, 0.3 * (0.5 + difficulty)) * ramp
        img = img * rng.uniform(0.75, 1.25) + rng.uniform(-0.08, 0.08)
        img += rng.standard_normal((side, side)) * (0.005 + 0.02 * difficulty)
        out[i] = np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)
    return out, labels


def load(path: str | None, req: Request) -> RawSource:
    """``path`` carries the options text after ``inspection:`` (or None)."""
    opts = parse_options(path)
    opts["side"] = opts["side"] or int(req.size[0])
    n_main = (opts["n"] // len(CLASSES)) * len(CLASSES)
    n_test = (opts["test"] // len(CLASSES)) * len(CLASSES)
    gen = {k: v for k, v in opts.items() if k != "test"}
    gen["n"] = n_main + n_test
    raw, labels = generate(**gen)
    h = hashlib.sha256(_VERSION)
    h.update(raw.tobytes())
    h.update(labels.tobytes())
    return RawSource(
        images=to_raw(raw, req.size, req.channels or 1, req.policy),
        labels=labels,
        class_names=CLASSES,
        scale=1.0 / 255.0,
        sha256=h.hexdigest(),
        info={"name": "inspection", "synthetic": True, **opts},
        test_indices=np.arange(n_main, n_main + n_test, dtype=np.int64) if n_test else None,
    )
