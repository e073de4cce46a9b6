"""What a bundle holds and whether it is intact: the library behind ``edgecrelu inspect``.

No torch, no onnx: it reads the manifest, re-hashes every file and, on request, re-runs each ONNX
artifact on the bundle's eval set with ONNX Runtime (imported only then).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from edgecrelu.bundle import Bundle
from edgecrelu.errors import EdgeCReLUError, first_line, require


@dataclass(frozen=True)
class InspectReport:
    bundle: Bundle
    rows: list  # one dict per artifact, in manifest order (see COLUMNS)
    problems: list  # one message per file that is missing or whose sha256 changed
    n_files: int  # files listed in the manifest

    @property
    def ok(self) -> bool:
        return not self.problems


COLUMNS = ("variant", "form", "precision", "size", "params", "MACs", "parity", "top1", "drop_pts", "hash")


def human_bytes(n: int | None) -> str:
    if n is None:
        return "-"
    size = float(n)
    for unit in ("B", "KiB", "MiB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def human_count(n: int | None) -> str:
    if n is None:
        return "-"
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= div:
            return f"{n / div:.2f}{suffix}"
    return str(n)


def _eval_top1(bundle: Bundle, rel: str, x, y) -> float:
    """Top-1 of one artifact on the eval set, re-measured with ONNX Runtime on CPU."""
    import numpy as np

    from edgecrelu.backends.onnxruntime.loader import check_options, open_session

    require("onnxruntime", "core", "needed by inspect --evaluate")
    try:
        sess = open_session(bundle.path(rel), check_options(threads=1))
        name_in = sess.get_inputs()[0].name  # the name the model declares, as profile feeds it
        preds = [np.argmax(sess.run(None, {name_in: x[i:i + 256]})[0], 1) for i in range(0, len(x), 256)]
    except Exception as exc:  # noqa: BLE001 -- ORT's errors for a file that cannot run: one line, as in profile
        raise EdgeCReLUError(f"bundle {bundle.root}: {rel} cannot run on the bundle's eval set of shape "
                             f"{list(x.shape)} ({first_line(exc)})") from None
    return float(np.mean(np.concatenate(preds) == y)) if len(y) else 0.0


def inspect_bundle(path: str | Path, evaluate: bool = False) -> InspectReport:
    """Rows describing every artifact, and the hash problems (never raises on a mismatch: the
    caller shows the table first). ``evaluate`` re-runs every intact artifact on the eval set."""
    bundle = Bundle.open(path, verify=False)
    files = bundle.manifest.get("files", {})
    status = {rel: bundle.verify([rel]) for rel in sorted(files)}  # hashes each file once
    problems = [msg for msgs in status.values() for msg in msgs]
    variants = bundle.variants
    x = y = None
    if evaluate:
        if status.get(bundle.manifest["dataset"]["eval"]["path"]) != []:  # unlisted, missing or changed
            raise EdgeCReLUError("cannot evaluate: the bundle's eval set does not match its hash")
        x, y = bundle.load_eval()
    rows = []
    for a in bundle.artifacts():
        info = a.info
        v = variants.get(a.variant, {})
        p = bundle.path(a.path)
        drop = (info.get("vs_fp32") or info.get("quantization") or {}).get("top1_drop_pts")
        row = {
            "variant": a.variant, "form": a.form, "precision": a.precision,
            "size": human_bytes(p.stat().st_size if p.is_file() else info.get("bytes")),
            "params": human_count(v.get("params")), "MACs": human_count(info.get("macs", v.get("macs"))),
            "parity": f"{info['parity_max_abs_diff']:.1e}" if info.get("parity_max_abs_diff") is not None else "-",
            "top1": f"{info['accuracy']['top1']:.4f}" if info.get("accuracy") else "-",
            "drop_pts": f"{drop:.2f}" if drop is not None else "-",
            "hash": "ok" if status.get(a.path) == [] else ("MISSING" if not p.is_file() else "CHANGED"),
        }
        if evaluate:
            row["top1_now"] = f"{_eval_top1(bundle, a.path, x, y):.4f}" if row["hash"] == "ok" else "-"
        rows.append(row)
    return InspectReport(bundle, rows, problems, len(files))
