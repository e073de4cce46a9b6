"""Cost in the meeting's terms: images/s per device, devices for the line, headroom, energy."""

import pytest

from edgecrelu.devices import Decision
from edgecrelu.report.deployment_cost import cost_of


def test_cost_numbers():
    policy = Decision(latency_budget_p99_ms=20.0, line_rate_ips=30.0, stations=4)
    c = cost_of("x", 12.5, 5.0, policy)
    assert c.capacity_ips == 80  # floor(1000 / 12.5)
    assert c.stations_per_device == 2  # floor(80 / 30)
    assert c.devices_needed == 2  # ceil(120 / 80)
    assert c.headroom_pct == pytest.approx(37.5)
    # 5 mJ x 120 images/s x 86400 s = 51.84 MJ = 0.0144 kWh... x1000: 51,840,000 mJ / 3.6e9 mJ/kWh
    assert c.kwh_per_day == pytest.approx(5.0 * 120 * 86400 / 3.6e9)
    assert c.kwh_per_year == pytest.approx(c.kwh_per_day * 365)


def test_cost_without_budget_or_power():
    c = cost_of("x", 40.0, None, Decision(latency_budget_p99_ms=None, line_rate_ips=30.0, stations=1))
    assert (c.capacity_ips, c.stations_per_device, c.devices_needed) == (25, 0, 2)
    assert c.headroom_pct is None and c.kwh_per_day is None


def test_over_budget_headroom_is_negative():
    assert cost_of("x", 25.0, None, Decision(latency_budget_p99_ms=20.0)).headroom_pct == pytest.approx(-25.0)
