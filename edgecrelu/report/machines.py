"""Group records by the machine they were measured on: the report has one section per machine.

Cells from different machines are never compared (no ratio, no shared baseline); a warning says
where the records would invite such a comparison.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar


def _first(d, *keys):
    if not isinstance(d, dict):
        return None
    for k in keys:
        if d.get(k):
            return d[k]
    return None


def cpu_name(env: dict) -> str:
    cpu = env.get("cpu")
    if isinstance(cpu, str):
        return cpu
    return str(_first(cpu, "model", "brand", "name", "processor") or "")


def gpu_name(env: dict) -> str:
    gpu = env.get("gpu")
    if isinstance(gpu, list):
        return ", ".join(filter(None, (gpu_name({"gpu": g}) for g in gpu)))
    if isinstance(gpu, str):
        return gpu
    if isinstance(gpu, dict) and isinstance(gpu.get("devices"), list):  # environment.capture(): nvidia-smi rows
        return gpu_name({"gpu": gpu["devices"]}) or gpu_name({"jetson": env.get("jetson")})
    name = _first(gpu, "name", "model")
    if name:
        return str(name)
    jetson = env.get("jetson")
    return str(_first(jetson, "model", "module") or "")


def machine_key(record: dict) -> tuple[str, str, str, str]:
    """(device profile, host, CPU, GPU): records sharing it were measured on the same machine."""
    env = record.get("environment") or {}
    prof = (record.get("device_profile") or {}).get("name") or "?"
    return (str(prof), str(env.get("host") or ""), cpu_name(env), gpu_name(env))


@dataclass
class Section:
    """Records measured on one machine."""

    key: tuple  # machine_key
    records: list = field(default_factory=list)

    @property
    def device(self) -> str:
        return self.key[0]

    @property
    def label(self) -> str:
        prof, host, cpu, gpu = self.key
        hw = " / ".join(x for x in (gpu, cpu) if x)
        where = f" on {host}" if host else ""
        off = " — measured off the device: no Jetson here" if self.off_device else ""
        return f"{prof}{where}" + (f" ({hw})" if hw else "") + off

    @property
    def off_device(self) -> bool:
        """A Jetson profile whose records were measured where no Jetson was found (e.g. the ONNX Runtime
        fallback on a desktop): its numbers are not the board's."""
        return any((rec.get("device_profile") or {}).get("jetson") and not (rec.get("environment") or {}).get("jetson")
                   for rec in self.records)

    @property
    def slug(self) -> str:
        return "".join(c if c.isalnum() else "-" for c in f"{self.key[0]}-{self.key[1]}").strip("-").lower()


T = TypeVar("T")


def distinct(values: Iterable[T]) -> list[T]:
    """The values in order of first appearance, without repeats (works for dicts: no hashing)."""
    out: list[T] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def split_by_machine(records: list[dict]) -> list[Section]:
    """Sections in order of first appearance."""
    sections: dict[tuple, Section] = {}
    for rec in records:
        key = machine_key(rec)
        sections.setdefault(key, Section(key)).records.append(rec)
    return list(sections.values())


def machine_warnings(sections: list[Section]) -> list[str]:
    """Warnings where the records invite a comparison across machines."""
    out = []
    if len(sections) > 1:
        out.append(
            f"results come from {len(sections)} machines ({'; '.join(s.label for s in sections)}): each "
            "section compares only cells measured on its own machine; numbers in different sections are "
            "not comparable, and no ratio is computed across machines"
        )
    by_profile: dict[str, list[Section]] = {}
    for s in sections:
        by_profile.setdefault(s.device, []).append(s)
    for name, group in by_profile.items():
        if len(group) > 1:
            out.append(
                f"device profile '{name}' was measured on {len(group)} different machines "
                f"({'; '.join(s.label for s in group)}): same profile name, different hardware or host — "
                "their cells are kept in separate sections and never compared"
            )
    return out


def consistency_warnings(section: Section) -> list[str]:
    """Warnings for records of one machine that do not share a bundle, settings or decision table."""
    out = []
    recs = section.records
    bundles = distinct((r.get("bundle") or {}).get("manifest_sha256") for r in recs)
    if len(bundles) > 1:
        out.append(f"{section.label}: cells come from {len(bundles)} different bundles (manifest hashes differ)")
    data = distinct((r.get("bundle") or {}).get("dataset_sha256") for r in recs)
    if len(data) > 1:
        out.append(f"{section.label}: cells were evaluated on {len(data)} different data sets (data hashes differ)")
    settings = distinct({k: v for k, v in (r.get("settings") or {}).items() if k != "backend"} for r in recs)
    if len(settings) > 1:
        out.append(f"{section.label}: cells were timed with {len(settings)} different timing settings")
    cells: dict[tuple, int] = {}
    for r in recs:
        c = r.get("cell") or {}
        k = (c.get("variant"), c.get("form"), c.get("precision"), c.get("backend"), c.get("batch"))
        cells[k] = cells.get(k, 0) + 1
    dups = ["/".join(map(str, k)) for k, n in cells.items() if n > 1]
    if dups:
        out.append(f"{section.label}: cell(s) measured more than once, each shown as its own row: {', '.join(dups)}")
    decisions = distinct((r.get("device_profile") or {}).get("decision") for r in recs)
    if len(decisions) > 1:
        out.append(f"{section.label}: records carry {len(decisions)} different [decision] tables; the first is used")
    return out
