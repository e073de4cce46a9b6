"""The "In short" line: the verdict in the objective's own words (a throughput gain is not "faster")."""

import dataclasses

import pytest

from edgecrelu.report.model import analyze
from edgecrelu.report.plain import in_plain_words

from .helpers import load_case


def _sections(case, objective):
    return analyze(load_case(case), {"objective": objective}).sections


def test_latency_reads_faster():
    (sr,) = _sections("go", "p99_latency")
    assert ("compared with the ReLU model it is 20.0 % faster (at least 16.3 %)"
            in in_plain_words(sr.verdict, sr.policy))


def test_a_throughput_go_reads_higher_throughput():
    (sr,) = _sections("go", "throughput")
    words = in_plain_words(sr.verdict, sr.policy)
    assert sr.verdict.verdict == "GO"
    assert "compared with the ReLU model it has 25.0 % higher throughput (at least 19.5 %)" in words
    assert "faster" not in words


def test_an_inconclusive_throughput_reads_higher_throughput():
    (sr,) = _sections("not_significant", "throughput")
    words = in_plain_words(sr.verdict, sr.policy)
    assert sr.verdict.verdict == "INCONCLUSIVE"
    assert "the best CReLU version has 18.8 % higher throughput (between -1.0 % and +42.5 %)" in words
    assert "faster" not in words


def test_an_energy_nogo_reads_less_energy():
    _, orin = _sections("two_devices", "energy")
    words = in_plain_words(orin.verdict, orin.policy)
    assert (orin.verdict.verdict, orin.verdict.reason) == ("NO-GO", "min_gain")
    assert "the best CReLU version uses 2.6 % less energy per inference, short of the 5 % gain" in words
    assert "faster" not in words


@pytest.mark.parametrize("gain, words", [(0.1, "uses 10.0 % less peak memory"), (-0.1, "uses 10.0 % more peak memory")])
def test_memory_reads_less_or_more_memory(gain, words):
    (sr,) = _sections("go", "p99_latency")
    v = dataclasses.replace(sr.verdict, objective="memory", gain=gain, gain_ci=None)
    out = in_plain_words(v, sr.policy)
    assert words in out and "faster" not in out and "slower" not in out
