"""The verdict's sentences, worded from the typed outcome of the decision."""

import pytest

from edgecrelu.objectives import OBJECTIVES
from edgecrelu.report.decision import Outcome
from edgecrelu.report.model import analyze
from edgecrelu.report.verdict_words import comparison, pct, value_words

from .helpers import CASES, KNOWN_ANSWERS, load_case


def test_an_absurd_gain_interval_is_not_printed_digit_by_digit():
    # 2 trials with a CoV over 200 % give ratio intervals like 0.3-4e9: the sentence says so in words
    assert pct(-6345619.23) == "below -1000 %" and pct(25.0) == "above +1000 %"
    assert pct(0.187) == "+18.7 %" and pct(-9.99) == "-999.0 %"


@pytest.mark.parametrize("name, better, worse", [
    ("p99_latency", "is 12.5 % faster at p99 than", "is 12.5 % slower at p99 than"),
    ("throughput", "has 12.5 % higher throughput than", "has 12.5 % lower throughput than"),
    ("energy", "uses 12.5 % less energy per inference than", "uses 12.5 % more energy per inference than"),
    ("memory", "uses 12.5 % less peak memory than", "uses 12.5 % more peak memory than"),
])
def test_comparison_says_better_or_worse_in_the_objectives_words(name, better, worse):
    assert comparison(0.125, OBJECTIVES[name]) == better
    assert comparison(-0.125, OBJECTIVES[name]) == worse


def test_values_carry_the_objectives_unit():
    assert value_words(1234.4, OBJECTIVES["throughput"]) == "1,234 images/s"
    assert value_words(0.5, OBJECTIVES["energy"]) == "0.5 mJ"
    assert value_words(None, OBJECTIVES["memory"]) == "—"


@pytest.mark.parametrize("case", CASES + KNOWN_ANSWERS)
def test_every_sentence_opens_with_its_outcome_and_only_inconclusive_says_what_would_decide_it(case):
    for sr in analyze(load_case(case)).sections:
        v = sr.verdict
        assert v.sentence.startswith(f"{v.outcome}: ")
        assert bool(v.decide_line) == (v.outcome is Outcome.INCONCLUSIVE), v.sentence
