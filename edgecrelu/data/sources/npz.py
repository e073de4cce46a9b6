"""The ``npz:PATH`` source: arrays ``x`` (N,H,W[,C]) and ``y`` (N,), optionally ``class_names``."""

from __future__ import annotations

import numpy as np

from edgecrelu.data.preprocess import to_nhwc, to_raw
from edgecrelu.data.sources.common import RawSource, Request, SourceFile, required_path
from edgecrelu.errors import EdgeCReLUError, first_line
from edgecrelu.fileio import sha256_file


def load(path: str | None, req: Request) -> RawSource:
    p = required_path("npz", path)
    try:
        with np.load(p, allow_pickle=False) as z:
            if "x" not in z or "y" not in z:
                raise EdgeCReLUError(f"npz: {p} must hold arrays 'x' and 'y' (has: {', '.join(z.files)})")
            x, y = z["x"], z["y"]
            names = [str(n) for n in z["class_names"]] if "class_names" in z else None
    except EdgeCReLUError:
        raise
    except Exception as exc:
        raise EdgeCReLUError(f"npz: cannot read {p}: {first_line(exc)}") from None
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise EdgeCReLUError(f"npz: 'y' must be a 1-D integer array (got {y.dtype} {tuple(y.shape)})")
    if len(x) != len(y):
        raise EdgeCReLUError(f"npz: 'x' has {len(x)} images but 'y' has {len(y)} labels")
    if x.dtype == np.uint8:
        scale = 1.0 / 255.0
    elif x.dtype == np.uint16:
        scale = 1.0 / 65535.0
    else:
        scale = 1.0  # floats are taken as already in [0, 1]
    y = y.astype(np.int64)
    if names is not None:
        if y.min() < 0 or y.max() >= len(names):
            raise EdgeCReLUError(f"npz: labels must lie in 0..{len(names) - 1} to match 'class_names'")
    else:
        values = np.unique(y)
        names = [str(v) for v in values]
        y = np.searchsorted(values, y).astype(np.int64)  # compact labels 0..K-1, named by value
    nhwc = to_nhwc(x, what="npz 'x'")
    sha = sha256_file(p)
    return RawSource(
        images=to_raw(nhwc, req.size, req.channels or nhwc.shape[-1], req.policy),
        labels=y,
        class_names=tuple(names),
        scale=scale,
        sha256=sha,
        files=(SourceFile(p.name, sha),),
    )
