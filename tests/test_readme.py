"""The README's CLI reference is generated from --help; this fails when the two drift apart."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_cli_reference", ROOT / "scripts" / "gen_cli_reference.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cli_reference_matches_help():
    gen = _generator()
    text = (ROOT / "README.md").read_text()
    assert gen.updated(text) == text, "README.md is stale: run python scripts/gen_cli_reference.py"


def test_reference_covers_every_command():
    gen = _generator()
    ref = gen.reference()
    for name in gen.cli.list_commands(None):
        assert f"### `edgecrelu {name}`" in ref
