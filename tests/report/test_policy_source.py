"""Decision policy: defaults from the records, overrides from a --policy TOML file."""

import pytest

from edgecrelu.devices import Decision
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.report.policy_source import load_policy_overrides, policy_from_record


def _write(tmp_path, text):
    p = tmp_path / "policy.toml"
    p.write_text(text)
    return p


def test_record_decision_is_the_default():
    rec = {"device_profile": {"name": "cpu", "decision": {"latency_budget_p99_ms": 7.5, "stations": 3}}}
    p = policy_from_record(rec)
    assert p.latency_budget_p99_ms == 7.5 and p.stations == 3
    assert p.objective == Decision().objective  # missing keys take the dataclass defaults


def test_overrides_win(tmp_path):
    over = load_policy_overrides(_write(tmp_path, '[decision]\nobjective = "throughput"\nmin_gain = 0.1\n'))
    assert over == {"objective": "throughput", "min_gain": 0.1}
    rec = {"device_profile": {"name": "cpu", "decision": {"objective": "p99_latency", "stations": 3}}}
    p = policy_from_record(rec, over)
    assert (p.objective, p.min_gain, p.stations) == ("throughput", 0.1, 3)


def test_device_profile_copy_is_accepted(tmp_path):
    text = 'name = "mine"\nbackends = ["onnxruntime"]\n[timing]\ntrials = 5\n[decision]\nstations = 8\n'
    assert load_policy_overrides(_write(tmp_path, text)) == {"stations": 8}


@pytest.mark.parametrize("text, words", [
    ('[decision]\nmax_acc_drop = 1.0\n', "unknown key 'decision.max_acc_drop'"),
    ('[decision]\nmin_gain = "lots"\n', "decision.min_gain must be a number"),
    ('[decision]\nobjective = "speed"\n', "decision.objective 'speed'"),
    ('[decision]\nstations = 0\n', "decision.stations must be >= 1"),
    ('[decision]\nlatency_budget_p99_ms = -1\n', "decision.latency_budget_p99_ms must be > 0"),
    ('bogus = 1\n[decision]\n', "unknown key 'bogus'"),
    ('name = "x"\n', "no [decision] table"),
    ('stations = 4\n', "unknown key 'stations'; expected a [decision] table"),
    ('[decision\n', "cannot read policy file"),
])
def test_bad_policy_files_name_the_key(tmp_path, text, words):
    with pytest.raises(EdgeCReLUError) as exc:
        load_policy_overrides(_write(tmp_path, text))
    assert words in str(exc.value)
    assert "\n" not in str(exc.value)


def test_missing_policy_file(tmp_path):
    with pytest.raises(EdgeCReLUError, match="policy file not found"):
        load_policy_overrides(tmp_path / "nope.toml")
