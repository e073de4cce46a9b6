"""The README's CLI reference is generated from --help; this fails when the two drift apart. Its
layout section names every script and every module of the package."""

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


def test_layout_names_every_script_and_module():
    text = (ROOT / "README.md").read_text()
    layout = text[text.index("## Repository layout"):text.index("## CLI reference")]
    scripts = sorted(p.name for p in (ROOT / "scripts").iterdir() if p.is_file())
    package = ROOT / "edgecrelu"
    modules = sorted(p.name for p in package.glob("*.py") if p.name != "__init__.py")
    modules += sorted(f"{p.name}/" for p in package.iterdir() if (p / "__init__.py").is_file())
    assert [name for name in scripts + modules if f"`{name}`" not in layout] == []
