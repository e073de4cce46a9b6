"""Fuzzing the loaders of every file a user carries between machines: result records, bundle
manifests, device profiles and policies. Any input loads or raises the tool's own
:class:`EdgeCReLUError` (the CLI's one line) -- never another exception (a traceback).

Inputs are valid files with one field replaced by an arbitrary JSON/TOML value or removed, plus
arbitrary bytes. Example counts keep the whole module within a few seconds to a minute on CI.
"""

from __future__ import annotations

import contextlib
import copy
import json
import tempfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from edgecrelu.errors import EdgeCReLUError  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

from edgecrelu.devices import PROFILE_DIR as PROFILES  # noqa: E402  (the built-in profiles, wherever they ship)

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                    st.text(max_size=8))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=6)
toml_scalars = st.one_of(st.booleans(), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=True),
                         st.text(max_size=8))
toml_values = st.one_of(toml_scalars, st.lists(toml_scalars, max_size=3))


def _paths(obj, prefix=()):
    """Every (container path, key) in ``obj``."""
    out = []
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for k, v in items:
        out.append(prefix + (k,))
        out.extend(_paths(v, prefix + (k,)))
    return out


@st.composite
def mutated(draw, base, values=json_values):
    """``base`` with one field set to an arbitrary value, or deleted."""
    doc = copy.deepcopy(base)
    path = draw(st.sampled_from(_paths(doc)))
    parent = doc
    for k in path[:-1]:
        parent = parent[k]
    if draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(values)
    return doc


def _loads_or_own_error(fn, *args):
    with contextlib.suppress(EdgeCReLUError):
        fn(*args)


GOOD_RECORD = json.loads(next((FIXTURES / "records" / "go").glob("*.json")).read_text())


@FUZZ
@given(mutated(GOOD_RECORD))
def test_record_loader(rec):
    from edgecrelu.results import check_comparable, load_record

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "r.json"
        p.write_text(json.dumps(rec))
        try:
            loaded = load_record(p)
        except EdgeCReLUError:
            return
        _loads_or_own_error(check_comparable, [(p, loaded), (Path(d) / "good.json", GOOD_RECORD)])


@FUZZ
@given(st.binary(max_size=200))
def test_record_loader_bytes(data):
    from edgecrelu.results import load_record

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "r.json"
        p.write_bytes(data)
        _loads_or_own_error(load_record, p)


def _good_manifest() -> dict:
    return {
        "schema_version": 1, "kind": "edgecrelu-bundle",
        "files": {"relu/graph.fp32.onnx": "0" * 64, "data/eval.npz": "1" * 64},
        "model": {"arch": "t", "input_shape": [1, 4, 4], "num_classes": 2, "input_name": "input"},
        "dataset": {"eval": {"path": "data/eval.npz"}},
        "variants": {"relu": {"torch": {"weights": None}}},
        "artifacts": [{"variant": "relu", "form": "graph", "precision": "fp32", "path": "relu/graph.fp32.onnx",
                       "sha256": "0" * 64, "accuracy": {"top1": 0.5}}],
    }


@FUZZ
@given(mutated(_good_manifest()))
def test_manifest_loader(manifest):
    from edgecrelu.bundle import Bundle

    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "manifest.json").write_text(json.dumps(manifest))
        _loads_or_own_error(Bundle.open, d, False)


def _profile_dict() -> dict:
    from edgecrelu.devices import tomllib

    return tomllib.loads((PROFILES / "cpu.toml").read_text())


@FUZZ
@given(mutated(_profile_dict(), toml_values))
def test_device_profile_parser(data):
    from edgecrelu.devices import parse_profile

    _loads_or_own_error(parse_profile, data, "fuzz.toml")


@FUZZ
@given(st.binary(max_size=200))
def test_device_profile_file_bytes(data):
    from edgecrelu.devices import load_device

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "dev.toml"
        p.write_bytes(data)
        _loads_or_own_error(load_device, str(p))


@FUZZ
@given(st.dictionaries(st.sampled_from(["decision", "timing", "name", "x"]),
                       st.one_of(toml_values, st.dictionaries(st.sampled_from(
                           ["min_gain", "max_accuracy_drop", "objective", "stations", "line_rate_ips",
                            "latency_budget_p99_ms", "baseline_variant", "zzz"]), toml_values, max_size=4)),
                       max_size=3))
def test_policy_loader(data):
    from edgecrelu.report.policy_source import load_policy_overrides

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "policy.toml"
        p.write_text(_to_toml(data))
        _loads_or_own_error(load_policy_overrides, p)


@FUZZ
@given(st.dictionaries(st.text(max_size=20), json_values, max_size=4))
def test_policy_embedded_in_a_record(table):
    from edgecrelu.report.policy_source import policy_from_record

    _loads_or_own_error(policy_from_record, {"device_profile": {"name": "x", "decision": table}})


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if v != v else ("inf" if v == float("inf") else "-inf" if v == float("-inf") else repr(v))
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string is a TOML basic string
    if isinstance(v, list):
        return "[" + ", ".join(map(_toml_value, v)) + "]"
    return str(v)


def _to_toml(data: dict) -> str:
    lines = [f"{k} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for k, v in data.items():
        if isinstance(v, dict):
            lines.append(f"[{k}]")
            lines += [f"{kk} = {_toml_value(vv)}" for kk, vv in v.items()]
    return "\n".join(lines) + "\n"
