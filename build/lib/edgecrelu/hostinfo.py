"""Which board this is, from files alone (no commands run): a Jetson's module name and L4T release.

The profiler records it, and the TensorRT backend keys engines on it (engines do not move between
JetPack releases).
"""

from __future__ import annotations

import re
from pathlib import Path


def read_file(root: Path, rel: str) -> str | None:
    try:
        return (root / rel.lstrip("/")).read_bytes().decode("utf-8", "replace").replace("\x00", "").strip()
    except OSError:
        return None


def parse_nv_tegra_release(text: str) -> dict | None:
    """``# R36 (release), REVISION: 4.3, GCID: ..., BOARD: generic, ...`` -> {"l4t": "36.4.3", ...}."""
    m = re.search(r"#\s*R(\d+)\s*\(release\),\s*REVISION:\s*([\d.]+)", text)
    if not m:
        return None
    out = {"l4t": f"{m.group(1)}.{m.group(2)}"}
    for key in ("BOARD", "EABI", "DATE", "GCID"):
        km = re.search(rf"{key}:\s*([^,]+)", text)
        if km:
            out[key.lower()] = km.group(1).strip()
    return out


def jetson_module(root: str = "/") -> dict | None:
    """{"model", "l4t"[, "release"]} of this board from two files (no commands run), or None when
    this is not a Jetson."""
    r = Path(root)
    model = read_file(r, "/proc/device-tree/model")
    release_text = read_file(r, "/etc/nv_tegra_release")
    release = parse_nv_tegra_release(release_text) if release_text else None
    if release is None and not (model and ("jetson" in model.lower() or "tegra" in model.lower())):
        return None
    info: dict = {"model": model, "l4t": release["l4t"] if release else None}
    if release:
        info["release"] = release
    return info
