"""docs/contracts.md's schema tables are generated from edgecrelu/schema/; this fails when the two drift apart."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_contracts", ROOT / "scripts" / "gen_contracts.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_contracts_doc_matches_the_models():
    gen = _generator()
    text = (ROOT / "docs" / "contracts.md").read_text()
    assert gen.updated(text) == text, "docs/contracts.md is stale: run python scripts/gen_contracts.py"



def test_every_field_of_a_model_is_a_row():
    import msgspec

    from edgecrelu.schema.record import Cell

    rows = [r[0] for r in _generator()._fields(Cell)]
    assert rows == [f.encode_name for f in msgspec.structs.fields(Cell)]
