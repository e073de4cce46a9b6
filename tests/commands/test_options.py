"""The shared options: comma lists, registry names, train's device, and ranges the library enforces."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from edgecrelu.cli import cli
from edgecrelu.commands.options import CommaList, RegistryName
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.registries import BACKENDS, FORMS


def test_comma_list_casts_checks_and_keeps_order():
    t = CommaList("form", FORMS)
    assert t.convert(" pm1, graph ,,", None, None) == ("pm1", "graph")
    assert t.convert("", None, None) == ()
    with pytest.raises(EdgeCReLUError, match="unknown form 'x'; choose one of: graph, folded, pm1, split"):
        t.convert("graph,x", None, None)
    sizes = CommaList("batch size", cast=int, minimum=1)
    assert sizes.convert("1,8", None, None) == (1, 8)
    with pytest.raises(EdgeCReLUError, match="bad batch size 'one'"):
        sizes.convert("1,one", None, None)
    with pytest.raises(EdgeCReLUError, match="bad batch size '0': must be >= 1"):
        sizes.convert("0", None, None)
    lazy = CommaList("report format", lambda: ("md", "csv"))
    assert lazy.convert("csv", None, None) == ("csv",)


def test_registry_name():
    t = RegistryName(BACKENDS)
    assert t.convert("torch", None, None) == "torch"
    with pytest.raises(EdgeCReLUError, match="unknown backend 'nope'"):
        t.convert("nope", None, None)


def test_choices_and_help_come_from_the_registries():
    from edgecrelu.commands.export import command as export
    from edgecrelu.commands.profile import command as profile

    forms = next(p for p in export.params if p.name == "forms")
    assert tuple(forms.type.choices) == FORMS.names
    backend = next(p for p in profile.params if p.name == "backend")
    assert all(name in backend.help for name in BACKENDS)


@pytest.mark.parametrize("args, option", [
    (["--input-size", "7"], "--input-size"),  # the library refuses < 8
    (["--width", "0"], "--width"),
    (["--lr", "0"], "--lr"),
    (["--data-seed", "-1"], "--data-seed"),  # numpy's generators refuse negative seeds
    (["--train-device", "tpu"], "--train-device"),
])
def test_train_ranges_are_checked_before_any_work(tmp_path, args, option):
    r = CliRunner().invoke(cli, ["train", "--out", str(tmp_path / "o"), *args])
    assert r.exit_code == 2 and f"Invalid value for '{option}'" in r.output
    assert not (tmp_path / "o").exists()


def test_run_backend_is_checked_before_any_work(tmp_path):
    r = CliRunner().invoke(cli, ["run", "--out", str(tmp_path / "o"), "--backend", "nope"])
    assert r.exit_code == 1 and r.output.strip().splitlines() == [
        "Error: unknown backend 'nope'; choose one of: onnxruntime, tensorrt, torch"]
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("args, device", [
    ([], "cpu"),
    (["--train-device", "cuda"], "cuda"),
    (["--device", "cuda"], "cuda"),  # the old name, hidden from --help
    (["--train-device", "cuda", "--device", "cuda"], "cuda"),
])
def test_train_device_and_its_old_name(monkeypatch, tmp_path, args, device):
    pytest.importorskip("torch")
    import edgecrelu.train

    seen = {}

    def fake_train_run(config):
        seen["device"] = config.device
        return tmp_path

    monkeypatch.setattr(edgecrelu.train, "train_run", fake_train_run)
    r = CliRunner().invoke(cli, ["train", *args])
    assert r.exit_code == 0, r.output
    assert seen == {"device": device}


def test_train_device_options_that_disagree(tmp_path):
    r = CliRunner().invoke(cli, ["train", "--train-device", "cpu", "--device", "cuda", "--out", str(tmp_path / "o")])
    assert r.exit_code == 1 and "--train-device cpu and --device cuda disagree" in r.output
    help_text = CliRunner().invoke(cli, ["train", "--help"]).output
    options = [line.split()[0] for line in help_text.splitlines() if line.startswith("  -")]
    assert "--train-device" in options and "--device" not in options


def test_comma_list_in_a_plain_click_command():
    @click.command()
    @click.option("--forms", type=CommaList("form", FORMS))
    def cmd(forms):
        click.echo(repr(forms))

    assert CliRunner().invoke(cmd, ["--forms", "graph,split"]).output.strip() == "('graph', 'split')"
