"""The decision policy: the ``[decision]`` table of the device profile the records were measured
with, optionally overridden by a ``--policy`` TOML file with a ``[decision]`` table."""

from __future__ import annotations

import os
from dataclasses import fields, replace
from pathlib import Path

from edgecrelu import devices
from edgecrelu.devices import (
    Decision,
    tomllib,  # tomllib, or tomli on Python 3.10
)
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.objectives import NAMES as OBJECTIVES

DECISION_KEYS = tuple(f.name for f in fields(Decision))
# Top-level keys of a device profile: a copy of a profile may be passed as the policy file.
_PROFILE_KEYS = tuple(f.name for f in fields(devices.DeviceProfile) if f.name != "path")


def _coerce_table(table: dict, where: str) -> dict:
    """Check keys and types of a ``[decision]`` table; returns only the keys given."""
    return devices.coerce_table(Decision, "decision", table, source=where)


def check_policy(policy: Decision, where: str = "policy") -> Decision:
    """Reject values the decision cannot use, with the key named."""
    if policy.objective not in OBJECTIVES:
        raise EdgeCReLUError(f"{where}: decision.objective '{policy.objective}' is not one of: {', '.join(OBJECTIVES)}")
    for key in ("max_accuracy_drop", "min_gain"):
        if getattr(policy, key) < 0:
            raise EdgeCReLUError(f"{where}: decision.{key} must be >= 0")
    for key in ("latency_budget_p99_ms", "memory_budget_mb"):
        v = getattr(policy, key)
        if v is not None and v <= 0:
            raise EdgeCReLUError(f"{where}: decision.{key} must be > 0")
    if policy.line_rate_ips <= 0:
        raise EdgeCReLUError(f"{where}: decision.line_rate_ips must be > 0")
    if policy.stations < 1:
        raise EdgeCReLUError(f"{where}: decision.stations must be >= 1")
    return policy


def load_policy_overrides(path: str | os.PathLike) -> dict:
    """Read a policy TOML file; returns the ``[decision]`` keys it sets (validated)."""
    p = Path(path)
    if p.is_dir():
        raise EdgeCReLUError(f"policy file {p} is a directory; give a TOML file with a [decision] table")
    if not p.is_file():
        raise EdgeCReLUError(f"policy file not found: {p}")
    try:
        data = tomllib.loads(p.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise EdgeCReLUError(f"cannot read policy file {p}: {exc}") from None
    where = f"policy {p}"
    for key in data:
        if key != "decision" and key not in _PROFILE_KEYS:
            raise EdgeCReLUError(f"{where}: unknown key '{key}'; expected a [decision] table")
    table = data.get("decision")
    if not isinstance(table, dict):
        raise EdgeCReLUError(f"{where}: no [decision] table")
    overrides = _coerce_table(table, where)
    check_policy(replace(Decision(), **overrides), where)
    return overrides


def policy_from_record(record: dict, overrides: dict | None = None) -> Decision:
    """The record's embedded ``device_profile.decision`` (defaults for missing keys), then overrides."""
    table = ((record.get("device_profile") or {}).get("decision")) or {}
    known = {k: v for k, v in table.items() if k in DECISION_KEYS}
    name = (record.get("device_profile") or {}).get("name", "?")
    base = replace(Decision(), **_coerce_table(known, f"record decision table of device '{name}'"))
    policy = replace(base, **(overrides or {}))
    return check_policy(policy, "policy")
