"""The realisation of a MAC saving split into parts that add up (edgecrelu/realisation.py)."""

import pytest

from edgecrelu.realisation import realisation_breakdown


def test_breakdown_splits_the_realisation_exactly():
    # relu: 80 us in convs, 20 in Relu; the variant: convs 60 (ideal at MAC ratio 0.7 would be 56),
    # the same Relu, and a Mul of 5 it adds
    b = realisation_breakdown({"Conv": 80.0, "Relu": 20.0}, {"Conv": 60.0, "Relu": 20.0, "Mul": 5.0}, 0.7)
    assert b["time_ratio"] == pytest.approx(0.85)
    assert (1 - b["time_ratio"]) / 0.3 == pytest.approx(b["realised"]) == pytest.approx(0.5)
    assert b["mac_kernels"] == pytest.approx(4 / 30) and b["fixed"] == pytest.approx(0.2)
    assert b["extra_ops"] == pytest.approx(5 / 30) and list(b["extra_by_op"]) == ["Mul"]
    assert b["realised"] + b["mac_kernels"] + b["fixed"] + b["extra_ops"] == pytest.approx(1.0)
    assert b["mac_op_ratio"] == pytest.approx(0.75)
    with pytest.raises(ValueError):
        realisation_breakdown({"Conv": 1.0}, {"Conv": 1.0}, 1.0)


def test_a_form_that_executes_more_macs_than_its_variant_has_them_apart():
    # pm1-like: the variant keeps 70 % of the MACs, its file executes 75 % (the +-I convs); the convs
    # ran at 62 us, so 2 us of kernel shortfall on top of the 4 us those extra MACs cost
    base, form = {"Conv": 80.0, "Relu": 20.0}, {"Conv": 62.0, "Relu": 20.0}
    b = realisation_breakdown(base, form, 0.7, form_mac_ratio=0.75)
    assert b["extra_macs"] == pytest.approx(0.05 * 80 / 30) and b["mac_kernels"] == pytest.approx(2 / 30)
    same = realisation_breakdown(base, form, 0.7)
    assert same["extra_macs"] == 0 and same["mac_kernels"] == pytest.approx(b["mac_kernels"] + b["extra_macs"])
    parts = b["realised"] + b["extra_macs"] + b["mac_kernels"] + b["fixed"] + b["extra_ops"]
    assert parts == pytest.approx(1.0)
