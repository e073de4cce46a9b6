from click.testing import CliRunner

from edgecrelu.cli import cli
from edgecrelu.devices import builtin_names


def test_lists_every_builtin_profile():
    res = CliRunner().invoke(cli, ["devices"])
    assert res.exit_code == 0, res.output
    for name in builtin_names():
        assert name in res.output
    for head in ("backends", "precisions", "batch", "power", "description"):
        assert head in res.output
    assert "tegrastats" in res.output


def test_tablefmt():
    res = CliRunner().invoke(cli, ["devices", "--tablefmt", "github"])
    assert res.exit_code == 0 and res.output.startswith("| name")


def test_shows_one_profile_by_name_or_path(tmp_path):
    res = CliRunner().invoke(cli, ["devices", "jetson-nano"])
    assert res.exit_code == 0
    assert "int8" in res.output and "fp32, fp16" in res.output
    p = tmp_path / "mine.toml"
    p.write_text('name = "mine"\nbackends = ["onnxruntime"]\nprecisions = ["fp32"]\nbatch_sizes = [4]\n')
    res = CliRunner().invoke(cli, ["devices", str(p)])
    assert res.exit_code == 0 and "mine" in res.output


def test_bad_profile_names_the_key(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('name = "x"\nbackends = ["onnxruntime"]\nprecisions = ["fp32"]\nbatch_sizes = [1]\n'
                 '[onnxruntime]\nthreds = 2\n')
    res = CliRunner().invoke(cli, ["devices", str(p)])
    assert res.exit_code == 1 and "onnxruntime.threds" in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_devices_runs_without_torch(no_torch_cli):
    p = no_torch_cli(["devices"])
    assert p.returncode == 0, p.stderr
    assert "jetson-orin-nano" in p.stdout
