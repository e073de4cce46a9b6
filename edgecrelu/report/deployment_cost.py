"""Inference cost in the decision meeting's terms: streams, devices, headroom, energy.

Assumes one image at a time (batch 1) and sizes for the worst case: a device serves
floor(1000 / p99) images per second. Energy counts inference only (mJ per inference from the
power measured during the run, x images per day); idle power between images is not included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from edgecrelu.devices import Decision

SECONDS_PER_DAY = 86400.0
MJ_PER_KWH = 3.6e9


@dataclass
class Cost:
    label: str  # configuration (variant, form, precision, backend)
    p99_ms: float
    capacity_ips: int  # images / s one device sustains at batch 1, sized on p99
    stations_per_device: int  # streams at the line rate one device keeps up with
    devices_needed: int | None  # devices for all stations (None: capacity 0)
    headroom_pct: float | None  # (budget - p99) / budget x 100; None without a budget
    kwh_per_day: float | None  # inference energy for all stations at the line rate
    kwh_per_year: float | None


def cost_of(label: str, p99_ms: float, mj_per_inference: float | None, policy: Decision) -> Cost:
    capacity = int(math.floor(1000.0 / p99_ms)) if p99_ms > 0 else 0
    demand = policy.line_rate_ips * policy.stations
    per_device = int(math.floor(capacity / policy.line_rate_ips)) if capacity else 0
    devices = int(math.ceil(demand / capacity)) if capacity else None
    headroom = None
    if policy.latency_budget_p99_ms:
        headroom = (policy.latency_budget_p99_ms - p99_ms) / policy.latency_budget_p99_ms * 100.0
    kwh_day = kwh_year = None
    if mj_per_inference is not None:
        kwh_day = mj_per_inference * demand * SECONDS_PER_DAY / MJ_PER_KWH
        kwh_year = kwh_day * 365.0
    return Cost(label, p99_ms, capacity, per_device, devices, headroom, kwh_day, kwh_year)


def demand_sentence(policy: Decision) -> str:
    return (f"{policy.stations} station(s) x {policy.line_rate_ips:g} images/s = "
            f"{policy.stations * policy.line_rate_ips:g} images/s")
