"""`edgecrelu models` through Click's CliRunner."""

import importlib.util
import json

import pytest
from click.testing import CliRunner

from edgecrelu.cli import cli

needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs torch (the model zoo)")


@needs_torch
def test_models_table():
    res = CliRunner().invoke(cli, ["models", "--width", "0.25", "--input-size", "32"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].split()[:7] == ["arch", "input", "classes", "sites", "params", "MACs", "depth"]
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    assert set(rows) == {"convpool-c", "resnet18", "resnet18-imagenet", "inspect-net"}
    assert rows["convpool-c"][1:4] == ["3x32x32", "10", "8"]
    assert rows["resnet18"][7] == "crelu-half@3"  # crelu refused: the stem feeds a residual add
    assert 0 < float(rows["resnet18"][8]) < 1


@needs_torch
def test_models_json_counts_and_options():
    res = CliRunner().invoke(cli, ["models", "--json", "--in-channels", "1", "--num-classes", "4",
                                   "--input-size", "16", "--width", "0.25"])
    assert res.exit_code == 0, res.output
    rows = {r["arch"]: r for r in json.loads(res.output)}
    cp = rows["convpool-c"]
    assert cp["input_shape"] == [1, 16, 16] and cp["num_classes"] == 4 and cp["sites"] == 8
    assert cp["default_variants"] == ["relu", "crelu@4", "crelu-half@4"]
    v = cp["variants"]
    assert v["relu"]["macs"] == cp["macs"] and v["crelu-half@4"]["macs"] < cp["macs"] < v["crelu@4"]["macs"]
    assert rows["inspect-net"]["params"] > 0 and rows["resnet18"]["macs"] > rows["resnet18-imagenet"]["macs"]


@needs_torch
def test_models_tablefmt():
    res = CliRunner().invoke(cli, ["models", "--tablefmt", "github", "--width", "0.25", "--input-size", "16"])
    assert res.exit_code == 0 and res.output.startswith("| arch")
    bad = CliRunner().invoke(cli, ["models", "--tablefmt", "nope"])
    assert bad.exit_code == 2 and "Invalid value for '--tablefmt'" in bad.output


def test_models_without_torch_is_one_line(no_torch_cli):
    res = no_torch_cli(["models"])
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "torch is not installed; install it with: pip install 'edgecrelu[torch]'" in res.stderr


@needs_torch
def test_models_one_variant_layer_by_layer():
    res = CliRunner().invoke(cli, ["models", "--model", "convpool-c", "--variant", "crelu-half@4", "--width", "0.25",
                                   "--in-channels", "1", "--input-size", "16"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("convpool-c crelu-half@4, input 1x16x16: ")
    assert "4 CReLU, 4 conv->ReLU sites" in res.output.splitlines()[0]
    first = res.output.splitlines()[3].split()
    assert first == ["stage1.0.conv", "Conv2d", "12x16x16", str(12 * 9), str(12 * 16 * 16 * 9)]  # 24 / 2 filters
    assert "CReLU" in res.output and res.output.splitlines()[-1].split()[0] == "total"
    js = CliRunner().invoke(cli, ["models", "--model", "inspect-net", "--json", "--input-size", "32"])
    d = json.loads(js.output)
    assert d["arch_json"]["variant"] == "relu" and d["macs"] == sum(x["macs"] for x in d["layers"])


@needs_torch
def test_models_bad_variant_is_one_line():
    res = CliRunner().invoke(cli, ["models", "--model", "resnet18", "--variant", "crelu@2", "--width", "0.25"])
    assert res.exit_code == 1
    assert res.output.strip() == ("Error: crelu@2: site 1 (conv1 -> act1) feeds a residual add; crelu would "
                                  "double its width; use crelu-half")
    res = CliRunner().invoke(cli, ["models", "--model", "lenet"])
    assert res.exit_code == 1 and "unknown model 'lenet'; choose one of:" in res.output


@needs_torch
def test_models_controls_are_what_the_variants_build():
    """The listing counts relu-w@K without building it with weights: its numbers are the built model's."""
    from edgecrelu.nn.build import make_model
    from edgecrelu.nn.counting import count_model

    res = CliRunner().invoke(cli, ["models", "--json", "--input-size", "64", "--width", "0.5"])
    assert res.exit_code == 0, res.output
    rows = {r["arch"]: r for r in json.loads(res.output)}
    for arch, k in (("convpool-c", 4), ("inspect-net", 2)):
        for kind in ("relu-w", "relu-half"):
            shown = rows[arch]["controls"][f"{kind}@{k}"]
            model, aj = make_model(arch, f"{kind}@{k}", in_channels=3, num_classes=10, input_size=64,
                                   arch_args={"width": 0.5})
            counts = count_model(model, aj["input_shape"])
            assert (shown["params"], shown["macs"]) == (counts["params"], counts["macs"]), (arch, kind)
        assert rows[arch]["controls"][f"relu-w@{k}"]["width"] < 0.5  # narrower than the base
