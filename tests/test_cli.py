"""The CLI shell: version, help, errors as one line, and no torch at import."""

import subprocess
import sys

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
