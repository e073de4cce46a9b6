"""From records to the report's content: sections per machine, rows, baseline, verdict, cost."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from edgecrelu import __version__
from edgecrelu.devices import Decision
from edgecrelu.fileio import utc_now
from edgecrelu.report import decision, formchoice, machines
from edgecrelu.report.deployment_cost import Cost, cost_of
from edgecrelu.report.pairing_file import PairingFile, find_pairing
from edgecrelu.report.policy_source import policy_from_record
from edgecrelu.report.rows import (
    Row,
    annotate,
    backend_order,
    find_baseline,
    mark_pareto,
    row_from_record,
    sort_rows,
    table_rows,
)

RECORDS_POLICY = "device profile [decision] table of the records"  # where the policy comes from by default


@dataclass
class SectionReport:
    """Everything the report says about the cells of one machine."""

    section: machines.Section
    policy: Decision
    rows: list[Row]  # sorted: every record's (every form of a CReLU cell)
    baseline: Row
    verdict: decision.Verdict
    costs: list[Cost]  # per configuration at batch 1
    warnings: list[str]
    reproducibility: dict
    pairing: PairingFile | None = None  # the phase-pairing analysis beside the section's bundle

    @property
    def table_rows(self) -> list[Row]:
        """The rows of the trade-off table: a CReLU cell at its chosen form only."""
        return table_rows(self.rows)


@dataclass
class Report:
    sections: list  # SectionReport
    verdict: str  # GO | NO-GO | INCONCLUSIVE over all sections
    sentence: str
    warnings: list = field(default_factory=list)
    policy_source: str = RECORDS_POLICY
    created_utc: str = ""
    edgecrelu_version: str = __version__
    commit: str | None = None


def _commit() -> str | None:
    """The git commit of the edgecrelu checkout, where it is one (read-only, best effort)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def reproducibility(recs: list[dict]) -> dict:
    created = sorted(r.get("created_utc") or "" for r in recs)
    return {
        "environment": recs[0].get("environment") or {},
        "settings": machines.distinct(r.get("settings") for r in recs),
        "bundles": machines.distinct(
            {k: (r.get("bundle") or {}).get(k) for k in ("path", "manifest_sha256", "dataset_sha256", "model")}
            for r in recs
        ),
        "run_ids": machines.distinct(r.get("run_id") for r in recs),
        "created_utc": [created[0], created[-1]] if created else [],
        "edgecrelu_versions": machines.distinct(r.get("edgecrelu_version") for r in recs),
        "device_profile": {k: v for k, v in (recs[0].get("device_profile") or {}).items() if k != "decision"},
    }


def analyze_section(sec: machines.Section, overrides: dict | None, analysis: str | None = None) -> SectionReport:
    policy = policy_from_record(sec.records[0], overrides)
    rows = sort_rows([row_from_record(r) for r in sec.records])
    backends = backend_order(sec.records)
    baseline = find_baseline(rows, policy, backends, sec.label)
    annotate(rows, baseline, policy)
    forms = formchoice.choose_forms(rows)  # after annotate: the choice passes over forms that break a constraint
    mark_pareto(rows)  # over the rows the table shows, so after the choice
    verdict = decision.decide(rows, baseline, policy, forms)
    costs = [
        cost_of(r.label, r.p99, r.mj_per_inference, policy)
        for r in table_rows(rows) if r.batch == 1 and r.p99
    ]
    warns = machines.consistency_warnings(sec)
    for r in rows:
        for w in r.record.get("warnings") or []:
            warns.append(f"{r.label} b{r.batch}: {w}")
    return SectionReport(sec, policy, rows, baseline, verdict, costs, warns, reproducibility(sec.records),
                         find_pairing(sec.records, analysis))


def analyze(records: list[dict], overrides: dict | None = None, policy_source: str | None = None,
            analysis: str | None = None) -> Report:
    secs = [analyze_section(s, overrides, analysis) for s in machines.split_by_machine(records)]
    warns = machines.machine_warnings([s.section for s in secs])
    if len(secs) == 1:
        verdict, sentence = secs[0].verdict.verdict, secs[0].verdict.sentence
    else:
        outcomes = [s.verdict.verdict for s in secs]
        verdict = "NO-GO" if "NO-GO" in outcomes else ("INCONCLUSIVE" if "INCONCLUSIVE" in outcomes else "GO")
        why = {"GO": "GO on every device", "NO-GO": "GO needs every device to say GO",
               "INCONCLUSIVE": "no device says NO-GO, but not every device is decided"}[verdict]
        sentence = f"{verdict} overall ({why}): " + \
            " ".join(f"[{s.section.label}] {s.verdict.sentence}" for s in secs)
    return Report(
        secs, verdict, sentence, warns,
        policy_source=policy_source or RECORDS_POLICY,
        created_utc=utc_now(), commit=_commit(),
    )
