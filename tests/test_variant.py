"""Variant names: parsing and validation (torch-free, edgecrelu/variant.py)."""

import pytest

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.variant import VariantSpec, parse_variant


def test_parse_variant():
    assert parse_variant("relu") == VariantSpec("relu", 0)
    assert parse_variant(" crelu-half@4 ") == VariantSpec("crelu-half", 4)
    assert parse_variant("crelu@2").name == "crelu@2" and parse_variant("relu").name == "relu"
    assert parse_variant("crelu", default_depth=3) == VariantSpec("crelu", 3)


@pytest.mark.parametrize("text,msg", [
    ("gelu@2", "unknown variant 'gelu@2'; choose one of: relu, crelu@K, crelu-half@K"),
    ("crelu@x", "bad depth 'x' in variant 'crelu@x'"),
    ("crelu-half@0", "bad depth '0'"),
    ("crelu@-1", "bad depth '-1'"),
    ("crelu", "variant 'crelu' needs a depth, e.g. crelu@4"),
    ("relu@3", "variant relu takes no depth"),
    ("", "unknown variant ''"),
])
def test_parse_errors_are_one_line(text, msg):
    with pytest.raises(EdgeCReLUError) as exc:
        parse_variant(text)
    assert msg in str(exc.value) and "\n" not in str(exc.value)


def test_spec_validates():
    with pytest.raises(EdgeCReLUError, match="unknown variant kind 'half'"):
        VariantSpec("half", 2)
    with pytest.raises(EdgeCReLUError, match="bad depth"):
        VariantSpec("crelu", 0)


def test_equal_cost_controls_and_distilled_names_parse():
    from edgecrelu.variant import is_crelu_kind, is_distilled, is_relu_kind, parse_variant, split_name

    for name, kind, depth in (("relu-half@2", "relu-half", 2), ("relu-w@4", "relu-w", 4),
                              ("crelu-half@2+kd", "crelu-half", 2)):
        spec = parse_variant(name)
        assert (spec.kind, spec.depth, spec.name) == (kind, depth, name)
        assert split_name(name) == (kind, depth)
    assert is_relu_kind("relu-w") and is_relu_kind("relu-half") and not is_relu_kind("crelu-half")
    assert is_crelu_kind("crelu-half") and not is_crelu_kind("relu-half")
    assert is_distilled("crelu-half@2+kd") and not is_distilled("crelu-half@2")
    assert parse_variant("crelu-half@2+kd").arch_name == "crelu-half@2"
