"""How the GPU / Jetson numbers of each configuration were measured: power method, idle baseline and
dynamic energy, a deterministic device-memory footprint next to the measured one (each labelled),
whether the engine runs in the precision its name says, and SM clocks / throttling.

Only rows whose records carry these (optional) fields appear; a CPU-only section shows nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edgecrelu.report.blocks import Column, Heading, Paragraph, Table

if TYPE_CHECKING:
    from edgecrelu.report.blocks import Block
    from edgecrelu.report.model import Report, SectionReport
    from edgecrelu.report.rows import Row

COLUMNS = [Column("configuration", text=True), Column("batch"), Column("power method", text=True),
           Column("idle mW"), Column("dynamic mJ/inf"), Column("total mJ/inf"), Column("footprint MB"),
           Column("measured MB"), Column("layers", text=True), Column("clocks", text=True)]
LEGEND = ("footprint = engine + activations for the cell's shapes + I/O (TensorRT; deterministic); measured = "
          "the free-memory drop around session creation (TensorRT, cudaMemGetInfo: 2 MiB granular, on a Jetson "
          "mixed with host memory) or what the backend reports (torch: allocator peak; ONNX Runtime: host RSS). "
          "Dynamic energy = total - idle baseline measured just before the cell.")


def _mb(v) -> str:
    return "—" if v is None else f"{v / 1e6:.2f}"


def _num(v, fmt="{:.3g}") -> str:
    return "—" if v is None else fmt.format(v)


def _layers(info) -> str:
    if not isinstance(info, dict) or not info:
        return "—"
    if not info.get("available"):
        return "not read"
    cp = info.get("compute_precision") or {}
    text = ", ".join(f"{k} {n}" for k, n in sorted(cp.items()))
    dev = info.get("compute_device") or {}
    if len(dev) > 1 or "DLA" in dev:
        text += " | " + ", ".join(f"{k} {n}" for k, n in sorted(dev.items()))
    return ("as named: " if info.get("matches_name") else "NOT as named: ") + text


def _clocks(power) -> str:
    sm = (power or {}).get("sm_mhz") or (power or {}).get("gpu_mhz")
    if not sm:
        return "—"
    text = f"{sm['min']}-{sm['max']} MHz" if sm["min"] != sm["max"] else f"{sm['min']} MHz"
    reasons = [r for r in (power or {}).get("clock_event_reasons") or [] if r != "gpu_idle"]
    return text + (f" ({', '.join(reasons)})" if reasons else "")


def row_cells(row: Row) -> list[str] | None:
    rec = row.record
    power = rec.get("power") or {}
    mem = (rec.get("memory") or {}).get("device") or {}
    layers = ((rec.get("settings") or {}).get("backend") or {}).get("layers")
    if not (power.get("idle_mw") is not None or power.get("method") or mem.get("footprint_bytes") is not None
            or layers or power.get("sm_mhz")):
        return None
    method = power.get("method") or power.get("source") or "—"
    return [row.label, str(row.batch), method, _num(power.get("idle_mw"), "{:.0f}"),
            _num(power.get("dynamic_mj_per_inference")), _num(power.get("mj_per_inference")),
            _mb(mem.get("footprint_bytes")), _mb(mem.get("device_bytes")), _layers(layers), _clocks(power)]


def body(sr: SectionReport) -> list[list[str]]:
    return [c for c in (row_cells(r) for r in sr.rows) if c is not None]


def blocks(sr: SectionReport, report: Report) -> list[Block]:
    rows = body(sr)
    if not rows:
        return []
    return [Heading("How the GPU numbers were measured"), Table(COLUMNS, rows), Paragraph(LEGEND)]
