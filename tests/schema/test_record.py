"""The result record's model: every record the code wrote loads; an unknown, mistyped or non-finite
field fails in one line naming the file and the field."""

import copy
import json
import math
from pathlib import Path

import pytest

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.results import load_records, typed, validate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records"


def _one() -> dict:
    return json.loads(next(iter(sorted((FIXTURES / "go").glob("*.json")))).read_text())


@pytest.mark.parametrize("case", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_every_fixture_set_loads(case):  # unpaired_legacy: records written before paired rounds
    assert load_records([FIXTURES / case])


def test_the_typed_record_reads_as_the_dict():
    rec = _one()
    t = typed(rec, "r")
    assert (t.cell.variant, t.cell.batch, t.latency_ms.p99) == (rec["cell"]["variant"], rec["cell"]["batch"],
                                                                 rec["latency_ms"]["p99"])
    assert validate(rec) is rec  # readers still get the dict as it is on disk


@pytest.mark.parametrize("edit, words", [
    (lambda r: r.update(colour="red"), "F: unknown field 'colour'; valid fields: schema_version, kind"),
    (lambda r: r["cell"].update(colour="red"), "F: unknown field 'cell.colour'"),
    (lambda r: r["memory"].update(peak_rss=1), "F: unknown field 'memory.peak_rss'"),
    (lambda r: r["cell"].pop("form"), "F: missing field(s): cell.form"),
    (lambda r: r["cell"].update(batch=1.0), "F: cell.batch must be a positive integer, got 1.0"),
    (lambda r: r.update(power={"dynamic_mw": math.nan}), "F: power.dynamic_mw must be a finite number, got nan"),
    (lambda r: r.update(power={"rails_mw": {"VDD_IN": -1}}), "F: power.rails_mw.VDD_IN must be a number >= 0"),
    (lambda r: r["environment"].update(host=""), "F: environment.host must be a non-empty string, got ''"),
    (lambda r: r.update(ops={"shares": {"Conv": "x"}}), "F: ops.shares.Conv must be a number, got 'x'"),
])
def test_a_bad_field_is_named(edit, words):
    rec = _one()
    edit(rec)
    with pytest.raises(EdgeCReLUError) as err:
        validate(rec, "F")
    assert str(err.value).startswith(words)
    assert "\n" not in str(err.value)


def test_free_form_parts_stay_free():
    rec = _one()
    rec["environment"]["anything"] = {"nested": [1, "x"]}
    rec["settings"]["backend"] = {"providers": ["CPUExecutionProvider"], "whatever": None}
    rec["paired"] = {"aa": {"lo": 0.0, "hi": math.inf}}  # an interval bound may be infinite
    assert validate(copy.deepcopy(rec)) == rec
