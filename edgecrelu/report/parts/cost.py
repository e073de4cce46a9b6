"""What the line rate costs: devices needed and energy per configuration at batch 1."""

from __future__ import annotations

from typing import TYPE_CHECKING

from edgecrelu.report import fmt
from edgecrelu.report.blocks import Column, Heading, Paragraph, Table
from edgecrelu.report.deployment_cost import demand_sentence

if TYPE_CHECKING:
    from edgecrelu.report.blocks import Block
    from edgecrelu.report.model import Report, SectionReport

_HOW = ("A device serves floor(1000 / p99) images/s at batch 1 (worst case); \"devices needed\" = "
        "ceil(demand / images/s per device), the devices of this kind that keep up with every station at once "
        "(1 means one device has capacity for the whole demand). Energy counts inference only, where power was "
        "measured.")


def _opt(v, spec: str) -> str:
    return "—" if v is None else format(v, spec)


def table(sr: SectionReport) -> Table:
    spec = [(Column("configuration (batch 1)", text=True), lambda c: c.label),
            (Column("p99 ms"), lambda c: fmt.ms(c.p99_ms)),
            (Column("images/s per device"), lambda c: str(c.capacity_ips)),
            (Column("stations per device"), lambda c: str(c.stations_per_device)),
            (Column("devices needed"), lambda c: _opt(c.devices_needed, "")),
            (Column("headroom vs budget"), lambda c: "—" if c.headroom_pct is None else f"{c.headroom_pct:+.0f} %")]
    if any(c.kwh_per_day is not None for c in sr.costs):
        spec += [(Column("kWh/day"), lambda c: _opt(c.kwh_per_day, ".3g")),
                 (Column("kWh/year"), lambda c: _opt(c.kwh_per_year, ".3g"))]
    return Table.of(sr.costs, spec)


def blocks(sr: SectionReport, report: Report) -> list[Block]:
    return [Heading("Cost at the line rate"), Paragraph(f"Demand: {demand_sentence(sr.policy)}. {_HOW}"), table(sr)]
