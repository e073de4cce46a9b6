"""Write the ship folder (see the package docstring): built in a temporary sibling and renamed into
place, so a failure leaves no folder that looks complete."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgecrelu import __version__
from edgecrelu.bundle import Bundle
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import sha256_file, utc_now, writing
from edgecrelu.ship import card, engine
from edgecrelu.ship.choose import Choice, choose

KIND = "edgecrelu-ship"
SHIPPABLE = ("onnxruntime", "tensorrt")  # backends that run the bundle's ONNX files
INFER = Path(__file__).with_name("infer_onnxruntime.py")


@dataclass(frozen=True)
class ShipResult:
    out: Path
    choice: Choice
    files: dict  # name -> sha256


def open_bundle(record: dict, path: str | None) -> Bundle:
    want = (record.get("bundle") or {}).get("manifest_sha256")
    where = path or (record.get("bundle") or {}).get("path")
    if not where or not Path(where).is_dir():
        raise EdgeCReLUError(f"the records' bundle {where} is not here (profiled on another machine?): pass --bundle "
                             "with the bundle they measured")
    bundle = Bundle.open(where)  # hashes verified
    if bundle.manifest_sha256 != want:
        raise EdgeCReLUError(f"bundle {where} is not the one the records measured (manifest {bundle.manifest_sha256[:12]}, "
                             f"the records' {str(want)[:12]}): pass --bundle with that bundle")
    return bundle


def ship(results: tuple, out: str, cell_key: str | None = None, bundle_path: str | None = None,
         policy: str | None = None) -> ShipResult:
    choice = choose(results, cell_key, policy)
    cell, rec = choice.cell, choice.record
    if cell.backend not in SHIPPABLE:
        raise EdgeCReLUError(f"{cell.key} ran on {cell.backend}; ship writes configurations of "
                             f"{' and '.join(SHIPPABLE)} (they run the bundle's ONNX files)")
    bundle = open_bundle(rec, bundle_path)
    arts = bundle.artifacts(variants=[cell.variant], precisions=[cell.precision], forms=[cell.form])
    if not arts:
        raise EdgeCReLUError(f"bundle {bundle.root} has no ONNX file for {cell.variant} {cell.form} {cell.precision}")
    art = arts[0]
    dest = Path(out)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise EdgeCReLUError(f"{dest} already exists and is not empty; choose another --out")
    onnx_name = f"{cell.variant.replace('@', '_')}.{cell.form}.{cell.precision}.onnx"
    engine_name = onnx_name.replace(".onnx", f".b{cell.batch}.engine")
    with writing("the ship folder", dest):
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.partial-", dir=dest.parent))
        try:
            files = _write(tmp, choice, bundle, art, onnx_name, engine_name)
            if dest.exists():
                dest.rmdir()  # empty: checked above
            tmp.rename(dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return ShipResult(dest, choice, files)


def _write(tmp: Path, choice: Choice, bundle: Bundle, art, onnx_name: str, engine_name: str) -> dict:
    cell, rec = choice.cell, choice.record
    shutil.copyfile(bundle.path(art.path), tmp / onnx_name)
    shutil.copyfile(bundle.path(bundle.manifest["dataset"]["eval"]["path"]), tmp / "eval.npz")
    shutil.copyfile(INFER, tmp / "infer.py")
    (tmp / "record.json").write_text(json.dumps(rec, indent=2, sort_keys=True) + "\n")
    model = bundle.model
    names = {k: model.get(k) for k in ("arch", "input_name", "output_name", "input_shape", "num_classes", "class_names")}
    names["input_name"] = names["input_name"] or "input"
    names["output_name"] = names["output_name"] or "logits"
    meta: dict[str, Any] = {
        "kind": KIND, "schema_version": 1, "edgecrelu_version": __version__, "created_utc": utc_now(),
        "cell": cell.to_dict(), "device": choice.device,
        "verdict": {"verdict": choice.verdict, "sentence": choice.sentence, "shipped_by": choice.chosen_by},
        "artifact": {**{"variant": art.variant, "form": art.form, "precision": art.precision, "path": art.path,
                        "sha256": art.sha256}, **art.info, "file": onnx_name},
        "bundle": {"manifest_sha256": bundle.manifest_sha256, "path": str(bundle.root.resolve())},
        "model": names,
        "preprocessing": bundle.manifest.get("preprocessing"),
    }
    if art.sha256 != sha256_file(tmp / onnx_name):
        raise EdgeCReLUError(f"{art.path} changed while it was copied; ship again")
    if cell.backend == "onnxruntime":
        opts = meta["onnxruntime"] = engine.onnxruntime_options(rec)
        lines = [f"ONNX Runtime builds its session when `infer.py` loads the model: providers "
                 f"{opts['providers']}, graph optimisation {opts['graph_optimization']}, "
                 f"{opts['threads'] or 'default'} intra-op thread(s), as profiled"]
    else:
        line = engine.trtexec_line(rec, onnx_name, engine_name)
        (tmp / "build_engine.sh").write_text(f"#!/bin/sh\n# the engine as profiled (run it on the target)\n{line}\n")
        (tmp / "build_engine.py").write_text(engine.build_script(rec, onnx_name, engine_name))
        (tmp / "build_engine.sh").chmod(0o755)
        meta["tensorrt"] = {"trtexec": line, "plan": engine.build_plan(rec).key_options(), "engine_file": engine_name}
        lines = [f"Build the TensorRT engine on the target: `sh build_engine.sh` ({line}) or "
                 "`python build_engine.py` (the same flags through TensorRT's Python API); `infer.py` runs the "
                 "ONNX file with ONNX Runtime, the reference the engine's outputs are checked against"]
    (tmp / "MODEL_CARD.md").write_text(card.model_card(choice, bundle.manifest, meta, lines))
    files = {p.name: sha256_file(p) for p in sorted(tmp.iterdir()) if p.is_file()}
    meta["files"] = files  # every file but manifest.json itself
    (tmp / "manifest.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return files
