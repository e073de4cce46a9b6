"""The form chosen for each CReLU cell per backend, precision and batch, with its runner-up, the
margin and every form's p50 (the trade-off table shows the chosen form only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from edgecrelu.report import fmt
from edgecrelu.report.blocks import BulletList, Column, Heading, Table
from edgecrelu.report.formchoice import forms_summary

if TYPE_CHECKING:
    from edgecrelu.report.blocks import Block
    from edgecrelu.report.model import Report, SectionReport

NONE = "no timed CReLU cells"


def _every_form(f) -> str:
    """Every timed form of the cell, fastest first, with why a faster one was passed over."""
    why = {**{x: " (not exact)" for x in f.inexact}, **{x: " (breaks the policy)" for x in f.broken}}
    return " · ".join(f"{form} {fmt.ms(p50)}{why.get(form, '')}" for form, p50 in f.measured)


def _significant(f) -> str:
    return ("yes" if f.significant else "no (tie)") if f.runner_up else "—"


def table(sr: SectionReport) -> Table:
    """One row per CReLU cell's form choice; a batch column where several batches were profiled."""
    forms = sr.verdict.forms
    spec = [(Column("backend", text=True), lambda f: f.backend), (Column("variant", text=True), lambda f: f.variant),
            (Column("precision", text=True), lambda f: f.precision)]
    if len({f.batch for f in forms}) > 1:
        spec.append((Column("batch"), lambda f: str(f.batch)))
    spec += [(Column("chosen form", text=True), lambda f: f.form), (Column("p50 ms"), lambda f: fmt.ms(f.p50)),
             (Column("runner-up", text=True), lambda f: f.runner_up or "—"),
             (Column("p50 ms"), lambda f: fmt.ms(f.runner_up_p50)),
             (Column("margin"), lambda f: "—" if f.margin is None else f"{f.margin * 100:+.1f}%"),
             (Column("significant", text=True), _significant),
             (Column("every form, p50 ms", text=True), _every_form)]
    return Table.of(forms, spec)


def blocks(sr: SectionReport, report: Report) -> list[Block]:
    out: list[Block] = [Heading("Recommended CReLU form per backend"), BulletList(forms_summary(sr.verdict.forms) or [NONE])]
    return out + [table(sr)] if sr.verdict.forms else out
