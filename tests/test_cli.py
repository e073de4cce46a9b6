"""The CLI shell: version, help, errors as one line, and no torch at import."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from edgecrelu import __version__
from edgecrelu.cli import cli


def test_version_and_help():
    r = CliRunner().invoke(cli, ["--version"])
    assert r.exit_code == 0 and __version__ in r.output
    r = CliRunner().invoke(cli, ["--help"])
    assert r.exit_code == 0 and "CReLU" in r.output


def test_unknown_command_is_one_line_error():
    r = CliRunner().invoke(cli, ["frobnicate"])
    assert r.exit_code != 0 and "No such command" in r.output and "Traceback" not in r.output


def test_help_imports_no_heavy_module():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from edgecrelu.cli import cli\n"
        "r = CliRunner().invoke(cli, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = [m for m in ('torch', 'tensorrt', 'pycuda', 'sklearn', 'onnxruntime') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# Every command module, as `edgecrelu --help` lists them (the data sources blocked below).
_HELP_WITHOUT_SOURCES = (
    "import sys\n"
    "class _Block:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.startswith('edgecrelu.data'):\n"
    "            raise ImportError(f'blocked: {name}', name=name)\n"
    "sys.meta_path.insert(0, _Block())\n"
    "from click.testing import CliRunner\n"
    "from edgecrelu.cli import COMMANDS, cli\n"
    "for args in [['--help']] + [[name, '--help'] for name in COMMANDS]:\n"
    "    r = CliRunner().invoke(cli, args)\n"
    "    assert r.exit_code == 0 and 'Usage:' in r.output, (args, r.output, r.exception)\n"
    "print(sorted(m for m in sys.modules if m.startswith('edgecrelu.data')))\n"
)


def test_help_of_every_command_imports_no_data_source():
    # `run --help` lists the --data specs: they come from the registry entries, not the source modules
    out = subprocess.run([sys.executable, "-c", _HELP_WITHOUT_SOURCES], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_run_help_lists_every_data_spec():
    from edgecrelu.data.sources import specs

    r = CliRunner().invoke(cli, ["run", "--help"])
    assert r.exit_code == 0
    text = " ".join(r.output.split())
    assert all(spec in text for spec in specs()) and "inspection[:OPTIONS]" in text


@pytest.fixture(scope="module")
def bundle():
    from fixtures.tiny_bundle import cached_tiny_bundle

    return str(cached_tiny_bundle())


def _profile(bundle, out, *options):
    fast = ["--variants", "relu", "--precisions", "fp32", "--isolation", "none", "--warmup", "0",
            "--duration", "0.02", "--iterations", "5", "--batch", "1", "--budget", "1"]
    return CliRunner().invoke(cli, [*options, "profile", bundle, "--out", str(out), *fast])


def test_progress_lines_by_default_and_none_with_quiet(bundle, tmp_path):
    loud = _profile(bundle, tmp_path / "A")
    assert loud.exit_code == 0, loud.output
    assert "[cell 1/1] relu" in loud.stderr and "cell(s) measured" in loud.stderr
    assert not any(line.startswith("debug ") for line in loud.stderr.splitlines())
    quiet = _profile(bundle, tmp_path / "B", "-q")
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
    assert quiet.stdout.splitlines()[0].split() == loud.stdout.splitlines()[0].split()  # the table stays
    # an error still says so under -q (the same results directory again, without --resume)
    again = _profile(bundle, tmp_path / "B", "-q")
    assert again.exit_code == 1 and again.stderr.startswith("Error: ") and "already has records" in again.stderr


def test_verbose_adds_debug_lines(bundle, tmp_path):
    r = _profile(bundle, tmp_path / "R", "-v")
    assert r.exit_code == 0, r.output
    debug = [line for line in r.stderr.splitlines() if line.startswith("debug ")]
    assert any(line.startswith("debug edgecrelu.cli: edgecrelu ") for line in debug), r.stderr
    assert "[cell 1/1] relu" in r.stderr  # the default's lines are still there
    both = CliRunner().invoke(cli, ["-v", "-q", "devices"])
    assert both.exit_code == 2 and "contradict" in both.output
