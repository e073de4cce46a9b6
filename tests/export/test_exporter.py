"""export_bundle end to end on a tiny run (edgecrelu/export/pipeline.py)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import onnx
import pytest

torch = pytest.importorskip("torch")

from log_lines import log_lines  # noqa: E402  (tests/log_lines.py)

from edgecrelu.bundle import Bundle  # noqa: E402
from edgecrelu.errors import EdgeCReLUError  # noqa: E402
from edgecrelu.export.exporter import ExportConfig, export_bundle  # noqa: E402
from edgecrelu.export.forms import folded  # noqa: E402
from edgecrelu.export.forms.sites import CReLUSite  # noqa: E402
from edgecrelu.export.int8 import qdq_summary  # noqa: E402
from edgecrelu.export.onnx_export import max_abs_diff, ort_logits, torch_logits  # noqa: E402

from .helpers import VARIANTS, shared_bundle, shared_run  # noqa: E402


@pytest.fixture(scope="module")
def bundle():
    return Bundle.open(shared_bundle()[0])


def test_manifest_follows_the_contract(bundle):
    m = bundle.manifest
    assert m["schema_version"] == 1 and m["kind"] == "edgecrelu-bundle"
    assert m["model"]["input_name"] == "input" and m["model"]["output_name"] == "logits"
    assert m["model"]["opset"] == 18 and m["model"]["input_shape"] == [1, 16, 16]
    assert m["model"]["num_classes"] == 10 and len(m["model"]["class_names"]) == 10
    assert m["preprocessing"]["size"] == [16, 16] and len(m["preprocessing"]["mean"]) == 1
    assert m["dataset"]["calib"] == {"path": "data/calib.npz", "split": "train", "n": 64, "seed": 0}
    assert m["dataset"]["eval"]["split"] == "test" and m["dataset"]["eval"]["n"] == len(bundle.load_eval()[1])
    run = json.loads((shared_run() / "run.json").read_text())
    assert m["dataset"]["sha256"] == run["data"]["sha256"]
    assert sorted(m["variants"]) == sorted(VARIANTS)
    for name, v in m["variants"].items():
        ck = next(c for c in run["checkpoints"] if c["variant"] == name and c["seed"] == 1)
        assert v["seed"] == 1 and v["checkpoint_sha256"] == ck["weights_sha256"]  # --seed 1 was taken
        assert v["train"]["seeds"] == [0, 1] and v["train"]["test_acc_std"] >= 0
        assert v["params"] > 0 and v["macs"] > 0
        for rel in v["torch"].values():
            assert rel in m["files"] and bundle.path(rel).is_file()
    cells = {(a.variant, a.form, a.precision) for a in bundle.artifacts()}
    want = {("relu", "graph", p) for p in ("fp32", "fp16", "int8")}
    want |= {(v, f, p) for v in VARIANTS[1:] for f in ("graph", "folded", "pm1", "split") for p in ("fp32", "fp16", "int8")}
    assert cells == want
    assert all(bundle.path(a.path).name == f"{a.form}.{a.precision}.onnx" for a in bundle.artifacts())


def test_progress_lines_on_stderr():
    _, res = shared_bundle()
    assert "[27/27]" in res.stderr and "crelu-half@4/folded.int8.onnx" in res.stderr


def test_export_says_how_many_eval_images_the_accuracy_budget_needs():
    _, res = shared_bundle()
    for v in VARIANTS[1:]:
        assert "eval set: " in res.stderr and f"; {v} and relu are right on" in res.stderr
    assert "a 1-point accuracy budget (decision.max_accuracy_drop) needs about" in res.stderr


def test_fp32_parity_holds_against_pytorch(bundle):
    from edgecrelu.nn.build import build_model, load_checkpoint

    x, _ = bundle.load_eval()
    for name, v in bundle.variants.items():
        model = load_checkpoint(build_model(json.loads(bundle.path(v["torch"]["arch"]).read_text())),
                                bundle.path(v["torch"]["weights"]))
        ref = torch_logits(model, x)
        for a in bundle.artifacts(variants=[name], precisions=["fp32"]):
            assert a.info["parity_max_abs_diff"] <= 1e-4
            assert max_abs_diff(ort_logits(str(bundle.path(a.path)), x), ref) <= 1e-4


def test_folded_has_no_neg_or_concat_and_equals_graph(bundle):
    x, _ = bundle.load_eval()
    for v in VARIANTS[1:]:
        graph = ort_logits(str(bundle.path(f"{v}/graph.fp32.onnx")), x)
        for form in ("folded", "pm1", "split"):
            a = bundle.artifacts(variants=[v], forms=[form], precisions=["fp32"])[0]
            assert a.info["form_max_abs_diff"] <= 1e-5
            assert max_abs_diff(ort_logits(str(bundle.path(a.path)), x), graph) <= 1e-5
        for p in ("fp32", "fp16"):
            ops = {n.op_type for n in onnx.load(bundle.path(f"{v}/folded.{p}.onnx")).graph.node}
            assert "Neg" not in ops and "Concat" not in ops and "Conv" in ops
        assert bundle.variants[v]["forms"]["folded"]["sites_rewritten"] == 4


def test_graph_macs_equal_pytorch_count_and_folded_costs_more(bundle):
    for v, info in bundle.variants.items():
        graph = bundle.artifacts(variants=[v], forms=["graph"], precisions=["fp32"])[0]
        assert graph.info["macs"] == info["macs"]
    relu = bundle.variants["relu"]["macs"]
    folded_half = bundle.artifacts(variants=["crelu-half@4"], forms=["folded"], precisions=["fp32"])[0]
    assert folded_half.info["macs"] == relu  # [W; -W] gives back the full-width convs


def test_int8_files_are_symmetric_per_channel_qdq(bundle):
    for a in bundle.artifacts(precisions=["int8"]):
        model = onnx.load(bundle.path(a.path))
        s = qdq_summary(model)
        n_conv = sum(n.op_type == "Conv" for n in model.graph.node)
        assert s["quantize_linear"] > 0 and s["zero_points_all_zero"] and "INT8" in s["zero_point_types"]
        assert s["per_channel_weights"] >= n_conv
        q = a.info["quantization"]
        assert q["method"] == "minmax" and q["calib_n"] == 64
        assert q["top1_drop_pts"] == a.info["vs_fp32"]["top1_drop_pts"]
    for a in bundle.artifacts(precisions=["fp16"]):
        assert "top1_drop_pts" in a.info["vs_fp32"] and 0 <= a.info["vs_fp32"]["agreement_top1"] <= 1


def test_calibration_and_eval_sets_do_not_overlap(bundle):
    from edgecrelu.data import load_dataset

    calib = bundle.load_npz("data/calib.npz")
    ev = bundle.load_npz("data/eval.npz")
    m = bundle.manifest
    ds = load_dataset(m["dataset"]["spec"], size=16, seed=m["dataset"]["seed"])
    # by source index: calibration images come from the train split, eval images from the test split
    assert set(calib["index"]) <= set(ds.indices["train"].tolist())
    assert set(ev["index"]) <= set(ds.indices["test"].tolist())
    assert not set(calib["index"]) & set(ev["index"])
    # by content: no calibration image equals an eval image, and both are preprocessed as in training
    assert not {r.tobytes() for r in calib["x"]} & {r.tobytes() for r in ev["x"]}
    pos = {int(i): k for k, i in enumerate(ds.indices["train"])}
    assert np.array_equal(calib["x"], ds.x_train[[pos[int(i)] for i in calib["index"]]])
    assert calib["x"].dtype == np.float32 and ev["y"].dtype == np.int64


def _entries(d):
    return sorted(p.name for p in d.iterdir())


def test_parity_failure_leaves_no_bundle(tmp_path):
    cfg = ExportConfig(run_dir=shared_run(), out=tmp_path / "b", variants=("relu",), precisions=("fp32",),
                       parity_tol=0.0)  # ORT and PyTorch differ by ~1e-7 after BN folding
    with pytest.raises(EdgeCReLUError, match="differs from PyTorch by .*bundle not written"):
        export_bundle(cfg)
    assert _entries(tmp_path) == []


def test_a_form_that_is_not_exact_is_refused(tmp_path, monkeypatch):
    class Wrong(folded.FoldedForm):
        """[W; W] instead of [W; -W]: a rewrite bug the equality check must catch."""

        def rewrite(self, idx, site, edit):
            return super().rewrite(idx, CReLUSite(site.y, site.out, (1, 1), site.nodes), edit)

    monkeypatch.setattr(folded, "FORM", Wrong())
    cfg = ExportConfig(run_dir=shared_run(), out=tmp_path / "b", variants=("crelu-half@4",),
                       precisions=("fp32",), forms=("graph", "folded"))
    with pytest.raises(EdgeCReLUError, match="form folded differs from graph"):
        export_bundle(cfg)
    assert _entries(tmp_path) == []


def test_config_is_checked_before_work(tmp_path):
    base = ExportConfig(run_dir=shared_run(), out=tmp_path / "b")
    for bad, msg in ((dict(precisions=("fp8",)), "unknown precision 'fp8'"),
                     (dict(forms=("fancy",)), "unknown form 'fancy'"),
                     (dict(calib_method="kl"), "unknown calibration method 'kl'"),
                     (dict(calib_size=0), "calib-size")):
        with pytest.raises(EdgeCReLUError, match=msg):
            export_bundle(replace(base, **bad))
    (tmp_path / "b").mkdir()
    with pytest.raises(EdgeCReLUError, match="already exists"):
        export_bundle(base)
    assert _entries(tmp_path) == ["b"] and _entries(tmp_path / "b") == []


def test_int8_drop_above_threshold_is_a_printed_warning(tmp_path):
    # a negative threshold makes any drop (even 0.00) exceed it: the untrained tiny model loses
    # nothing to INT8, and the point here is that a drop above --max-int8-drop is shouted, not stored
    cfg = ExportConfig(run_dir=shared_run(), out=tmp_path / "b", variants=("relu",), precisions=("int8",),
                       max_int8_drop=-1.0, calib_size=16, eval_size=32)
    with log_lines() as lines:
        out = export_bundle(cfg)
    m = Bundle.open(out).manifest
    warn = [line for line in lines if line.startswith("warning: relu graph int8 loses")]
    assert len(warn) == 1 and m["warnings"] == [warn[0][len("warning: "):]]
    assert m["dataset"]["eval"]["n"] == 32 and m["dataset"]["calib"]["n"] == 16
    assert [a.precision for a in Bundle.open(out).artifacts()] == ["int8"]


def test_a_form_no_site_can_take_is_recorded_as_skipped(tmp_path, monkeypatch):
    from edgecrelu.export.forms import split

    class NoConvConsumer(split.SplitForm):
        """``split`` as on a model whose CReLU outputs feed no conv: every site fails its precondition."""

        def rewrite(self, idx, site, edit):
            return False

    monkeypatch.setattr(split, "FORM", NoConvConsumer())
    cfg = ExportConfig(run_dir=shared_run(), out=tmp_path / "b", variants=("crelu-half@4",), precisions=("fp32",),
                       forms=("graph", "split"), calib_size=16, eval_size=32)
    with log_lines() as lines:
        m = Bundle.open(export_bundle(cfg)).manifest
    forms = m["variants"]["crelu-half@4"]["forms"]
    assert forms["split"] == {"sites": 4, "sites_rewritten": 0,
                              "skipped": "none of the 4 CReLU sites can take it (see edgecrelu/export/forms/split.py)"}
    assert forms["graph"]["sites"] == 4 and "skipped" not in forms["graph"]  # the reference stays
    assert [(a["form"], a["precision"]) for a in m["artifacts"]] == [("graph", "fp32")]  # no file for split
    assert any(line.startswith("crelu-half@4: form split skipped: none of the 4") for line in lines)
