"""Valid ONNX files that do not fit the bundle, and bundle paths that are not plain ASCII (issue 28,
cases 11 and 12): `inspect --evaluate` says in one line which artifact cannot run and why (as
`profile` does), and `profile` works on a path with a non-UTF-8 byte or, under LC_ALL=C, a
non-ASCII name (its ONNX check took the path as a C++ string)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from edgecrelu.cli import cli
from edgecrelu.fileio import sha256_file
from tests.cli_helpers import one_line_error
from tests.fixtures.tiny_bundle import cached_tiny_bundle

ROOT = Path(__file__).resolve().parents[2]
REL = "relu/graph.fp32.onnx"


def _net(channels: int = 1, hw=("H", "W"), input_name: str = "input", mystery_op: bool = False):
    """A small valid classifier: Conv -> GlobalAveragePool -> Flatten -> Gemm (10 classes)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.standard_normal((4, channels, 3, 3)).astype(np.float32), "w"),
             numpy_helper.from_array(rng.standard_normal((10, 4)).astype(np.float32), "fc")]
    nodes = [helper.make_node("Conv", [input_name, "w"], ["c"], pads=[1, 1, 1, 1])]
    last = "c"
    if mystery_op:  # a custom-domain op: valid ONNX, no kernel in ONNX Runtime
        nodes.append(helper.make_node("Mystery", ["c"], ["m"], domain="com.example.edgecrelu"))
        last = "m"
    nodes += [helper.make_node("GlobalAveragePool", [last], ["g"]), helper.make_node("Flatten", ["g"], ["f"]),
              helper.make_node("Gemm", ["f", "fc"], ["logits"], transB=1)]
    graph = helper.make_graph(nodes, "foreign",
                              [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["N", channels, *hw])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])], inits)
    opsets = [helper.make_opsetid("", 17)] + ([helper.make_opsetid("com.example.edgecrelu", 1)] if mystery_op else [])
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 8
    return model


def _bundle_with(tmp_path: Path, model) -> Path:
    """The tiny bundle with its relu fp32 file replaced by ``model``, the manifest's hashes updated
    (a swap the hash check cannot see)."""
    import onnx

    b = tmp_path / "b"
    shutil.copytree(cached_tiny_bundle(precisions=("fp32",)), b)
    onnx.save(model, b / REL)
    m = json.loads((b / "manifest.json").read_text())
    sha = sha256_file(b / REL)
    m["files"][REL] = sha
    for a in m["artifacts"]:
        if a["path"] == REL:
            a["sha256"] = sha
    (b / "manifest.json").write_text(json.dumps(m))
    return b


@pytest.mark.parametrize("kw, words", [
    (dict(channels=3), "relu/graph.fp32.onnx cannot run on the bundle's eval set"),
    (dict(hw=(16, 16)), "relu/graph.fp32.onnx cannot run on the bundle's eval set"),
    (dict(mystery_op=True), "relu/graph.fp32.onnx cannot run on the bundle's eval set"),
], ids=["channels", "input-shape", "op-without-kernel"])
def test_inspect_evaluate_on_a_foreign_model_is_one_line(tmp_path, kw, words):
    pytest.importorskip("onnxruntime")
    b = _bundle_with(tmp_path, _net(**kw))
    one_line_error(CliRunner().invoke(cli, ["inspect", str(b), "--evaluate"]), words)


def test_inspect_evaluate_feeds_the_input_the_model_names(tmp_path):
    """Another input name: fed by the name the model declares, as `profile` does."""
    pytest.importorskip("onnxruntime")
    b = _bundle_with(tmp_path, _net(input_name="x"))
    r = CliRunner().invoke(cli, ["inspect", str(b), "--evaluate"])
    assert r.exit_code == 0 and "Traceback" not in r.output, r.output


@pytest.mark.parametrize("name, env", [(b"bundle-\xff", {}), ("bündel".encode(), {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"})],
                         ids=["non-utf8-byte", "non-ascii-C-locale"])
def test_profile_on_a_path_that_is_not_plain_ascii(tmp_path, name, env):
    pytest.importorskip("onnxruntime")
    d = os.fsencode(tmp_path) + b"/" + name
    shutil.copytree(cached_tiny_bundle(precisions=("fp32",)), os.fsdecode(d))
    out = tmp_path / "res"
    run_env = dict(os.environ, PYTHONPATH=str(ROOT), **env)
    args = [os.fsencode(sys.executable), b"-m", b"edgecrelu", b"profile", d, b"--out", os.fsencode(out),
            b"--device", b"cpu", b"--precisions", b"fp32", b"--batch", b"1", b"--variants", b"relu",
            b"--duration", b"0.02", b"--warmup", b"0", b"--iterations", b"5", b"--budget", b"1",
            b"--isolation", b"none"]
    p = subprocess.run(args, env=run_env, cwd=ROOT, capture_output=True, timeout=300)
    err = p.stderr.decode(errors="replace")
    assert p.returncode == 0, err
    assert "Traceback" not in err and len(list(out.glob("*.json"))) == 1
