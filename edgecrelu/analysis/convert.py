"""``convert_checkpoint``: a trained ReLU checkpoint -> its CReLU-half variant, without retraining
(README "Phase pairing"), written as a train run that ``export`` takes (docs/contracts.md "Train
run"; the converted record adds ``conversion``, the run adds ``conversion.json``).

Per site (the first K conv->[BN]->ReLU chains) the halved conv keeps the filters chosen by
:func:`~edgecrelu.analysis.select.select_half` (with their BN entries); each consumer (the convs or
linear layers the site's output reaches through pools, dropout, flatten) gets input weights
``[W_keep + sum s W_j (duplicates), sum s W_j (negated partners)]`` for CReLU's ``[relu(y), relu(-y)]``.
An optional short fine-tune follows with the run's recipe at a tenth of its learning rate; with
``distill`` the original ReLU model teaches it (:mod:`edgecrelu.train.distill`).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from edgecrelu.analysis.select import select_half
from edgecrelu.analysis.sources import Source, open_sources
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import DirLock, atomic_write_json, read_json_object, utc_now, writing
from edgecrelu.runfile import RUN_KIND, SCHEMA_VERSION
from edgecrelu.variant import parse_variant

if TYPE_CHECKING:  # torch is imported inside the functions that run it
    from torch import fx, nn

    from edgecrelu.nn.trace import ActSite

logger = logging.getLogger(__name__)

CALIB_IMAGES = 512  # training images whose responses choose the kept filters
MAX_POSITIONS = 32768  # response samples per filter (images x pixels, subsampled)
FINETUNE_LR_SCALE = 0.1


@dataclass(frozen=True)
class ConvertConfig:
    checkpoint: str  # a relu checkpoint dir / weights.pt, or a run dir (its relu checkpoint)
    to: str  # crelu-half@K
    out: str  # new run directory
    finetune_epochs: int = 0
    scratch_epochs: int | None = None  # train crelu-half@K from scratch for comparison when the run has none
    seed: int | None = None  # which relu seed of a run dir (default: the first)
    threads: int | None = None
    distill: bool = False  # fine-tune on the original relu model's logits mixed with the labels
    distill_temperature: float = 4.0  # train.distill.DEFAULT_TEMPERATURE
    distill_weight: float = 0.7  # train.distill.DEFAULT_WEIGHT


def _relu_source(cfg: ConvertConfig) -> Source:
    srcs = [s for s in open_sources(cfg.checkpoint) if s.variant == "relu"]
    if cfg.seed is not None:
        srcs = [s for s in srcs if s.seed == cfg.seed]
    if not srcs:
        raise EdgeCReLUError(f"{cfg.checkpoint} holds no relu checkpoint{'' if cfg.seed is None else f' for seed {cfg.seed}'}"
                             "; convert starts from a trained relu model")
    return srcs[0]


def _consumers(gm, site, label, calls) -> list[tuple[str, str]]:
    from edgecrelu.nn.resize import widen_plan

    try:
        plan = widen_plan(gm, site, label, calls)
    except EdgeCReLUError as exc:
        raise EdgeCReLUError(str(exc).replace("crelu would double its width; use crelu-half",
                                              "convert can only rewire convs and linear layers")) from None
    for path, kind in plan:
        if kind == "bn":
            raise EdgeCReLUError(f"{label}: site {site.index} ({site.describe()}) feeds BatchNorm {path} after its "
                                 "activation; convert cannot rewire it")
        mod = gm.get_submodule(path)
        if kind == "linear" and mod.in_features != site.channels:
            raise EdgeCReLUError(f"{label}: site {site.index} reaches linear {path} through a flatten of "
                                 f"{mod.in_features} features; convert rewires only per-channel inputs")
    return plan


def _responses(model, sites, x, positions: int, seed: int = 0) -> list[np.ndarray]:
    """Post-BN (pre-ReLU) responses of each site, ``[C, M]``, on images ``x`` (eval mode)."""
    import torch

    got: dict[int, list] = {i: [] for i in range(len(sites))}
    hooks = []
    for i, s in enumerate(sites):
        mod = model.get_submodule(s.bn or s.conv)
        hooks.append(mod.register_forward_hook(lambda m, a, out, i=i: got[i].append(out.detach())))
    model.eval()
    try:
        with torch.no_grad():
            for b in range(0, len(x), 128):
                model(torch.from_numpy(x[b:b + 128]))
    finally:
        for h in hooks:
            h.remove()
    rng = np.random.default_rng(seed)
    out = []
    for i in range(len(sites)):
        y = torch.cat(got[i]).transpose(0, 1).reshape(sites[i].channels, -1).double().numpy()
        if y.shape[1] > positions:
            y = y[:, np.sort(rng.choice(y.shape[1], positions, replace=False))]
        out.append(y)
    return out


def plan_sites(model: nn.Module, input_shape: Sequence[int], depth: int,
               label: str) -> tuple[fx.GraphModule, list[ActSite], list[list[tuple[str, str]]]]:
    """(graph, the first ``depth`` sites, each one's consumers), or a one-line refusal."""
    from edgecrelu.nn.trace import graph_sites, module_calls, propagate_shapes, trace_graph

    gm = trace_graph(model)
    propagate_shapes(gm, input_shape, label)
    sites = graph_sites(gm)
    if depth > len(sites):
        raise EdgeCReLUError(f"{label}: the model has only {len(sites)} conv->(BN)->ReLU sites; choose a depth "
                             f"from 1 to {len(sites)}")
    sites, calls = sites[:depth], module_calls(gm)
    for s in sites:
        if s.channels % 2 or gm.get_submodule(s.conv).groups != 1:
            raise EdgeCReLUError(f"{label}: site {s.index} ({s.describe()}) needs an even filter count and groups=1")
    return gm, sites, [_consumers(gm, s, label, calls) for s in sites]


def convert_state(model: nn.Module, input_shape: Sequence[int], depth: int, x_calib: np.ndarray, label: str) -> tuple[dict, list[dict]]:
    """(state dict of the crelu-half@depth model, per-site selection summary) from a relu ``model``."""
    import torch

    gm, sites, plans = plan_sites(model, input_shape, depth, label)
    ys = _responses(gm, sites, x_calib, MAX_POSITIONS)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    info = []
    for s, plan, y in zip(sites, plans, ys, strict=False):
        sel = select_half(y)
        keep = torch.tensor(sel.keep)
        half = len(sel.keep)
        for name in ("weight", "bias"):
            if f"{s.conv}.{name}" in state:
                state[f"{s.conv}.{name}"] = state[f"{s.conv}.{name}"][keep].clone()
        if s.bn is not None:
            for name in ("weight", "bias", "running_mean", "running_var"):
                if f"{s.bn}.{name}" in state:
                    state[f"{s.bn}.{name}"] = state[f"{s.bn}.{name}"][keep].clone()
        for path, _kind in plan:
            w = state[f"{path}.weight"]
            new = torch.zeros_like(w)
            new[:, :half] = w[:, keep]
            for j, (pos, phase, scale) in sel.stand_in.items():
                col = pos + (half if phase == "neg" else 0)
                new[:, col] += scale * w[:, j]
            state[f"{path}.weight"] = new
        info.append({"site": s.index, "conv": s.conv, "filters": s.channels, "kept": sel.keep,
                     "stood_in": len(sel.stand_in), "neg_partner_share": round(sel.neg_share, 4),
                     "residual": round(sel.residual, 4), "consumers": [p for p, _ in plan]})
    return state, info


def _scratch_record(src: Source, variant: str) -> dict | None:
    run_dir = src.dir.parent.parent
    rec = run_dir / variant / src.dir.name / "record.json"
    if (run_dir / "run.json").is_file() and rec.is_file():
        return read_json_object(rec, "training record")
    return None


def convert_checkpoint(cfg: ConvertConfig) -> dict:
    """Convert, evaluate, optionally fine-tune; write the run to ``cfg.out``; return conversion.json.
    The output is locked for the duration, and an ``OSError`` on the way is one line naming it."""
    out = Path(cfg.out)
    with DirLock(out.parent / f".{out.name}.lock", f"convert output {out}"), writing("the converted run", out):
        return _convert(cfg)


def _convert(cfg: ConvertConfig) -> dict:
    import torch

    from edgecrelu.data import datacheck
    from edgecrelu.nn.build import make_model
    from edgecrelu.nn.counting import count_model
    from edgecrelu.nn.rewrite import apply_variant
    from edgecrelu.train.distributed import Dist
    from edgecrelu.train.loop import evaluate, recalibrate_bn, train_one
    from edgecrelu.train.rundir import save_weights, versions, write_run_json

    spec = parse_variant(cfg.to)
    if spec.kind != "crelu-half":
        raise EdgeCReLUError(f"--to {cfg.to}: convert makes crelu-half@K models (crelu widens layers whose new "
                             "weights no trained model has)")
    if cfg.finetune_epochs < 0:
        raise EdgeCReLUError("--finetune-epochs must be >= 0")
    if cfg.distill and cfg.finetune_epochs < 1:
        raise EdgeCReLUError("--distill teaches the fine-tune: give --finetune-epochs N (N >= 1)")
    if cfg.distill:
        from edgecrelu.train.distill import check_options

        check_options(cfg.distill_temperature, cfg.distill_weight)
    out = Path(cfg.out)
    if (out / "run.json").exists():
        raise EdgeCReLUError(f"{out} already holds a run; choose another --out")
    src = _relu_source(cfg)
    rec = src.record()
    if rec is None:
        raise EdgeCReLUError(f"{src.dir} has no record.json: convert needs a checkpoint written by `edgecrelu train`")
    arch_json = src.arch_json()
    data = rec.get("data") or {}
    size = data.get("size")
    size = size[0] if isinstance(size, list) else size
    if size is None:
        raise EdgeCReLUError(f"{src.dir}/record.json has no data.size: convert needs a checkpoint written by "
                             "`edgecrelu train`")
    plan_sites(src.model(), arch_json["input_shape"], spec.depth, spec.name)  # refuse before loading data
    threads_before = torch.get_num_threads()
    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    try:
        t0 = time.perf_counter()
        # through the run's data check (edgecrelu/data/datacheck.py): refused by name if a file changed
        ds = datacheck.load_for_run(data, src.dir.parent.parent, f"the run behind {src.dir}")
        device = torch.device("cpu")
        original = src.model()
        acc_relu = evaluate(original, ds.x_test, ds.y_test, device)
        logger.info(f"relu {src.dir}: test {acc_relu:.4f}")
        pick = np.sort(np.random.default_rng(0).permutation(len(ds.x_train))[:CALIB_IMAGES])
        state, info = convert_state(original, arch_json["input_shape"], spec.depth, ds.x_train[pick], spec.name)
        args = dict(arch_json["arch_args"])
        model, new_arch = make_model(arch_json["arch"], spec.name, in_channels=int(args.pop("in_channels")),
                                     num_classes=int(args.pop("num_classes")),
                                     input_size=tuple(arch_json["input_shape"][1:]), arch_args=args)
        model.load_state_dict(state)
        acc_raw = evaluate(model, ds.x_test, ds.y_test, device)
        recalibrate_bn(model, ds.x_train, device)
        acc_conv = evaluate(model, ds.x_test, ds.y_test, device)
        logger.info(f"{spec.name} converted: test {acc_raw:.4f} (BN recalibrated: {acc_conv:.4f})")
        naive = apply_variant(original, spec, arch_json["input_shape"])  # what `train --checkpoint` starts from
        recalibrate_bn(naive, ds.x_train, device)
        acc_naive = evaluate(naive, ds.x_test, ds.y_test, device)
        recipe = dict(rec["recipe"], epochs=int(cfg.finetune_epochs),
                      lr=float(rec["recipe"]["lr"]) * FINETUNE_LR_SCALE,
                      fine_tune=f"{cfg.finetune_epochs} epoch(s) at {FINETUNE_LR_SCALE:g} x the run's peak lr")
        history = []
        seed = int(rec.get("seed", 0))
        acc_ft = None
        teacher = None
        if cfg.distill:  # the original relu model teaches the fine-tune
            from edgecrelu.fileio import sha256_file
            from edgecrelu.train.distill import Teacher, settings

            teacher = Teacher(src.dir, arch_json, rec, sha256_file(src.dir / "weights.pt"))
            recipe["distill"] = settings(str(src.dir), cfg.distill_temperature, cfg.distill_weight)
            recipe["fine_tune"] += f", distilled from the original relu model (T {cfg.distill_temperature:g}, " \
                                   f"weight {cfg.distill_weight:g})"
        if cfg.finetune_epochs > 0:
            torch.manual_seed(seed)
            history = train_one(model, ds, recipe, seed, device, Dist(0, 1, 0, False), f"{spec.name} fine-tune",
                                teacher=teacher.model() if teacher is not None else None)
            recalibrate_bn(model, ds.x_train, device)
            acc_ft = evaluate(model, ds.x_test, ds.y_test, device)
            logger.info(f"{spec.name} fine-tuned {cfg.finetune_epochs} epoch(s): test {acc_ft:.4f}")
        scratch = _scratch_record(src, spec.name)
        scratch_row = None
        if scratch is not None:
            scratch_row = {"model": f"{spec.name} from scratch", "test_acc": scratch["test_acc"],
                           "epochs": scratch["recipe"]["epochs"], "note": f"train run checkpoint seed {scratch['seed']}"}
        elif cfg.scratch_epochs:
            torch.manual_seed(seed)
            fresh, _ = make_model(arch_json["arch"], spec.name, in_channels=int(arch_json["arch_args"]["in_channels"]),
                                  num_classes=int(arch_json["num_classes"]),
                                  input_size=tuple(arch_json["input_shape"][1:]), arch_args=args)
            r = dict(rec["recipe"], epochs=int(cfg.scratch_epochs))
            train_one(fresh, ds, r, seed, device, Dist(0, 1, 0, False), f"{spec.name} from scratch")
            recalibrate_bn(fresh, ds.x_train, device)
            scratch_row = {"model": f"{spec.name} from scratch", "test_acc": evaluate(fresh, ds.x_test, ds.y_test, device),
                           "epochs": int(cfg.scratch_epochs), "note": f"trained here, seed {seed}, run's recipe"}
        relu_epochs = int(rec["recipe"]["epochs"])
        rows = [{"model": "relu (original)", "test_acc": acc_relu, "epochs": relu_epochs, "note": str(src.dir)},
                {"model": f"{spec.name} converted", "test_acc": acc_conv, "epochs": relu_epochs,
                 "note": f"no training; BN statistics recalibrated (raw: {acc_raw:.4f})"},
                {"model": f"{spec.name} first half kept", "test_acc": acc_naive, "epochs": relu_epochs,
                 "note": "for comparison: the first C/2 filters, consumers as they were (the start of "
                         "`train --checkpoint`); BN recalibrated"}]
        if acc_ft is not None:
            rows.append({"model": f"{spec.name} converted + fine-tune", "test_acc": acc_ft,
                         "epochs": relu_epochs + int(cfg.finetune_epochs),
                         "note": f"{cfg.finetune_epochs} fine-tune epoch(s) at lr x{FINETUNE_LR_SCALE:g}"
                                 + (", distilled from the original relu model" if teacher is not None else "")})
        rows.append(scratch_row or {"model": f"{spec.name} from scratch", "test_acc": None, "epochs": None,
                                    "note": "not in the run; pass --scratch-epochs to train one"})
        conversion = {"kind": "edgecrelu-conversion", "schema_version": 1, "created_utc": utc_now(),
                      "source": str(src.dir), "variant": spec.name, "seed": seed, "sites": info,
                      "accuracies": rows, "test_acc_converted_raw": acc_raw}

        # the run: relu (copied) + the converted variant, as `train` writes them
        d_relu, d_new = out / "relu" / f"seed{seed}", out / spec.name / f"seed{seed}"
        d_relu.mkdir(parents=True, exist_ok=True)
        for name in ("weights.pt", "arch.json", "record.json"):
            shutil.copy2(src.dir / name, d_relu / name)
        sha = save_weights(model, d_new / "weights.pt")
        atomic_write_json(d_new / "arch.json", new_arch)
        counts = count_model(model, tuple(arch_json["input_shape"]))
        final_test = acc_ft if acc_ft is not None else acc_conv
        record = dict(rec, created_utc=utc_now(), variant=spec.name, variant_kind=spec.kind, depth=spec.depth,
                      arch_args=new_arch["arch_args"], recipe=recipe, history=history,
                      val_acc=evaluate(model, ds.x_val, ds.y_val, device), test_acc=final_test,
                      params=int(counts["params"]), macs=int(counts["macs"]), device="cpu", world_size=1,
                      threads=torch.get_num_threads(), versions=versions(),
                      wall_time_s=round(time.perf_counter() - t0, 3), weights_sha256=sha,
                      conversion={k: v for k, v in conversion.items() if k not in ("kind", "schema_version")})
        if teacher is not None:  # the teacher's architecture and checkpoint hash, as train writes them
            record["distill"] = {**recipe["distill"], "teacher": teacher.describe()}
        atomic_write_json(d_new / "record.json", record)
        run_src = src.dir.parent.parent / "run.json"
        base = read_json_object(run_src, "train run file") if run_src.is_file() else {}
        header = {"schema_version": SCHEMA_VERSION, "kind": RUN_KIND, "edgecrelu_version": versions()["edgecrelu"],
                  "model": base.get("model") or {"arch": rec["arch"], "arch_args": {}, "input_size": int(size)},
                  "data": rec["data"], "recipe": rec["recipe"], "variants": ["relu", spec.name], "seeds": [seed],
                  "conversion": "conversion.json"}
        write_run_json(out, header, utc_now(), time.perf_counter() - t0)
        check_src = src.dir.parent.parent / datacheck.RUN_FILE
        if check_src.is_file():  # the converted run's data is the source run's: export reads it through this
            shutil.copy2(check_src, out / datacheck.RUN_FILE)
        atomic_write_json(out / "conversion.json", conversion)
        return conversion
    finally:
        torch.set_num_threads(threads_before)
