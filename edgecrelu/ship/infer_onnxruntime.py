#!/usr/bin/env python3
"""Run the shipped ONNX model with ONNX Runtime on images, with the preprocessing it was trained with.

Needs numpy, onnxruntime and pillow only (not edgecrelu). It reads ``manifest.json`` beside it: the
model file and its sha256, the input and output names, the preprocessing, the class names and the
session options the model was profiled with.

    python infer.py IMAGE_OR_FOLDER [...]     one line per image: path, class index, class name, score
    python infer.py --eval eval.npz           top-1 on preprocessed arrays x (N, C, H, W) and labels y (N,)
"""

from __future__ import annotations  # annotations stay text: any Python 3.7+ on the target runs this

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Iterator

import numpy as np
import onnxruntime as ort
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601-2, PIL's RGB -> L weights
GREY_MODES = ("1", "L", "I", "I;16", "I;16B", "I;16L", "I;16N", "F")
EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


def load_manifest() -> dict:
    with open(os.path.join(HERE, "manifest.json")) as f:
        return json.load(f)


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def session(meta: dict, threads: int | None = None) -> ort.InferenceSession:
    path = os.path.join(HERE, meta["artifact"]["file"])
    if sha256(path) != meta["artifact"]["sha256"]:
        sys.exit(f"{path} does not match its sha256 in manifest.json (modified or corrupt)")
    opts = meta.get("onnxruntime") or {}
    so = ort.SessionOptions()
    level = opts.get("graph_optimization", "all")
    so.graph_optimization_level = {
        "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL, "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
    }.get(level, ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
    if threads or opts.get("threads"):
        so.intra_op_num_threads = int(threads or opts["threads"])
    available = ort.get_available_providers()
    providers = [p for p in opts.get("providers") or [] if p in available] or ["CPUExecutionProvider"]
    return ort.InferenceSession(path, so, providers=providers)


def read_image(path: str, channels: int) -> np.ndarray:
    """One image in 0..255 units: (H, W, channels) float32 (as edgecrelu's imagefolder source reads it)."""
    with Image.open(path) as img:
        img.load()
        mode = img.mode
        if mode in GREY_MODES and channels != 3:
            if mode.startswith("I"):
                arr = np.asarray(img, dtype=np.float32) / 257.0
            elif mode == "F":
                arr = np.asarray(img, dtype=np.float32)
            else:
                arr = np.asarray(img.convert("L"), dtype=np.float32)
            arr = arr[:, :, None]
        elif mode.startswith("I") or mode == "F":
            grey = np.asarray(img, dtype=np.float32) / (257.0 if mode.startswith("I") else 1.0)
            arr = np.repeat(grey[:, :, None], 3, axis=2)
        else:
            arr = np.asarray(img.convert("RGB"), dtype=np.float32)
    if arr.shape[2] == 3 and channels == 1:
        arr = (arr @ LUMA)[:, :, None]
    elif arr.shape[2] == 1 and channels == 3:
        arr = np.repeat(arr, 3, axis=2)
    return np.ascontiguousarray(arr, dtype=np.float32)


def stretch(raw: np.ndarray, h: int, w: int) -> np.ndarray:
    if raw.shape[:2] == (h, w):
        return raw
    out = np.empty((h, w, raw.shape[2]), dtype=np.float32)
    for c in range(raw.shape[2]):
        img = Image.fromarray(np.ascontiguousarray(raw[:, :, c]), mode="F")
        # Image.BILINEAR, not Image.Resampling (Pillow >= 9.1 only): a board's Pillow may be older
        out[:, :, c] = np.asarray(img.resize((w, h), Image.BILINEAR), dtype=np.float32)  # type: ignore[attr-defined]
    return out


def resize(raw: np.ndarray, h: int, w: int, policy: str) -> np.ndarray:
    """The recorded resize policy (edgecrelu/data/preprocess.py): stretch, letterbox (aspect kept,
    black padding, centred) or crop (aspect kept, centred)."""
    h0, w0 = raw.shape[:2]
    if policy == "letterbox" and (h0, w0) != (h, w):
        s = min(h / h0, w / w0)
        nh, nw = min(h, max(1, round(h0 * s))), min(w, max(1, round(w0 * s)))
        out = np.zeros((h, w, raw.shape[2]), dtype=np.float32)
        top, left = (h - nh) // 2, (w - nw) // 2
        out[top:top + nh, left:left + nw] = stretch(raw, nh, nw)
        return out
    if policy == "crop" and (h0, w0) != (h, w):
        s = max(h / h0, w / w0)
        ch, cw = min(h0, max(1, round(h / s))), min(w0, max(1, round(w / s)))
        top, left = (h0 - ch) // 2, (w0 - cw) // 2
        return stretch(np.ascontiguousarray(raw[top:top + ch, left:left + cw]), h, w)
    return stretch(raw, h, w)


def preprocess(raw: np.ndarray, pre: dict) -> np.ndarray:
    """(H, W, C) raw units -> (1, C, H, W) float32: resize (PIL bilinear, float mode, by the recorded
    policy), * scale, (x - mean) / std."""
    raw = resize(raw, int(pre["size"][0]), int(pre["size"][1]), pre.get("resize_policy", "stretch"))
    x = (raw * np.float32(pre["scale"]) - np.asarray(pre["mean"], np.float32)) / np.asarray(pre["std"], np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32)


def images(paths: Iterable[str]) -> Iterator[str]:
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in sorted(os.walk(p)):
                for n in sorted(names):
                    if n.lower().endswith(EXTENSIONS):
                        yield os.path.join(root, n)
        else:
            yield p


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="*", help="image files or folders")
    ap.add_argument("--eval", metavar="NPZ", help="preprocessed x (N,C,H,W) and labels y: print top-1")
    ap.add_argument("--threads", type=int, default=None, help="intra-op threads (default: as profiled)")
    ap.add_argument("--batch", type=int, default=32, help="batch size for --eval")
    args = ap.parse_args(argv)
    meta = load_manifest()
    model = meta["model"]
    sess = session(meta, args.threads)
    name_in, name_out = model["input_name"], model["output_name"]
    if args.eval:
        with np.load(args.eval, allow_pickle=False) as z:
            x, y = z["x"].astype(np.float32), z["y"]
        preds = [np.argmax(sess.run([name_out], {name_in: x[i:i + args.batch]})[0], 1)
                 for i in range(0, len(x), args.batch)]
        top1 = float(np.mean(np.concatenate(preds) == y)) if len(y) else 0.0
        print(f"top-1 {top1:.6f} on {len(y)} images")
        return 0
    if not args.inputs:
        ap.error("give image files or folders, or --eval NPZ")
    names = model.get("class_names") or []
    pre = meta["preprocessing"]
    for path in images(args.inputs):
        x = preprocess(read_image(path, int(pre["channels"])), pre)
        logits = sess.run([name_out], {name_in: x})[0][0]
        k = int(np.argmax(logits))
        label = names[k] if k < len(names) else str(k)
        print(f"{path}\t{k}\t{label}\t{float(softmax(logits)[k]):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
