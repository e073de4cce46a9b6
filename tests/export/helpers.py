"""A tiny train run and the bundle exported from it, built once per test session.

The run is written in the ``edgecrelu train`` layout (docs/contracts.md "Train run") from real
``make_model`` variants with PyTorch's initial weights and randomised BatchNorm statistics instead
of trained ones: training even one epoch costs ~30 s on the 2-core CI box, and export behaves the
same on untrained weights (BN folding, CReLU forms, parity, quantization). The accuracies in the
run's records are the untrained models' real ones, measured here.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path

VARIANTS = ("relu", "crelu@4", "crelu-half@4")
SIZE = 16
WIDTH = 0.25
_CACHE: dict = {}


def make_run(out: Path, variants=VARIANTS, seeds=(0,), size: int = SIZE) -> Path:
    """Write ``out/run.json`` and ``out/<variant>/seed<k>/{weights.pt, arch.json, record.json}``."""
    import torch

    from edgecrelu.data import load_dataset
    from edgecrelu.fileio import sha256_file
    from edgecrelu.nn.build import make_model

    ds = load_dataset("digits", size=size, seed=0)
    out.mkdir(parents=True, exist_ok=True)
    checkpoints = []
    for v in variants:
        for s in seeds:
            torch.manual_seed(s)
            model, arch = make_model("convpool-c", v, in_channels=1, num_classes=10, input_size=size,
                                     arch_args={"width": WIDTH})
            g = torch.Generator().manual_seed(100 + s)
            for m in model.modules():  # non-trivial BN, so export's BN folding is exercised
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.running_mean.copy_(torch.rand(m.num_features, generator=g) - 0.5)
                    m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                    m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                    m.bias.data.copy_(torch.rand(m.num_features, generator=g) - 0.5)
            model.eval()
            with torch.inference_mode():
                acc = {k: float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())
                       for k, x, y in (("val", ds.x_val, ds.y_val), ("test", ds.x_test, ds.y_test))}
            d = out / v / f"seed{s}"
            d.mkdir(parents=True)
            torch.save(model.state_dict(), d / "weights.pt")
            (d / "arch.json").write_text(json.dumps(arch))
            sha = sha256_file(d / "weights.pt")
            (d / "record.json").write_text(json.dumps({
                "schema_version": 1, "kind": "edgecrelu-train-record", "variant": v, "seed": s,
                "val_acc": acc["val"], "test_acc": acc["test"], "weights_sha256": sha}))
            checkpoints.append({"variant": v, "seed": s, "dir": f"{v}/seed{s}", "val_acc": acc["val"],
                                "test_acc": acc["test"], "weights_sha256": sha})
    run = {"schema_version": 1, "kind": "edgecrelu-train-run",
           "model": {"arch": "convpool-c", "arch_args": {"width": WIDTH}, "input_size": size},
           "data": ds.summary(), "variants": list(variants), "seeds": list(seeds), "checkpoints": checkpoints}
    (out / "run.json").write_text(json.dumps(run))
    return out


def _tmp() -> Path:
    d = Path(tempfile.mkdtemp(prefix="edgecrelu-export-tests-"))
    atexit.register(shutil.rmtree, d, True)
    return d


def shared_run() -> Path:
    """The session's tiny run (two seeds, so export's seed choice and mean ± std are exercised)."""
    if "run" not in _CACHE:
        _CACHE["run"] = make_run(_tmp() / "run", seeds=(0, 1))
    return _CACHE["run"]


def shared_bundle() -> tuple[Path, object]:
    """``(bundle dir, CliRunner result)``: every form and precision, exported through the CLI."""
    if "bundle" not in _CACHE:
        from click.testing import CliRunner

        from edgecrelu.cli import cli

        out = _tmp() / "bundle"
        res = CliRunner().invoke(cli, ["export", str(shared_run()), "--out", str(out), "--seed", "1",
                                       "--forms", "graph,folded,pm1,split", "--precisions", "fp32,fp16,int8",
                                       "--calib-size", "64"])
        assert res.exit_code == 0, res.output + (res.stderr if res.stderr_bytes else "")
        _CACHE["bundle"] = (out, res)
    return _CACHE["bundle"]
