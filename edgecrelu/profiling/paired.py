"""The profile run's paired rounds: which cells, which reference, when to stop, what each record gets.

``rounds.py`` schedules the workers; this module ties them to a profile run: the reference of each
group is the policy's baseline cell (relu, fp32, graph) where the group has it, byte-identical
files are timed once, the stop rule is the verdict's own (:func:`edgecrelu.sequential.status` over
the cells not shown to break the policy's constraints), and every record gets a ``paired`` block
(docs/contracts.md) from which the report recomputes the same intervals.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from edgecrelu import sequential, stats
from edgecrelu.backends.base import find_artifact
from edgecrelu.distribution import summarize
from edgecrelu.fileio import atomic_write_json
from edgecrelu.profiling.launch import CellFailed, run_worker, with_timeout
from edgecrelu.profiling.rounds import AA, Group, Rounds, RoundSettings, group_cells
from edgecrelu.results import Cell
from edgecrelu.variant import split_name

if TYPE_CHECKING:
    from edgecrelu.profiling.session import Session

logger = logging.getLogger(__name__)

TAIL_SHARE = 0.02  # the largest 2 % of per-call latencies are kept in the record for percentile budgets
CRELU_KINDS = ("crelu", "crelu-half")


def _kind(cell) -> str:
    return split_name(cell.variant)[0]


class RoundsPlan:
    def __init__(self, session: Session, cells: list[Cell], state: dict[Cell, dict[int, dict[str, Any]]],
                 accuracy: dict[Cell, tuple[dict[str, Any] | None, str | None]], settings: RoundSettings):
        self.s = session
        self.policy = session.profile.decision
        self.objective = self.policy.objective
        self.stat = sequential.stat_for(self.objective)
        self.state = state
        self.accuracy = accuracy
        self.settings = settings
        self.cells = {c.key: c for c in cells}
        self.groups = group_cells(cells, self._reference_of, self._same_file) if cells else []
        self.alpha = {}
        for g in self.groups:
            n_c = sum(1 for c in g.cells.values() if _kind(c) in CRELU_KINDS)
            n_r = sum(1 for c in g.cells.values() if _kind(c) not in CRELU_KINDS)
            self.alpha[g.name] = sequential.family_alpha(n_c, n_r)
        self.rounds = Rounds(self.groups, settings, session.out, self._start_worker, self._judge)
        self._acc_status = {c: self._accuracy_status(c) for c in cells}

    # -- the groups ---------------------------------------------------------------------------
    def _reference_of(self, members: list):
        p = self.policy
        for want in ((p.baseline_variant, p.baseline_form, p.baseline_precision), ("relu", "graph", "fp32")):
            hit = [c for c in members if (c.variant, c.form, c.precision) == want]
            if hit:
                return hit[0]
        relu = [c for c in members if _kind(c) == "relu"]
        return (relu or members)[0]

    def _same_file(self, cell) -> str | None:
        art = find_artifact(self.s.bundle, cell)
        return None if art is None else f"{cell.precision}:{art.sha256}"

    def decisive(self) -> Group | None:
        """The group the verdict's objective is judged in: batch 1 for latency (the smallest batch
        where there is none), the largest batch for throughput; None for memory and energy."""
        if not self.groups or self.objective in ("memory", "energy"):
            return None
        key = (lambda g: -int(g.name.rsplit(".b", 1)[1])) if self.objective == "throughput" else \
            (lambda g: int(g.name.rsplit(".b", 1)[1]))
        return min(self.groups, key=key)

    # -- workers ------------------------------------------------------------------------------
    def _start_worker(self, g: Group, orders: list, index: int) -> dict:
        from edgecrelu.profiling import roundworker

        d = self.s.store.root / "rounds" / g.name
        d.mkdir(parents=True, exist_ok=True)
        batch = next(iter(g.cells.values())).batch
        cells = {k: c.to_dict() for k, c in g.cells.items()}
        cells[AA] = g.cells[g.reference].to_dict()
        task = {"bundle": str(self.s.bundle.root), "manifest_sha256": self.s.store.manifest_sha,
                "profile": self.s.store.profile_dict,
                "profile_path": self.s.profile.path, "cells": cells, "rounds": orders,
                "input": self.s.store.input_path(batch, lambda: self.s.eval_set()[0]),
                "block_s": self.settings.block_s, "warmup_s": self.settings.warmup_s,
                "trial": f"-rounds-w{index}", "out": str(d / f"w{index}.out")}
        if self.s.config.isolation == "none":
            return roundworker.run_rounds(task, bundle=self.s.bundle, profile=self.s.profile)
        try:
            # its planned work: every round's blocks, and a warm-up per session
            planned = len(orders) * len(orders[0]) * self.settings.block_s + len(cells) * self.settings.warmup_s
            return run_worker(with_timeout(task, planned), module="edgecrelu.profiling.roundworker")
        except CellFailed as exc:
            from edgecrelu.errors import EdgeCReLUError

            raise EdgeCReLUError(f"timing worker {index} of {g.name} failed: {exc}") from None

    # -- the stop rule ------------------------------------------------------------------------
    def _accuracy_status(self, cell) -> str:
        base = self._reference_of([c for c in self.cells.values() if c.batch == cell.batch] or [cell])
        if base == cell or _kind(base) != "relu":
            return "pass"
        a, b = (self.accuracy.get(base) or (None,))[0], (self.accuracy.get(cell) or (None,))[0]
        if not a or not b:
            return "unclear"
        ds = {"dataset_sha256": self.s.bundle.manifest.get("dataset", {}).get("sha256")}
        ci = stats.accuracy_interval({"accuracy": a, "bundle": ds}, {"accuracy": b, "bundle": ds})
        return stats.non_inferiority(ci, self.policy.max_accuracy_drop)

    def constraint_status(self, g: Group, key: str) -> str:
        """``"met"``, ``"broken"`` or ``"unclear"`` over accuracy, peak memory and the p99 budget."""
        cell = g.cells[key]
        states = [self._acc_status.get(cell, "unclear")]
        states = ["met" if s == "pass" else "broken" if s == "fail" else s for s in states]
        peak = (self.state[cell][0].get("peak_rss_bytes") or 0) / 2**20
        if self.policy.memory_budget_mb is not None and peak > self.policy.memory_budget_mb:
            states.append("broken")
        if self.policy.latency_budget_p99_ms is not None and cell.batch == 1:
            x = g.samples(key)
            states.append(sequential.budget_counts(int(np.sum(x > self.policy.latency_budget_p99_ms)), len(x))[0])
        return "broken" if "broken" in states else "unclear" if "unclear" in states else "met"

    def _judge(self, g: Group):
        alpha = self.alpha[g.name][0]
        drops = self._drops(g, alpha)
        dec = self.decisive()
        if dec is None or not any(_kind(c) in CRELU_KINDS for c in dec.cells.values()):
            return "timed", drops  # nothing for the rounds to decide: they stop at min_workers
        if g is not dec:
            return (dec.stop or {}).get("verdict"), drops
        return self.verdict(g, alpha, exclude=set(g.dropped) | set(drops)), drops

    def verdict(self, g: Group, alpha: float, exclude: Collection[str] = ()) -> str | None:
        status = {k: self.constraint_status(g, k) for k in g.cells}
        crelu = [k for k, c in g.cells.items() if _kind(c) in CRELU_KINDS and k not in exclude]
        relu = [k for k, c in g.cells.items() if _kind(c) not in CRELU_KINDS]
        iv = {(c, r): g.contrast(self.stat, c, r, alpha) for c in crelu for r in relu}
        return sequential.status(
            iv, crelu_met=[c for c in crelu if status[c] == "met"], crelu_open=[c for c in crelu if status[c] != "broken"],
            relu_open=[r for r in relu if status[r] != "broken"], relu_met=[r for r in relu if status[r] == "met"],
            threshold=sequential.gain_threshold(self.objective, self.policy.min_gain))

    def _drops(self, g: Group, alpha: float) -> dict:
        """Cells the verdict no longer needs: CReLU forms shown slower than another form of the same
        variant and precision, and cells shown to break a constraint (they can be neither shipped nor
        the ReLU configuration to beat). Their numbers stay as measured so far."""
        out = {}
        for k in g.cells:
            if k != g.reference and k not in g.dropped and self.constraint_status(g, k) == "broken":
                out[k] = "shown to break a constraint of the policy"
        by_cfg: dict = {}
        for k, c in g.cells.items():
            if _kind(c) in CRELU_KINDS and k not in g.dropped:
                by_cfg.setdefault((c.variant, c.precision), []).append(k)
        for keys in by_cfg.values():
            for k in keys:
                for other in keys:
                    if k not in out and other != k and g.contrast(self.stat, k, other, alpha).lo > 0:
                        out[k] = f"shown slower than {g.cells[other].form}"
                        break
        return out

    def run(self) -> None:
        if not self.groups:
            return
        if self.s.config.resume:
            self.rounds.load()
        else:
            import shutil

            shutil.rmtree(self.rounds.dir, ignore_errors=True)  # another run's sequence: never mixed in
        self.rounds.run()
        for g in self.groups:
            aa = g.contrast(self.stat, AA, g.reference, self.alpha[g.name][0])
            valid = not (aa.lo > 0 or aa.hi < 0)
            aa_record = {"stat": self.stat, "ratio": aa.ratio, "lo": aa.ratio_lo, "hi": aa.ratio_hi, "workers": aa.n,
                         "valid": valid}
            stop = g.stop or {}
            said = logger.info if valid else logger.warning
            said(f"  {g.name}: {stop.get('reason', '?')} after {stop.get('workers')} workers, "
                 f"{stop.get('round')} rounds, {stop.get('elapsed_s')} s of {stop.get('budget_s')} s; "
                 f"A/A ratio {aa.ratio:.3f} [{aa.ratio_lo:.3f}-{aa.ratio_hi:.3f}]"
                 + ("" if valid else " EXCLUDES 1: this run's timing is not trustworthy"))
            atomic_write_json(Path(self.s.out) / "rounds" / f"{g.name}.summary.json.txt",
                              {"stop": g.stop, "aa": aa_record, "dropped": g.dropped, "alpha": self.alpha[g.name][0],
                               "family": self.alpha[g.name][1], "seed": self.settings.seed})

    # -- records ------------------------------------------------------------------------------
    def group_of(self, cell: Cell) -> Group | None:
        return next((g for g in self.groups if cell.key in g.cells or cell.key in g.aliases), None)

    def apply(self, rec: dict[str, Any], cell: Cell) -> None:
        """Latency from the rounds' per-call samples, and the ``paired`` block."""
        g = self.group_of(cell)
        if g is None or not g.workers:
            return
        key = g.aliases.get(cell.key, cell.key)
        x = g.samples(key)
        if len(x) == 0:
            return
        rec["latency_ms"] = summarize(x)
        rec["throughput_ips"] = cell.batch * 1000.0 / rec["latency_ms"]["mean"]
        per_worker = []
        for i, w in enumerate(g.workers):
            s = w["samples_ms"].get(key)
            if s:
                sm = summarize(s)
                per_worker.append({"trial": i, "n": sm["n"], "p50": sm["p50"], "p99": sm["p99"], "mean": sm["mean"],
                                   "cov": sm["cov"], "wall_s": None})
        rec["trials"] = per_worker
        rec["warnings"] = [w for w in rec["warnings"] if not w.startswith(("latency CoV", "p50 drifted"))]
        alpha, family = self.alpha[g.name]
        tail_n = max(1, int(math.ceil(TAIL_SHARE * len(x))) + 1)
        units = {stat: {str(i): v for i, v in g.units(stat, key).items()} for stat in ("p50", "mean", "p99")}
        rec["paired"] = {
            "method": "paired randomised rounds; anytime-valid t-mixture interval over worker processes",
            "sequence": self.rounds.sequence(),
            "group": g.name, "reference": g.reference, "same_file_as": g.aliases.get(cell.key),
            "seed": self.settings.seed, "alpha_family": sequential.ALPHA, "alpha": alpha, "family": family,
            "objective_stat": self.stat, "units": units, "workers": len(units[self.stat]) or len(units["p50"]),
            "rounds": sum(w["rounds"] for w in g.workers if key == g.reference or key in w["units"]["p50"]),
            "dropped": g.dropped.get(key), "stop": g.stop, "aa": getattr(g, "aa", None),
            "block_ms": self.settings.block_s * 1000, "rounds_per_worker": self.settings.rounds_per_worker,
            "tail_ms": sorted(np.sort(x)[-tail_n:].round(6).tolist()), "calls": int(len(x)),
        }
