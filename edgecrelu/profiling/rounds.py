"""Paired, randomised timing rounds that stop when the question is decided (README "How the verdict
is measured").

One *sequence* per (backend, batch): a reference cell (the policy's baseline where it is in the
group), the candidates (every other cell, cells whose files are byte-identical timed once), and an
A/A control (the reference's file in a second session, timed like a candidate). Fresh worker
processes (``roundworker.py``) run ``rounds_per_worker`` rounds each, one worker at a time. A round
is a lead-in block (discarded: whatever starting a round costs lands there), then the reference and
the candidates in a seeded random order with the reference between every two of them::

    [lead-in] R c3 R c1 R c2 R

so each candidate block has a reference block on either side (linear drift cancels). A worker's
*unit* for a candidate is the mean over its rounds of ``log(candidate block) - mean(log(neighbours))``
(block medians for p50, block means for throughput); the workers are the replicates, and
:mod:`edgecrelu.sequential` turns them into anytime-valid intervals. After every worker the run
drops the forms shown slower than another form of the same cell, and stops once the verdict's
latency question is decided (at least ``min_workers`` workers) or the time budget is spent.

Everything a worker measured is appended to ``RESULTS/rounds/<group>.jsonl`` (seed, orders, block
times, per-call samples), so ``--resume`` continues the same sequence.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgecrelu import sequential
from edgecrelu.errors import EdgeCReLUError

logger = logging.getLogger(__name__)

AA = "aa"  # the A/A control's key: the reference's file in a second session
STATS = ("p50", "mean")  # per-round statistics from block medians / block means


@dataclass(frozen=True)
class RoundSettings:
    budget_s: float = 90.0  # wall-clock seconds for the rounds of all groups
    block_s: float = 0.01  # target seconds of one block of calls
    rounds_per_worker: int = 4  # rounds in one worker process (the replicate)
    min_workers: int = 5  # no stop before this many workers per group
    warmup_s: float = 0.05  # warm-up per session in each worker
    seed: int = 0  # the orders' seed (recorded)


def round_order(rng: np.random.Generator, candidates: list[str], reference: str) -> list[str]:
    """``[lead-in, R, c_a, R, c_b, R, ...]``: candidates in random order, each between two reference blocks."""
    order = [candidates[i] for i in rng.permutation(len(candidates))]
    pool = candidates + [reference]
    seq = [pool[int(rng.integers(len(pool)))], reference]
    for c in order:
        seq += [c, reference]
    return seq


def round_stats(order: list[str], blocks: list, which: int) -> dict:
    """``{candidate: log(block) - mean(log(neighbouring reference blocks))}`` of one round
    (``which``: 0 block median, 1 block mean)."""
    out = {}
    for i in range(2, len(order) - 1, 2):
        left, mid, right = blocks[i - 1][which], blocks[i][which], blocks[i + 1][which]
        out[order[i]] = math.log(mid) - 0.5 * (math.log(left) + math.log(right))
    return out


def worker_units(orders: list, rounds: list, samples: dict, reference: str) -> dict:
    """``{stat: {candidate: unit}}`` of one worker: the mean round statistic per candidate for
    ``p50`` / ``mean``, and for ``p99`` the log ratio of the worker's pooled per-call p99s."""
    units: dict = {}
    for which, stat in enumerate(STATS):
        acc: dict = {}
        for order, blocks in zip(orders, rounds, strict=False):
            for k, v in round_stats(order, blocks, which).items():
                acc.setdefault(k, []).append(v)
        units[stat] = {k: float(np.mean(v)) for k, v in acc.items()}
    ref = samples.get(reference) or []
    units["p99"] = {}
    if ref:
        ref99 = float(np.percentile(ref, 99))
        for k in units["p50"]:
            if samples.get(k):
                units["p99"][k] = math.log(float(np.percentile(samples[k], 99))) - math.log(ref99)
    return units


@dataclass
class Group:
    """One sequence: the cells of one backend and batch."""

    name: str  # "<backend>.b<batch>"
    reference: str  # key of the reference cell
    cells: dict  # key -> Cell (the candidates and the reference; aliases excluded)
    aliases: dict  # key of a cell whose file is identical to another's -> that cell's key
    workers: list = field(default_factory=list)  # per worker: {"units", "rounds", "samples_ms"}
    dropped: dict = field(default_factory=dict)  # key -> why (shown slower than another form)
    stop: dict | None = None  # {"reason", "verdict", ...} once stopped

    @property
    def candidates(self) -> list[str]:
        return [k for k in self.cells if k != self.reference] + [AA]

    @property
    def active(self) -> list[str]:
        return [k for k in self.candidates if k not in self.dropped]

    @property
    def rounds(self) -> int:
        return sum(w["rounds"] for w in self.workers)

    def units(self, stat: str, key: str) -> dict:
        """``{worker: unit}`` of ``key`` (the reference: 0 in every worker)."""
        key = self.aliases.get(key, key)
        out = {}
        for i, w in enumerate(self.workers):
            if key == self.reference:
                out[i] = 0.0
            elif key in w["units"][stat]:
                out[i] = w["units"][stat][key]
        return out

    def contrast(self, stat: str, a: str, b: str, alpha: float) -> sequential.Interval:
        """Interval on log(latency a / latency b)."""
        return sequential.interval(sequential.contrast_units(self.units(stat, a), self.units(stat, b)), alpha)

    def samples(self, key: str) -> np.ndarray:
        key = self.aliases.get(key, key)
        parts = [w["samples_ms"].get(key) or [] for w in self.workers]
        return np.asarray([s for p in parts for s in p], dtype=np.float64)


def group_cells(cells: list, reference_of: Callable, same_file: Callable) -> list[Group]:
    """The sequences of a run: one per (backend, batch), with its reference and file aliases."""
    out = []
    for backend, batch in sorted({(c.backend, c.batch) for c in cells}):
        members = sorted(c for c in cells if c.backend == backend and c.batch == batch)
        ref = reference_of(members)
        keyed: dict[str, object] = {}  # key -> Cell
        aliases: dict[str, str] = {}
        files: dict[object, str] = {}  # a file's identity -> the key of the first cell with it
        for c in [ref] + [m for m in members if m != ref]:
            f = same_file(c)
            if f is not None and f in files:
                aliases[c.key] = files[f]
                continue
            if f is not None:
                files[f] = c.key
            keyed[c.key] = c
        out.append(Group(f"{backend}.b{batch}", ref.key, keyed, aliases))
    return out


class Rounds:
    """Runs the groups' workers until every group is decided or the budget is spent."""

    def __init__(self, groups: list[Group], settings: RoundSettings, out: Path, start_worker: Callable,
                 judge: Callable):
        self.groups = groups
        self.settings = settings
        self.dir = Path(out) / "rounds"
        self.start_worker = start_worker  # (group, orders, index) -> worker result dict
        self.judge = judge  # (group) -> (decided verdict or None, {key: why dropped}) after each worker
        self.elapsed_s = 0.0
        self.sequence_id: str | None = None  # one id for the whole sequence, kept across --resume

    def sequence(self) -> str:
        """The sequence's id: records carrying it were timed in the same rounds (they pair)."""
        if self.sequence_id is None:
            import uuid

            p = self.dir / "sequence"
            if p.is_file():
                self.sequence_id = p.read_text().strip()
            else:
                self.sequence_id = f"{uuid.uuid4().hex[:12]}-seed{self.settings.seed}"
                self.dir.mkdir(parents=True, exist_ok=True)
                p.write_text(self.sequence_id + "\n")
        return self.sequence_id

    def _file(self, g: Group) -> Path:
        return self.dir / f"{g.name}.jsonl"

    def load(self) -> None:
        """Take up the workers a previous run of this sequence recorded (``--resume``)."""
        for g in self.groups:
            p = self._file(g)
            if not p.is_file():
                continue
            for line in p.read_text().splitlines():
                try:
                    w = json.loads(line)
                except ValueError:
                    continue  # a line cut by an interrupt: that worker is run again
                if w.get("kind") == "worker" and w.get("seed") == self.settings.seed:
                    g.workers.append(w)
                elif w.get("kind") == "elapsed":
                    self.elapsed_s = max(self.elapsed_s, float(w.get("elapsed_s", 0.0)))
            if g.workers:
                logger.info(f"  {g.name}: resuming the sequence after {len(g.workers)} worker(s), {g.rounds} round(s)")

    def _append(self, g: Group, entry: dict) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self._file(g), "a") as f:
            f.write(json.dumps(entry) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def _one_worker(self, g: Group) -> None:
        index = len(g.workers)
        rng = np.random.default_rng([self.settings.seed, index, sum(map(ord, g.name))])
        active = g.active
        orders = [round_order(rng, active, g.reference) for _ in range(self.settings.rounds_per_worker)]
        res = self.start_worker(g, orders, index)
        units = worker_units(orders, res["rounds"], res["samples_ms"], g.reference)
        w = {"kind": "worker", "index": index, "seed": self.settings.seed, "rounds": len(orders), "orders": orders,
             "blocks": res["rounds"], "reps": res["reps"], "units": units, "samples_ms": res["samples_ms"]}
        self._append(g, w)
        g.workers.append(w)

    def run(self) -> None:
        s = self.settings
        self.sequence()
        t0 = time.monotonic() - self.elapsed_s
        for g in self.groups:
            self._judge(g)
        while True:
            open_groups = [g for g in self.groups if g.stop is None]
            if not open_groups:
                break
            elapsed = time.monotonic() - t0
            if elapsed >= s.budget_s:
                for g in open_groups:
                    g.stop = {"reason": "budget", "verdict": None, "round": g.rounds, "workers": len(g.workers),
                              "elapsed_s": round(elapsed, 1), "budget_s": s.budget_s}
                break
            for g in open_groups:
                if g.workers and g is not open_groups[0] and time.monotonic() - t0 >= s.budget_s:
                    break  # one worker per group per pass, and none started past the budget (but every group gets one)
                self._one_worker(g)
                self._judge(g, time.monotonic() - t0)
            self.elapsed_s = time.monotonic() - t0
            for g in open_groups:
                self._append(g, {"kind": "elapsed", "elapsed_s": self.elapsed_s})

    def _judge(self, g: Group, elapsed: float | None = None) -> None:
        if not g.workers:
            return
        verdict, drops = self.judge(g)
        for k, why in drops.items():
            if k not in g.dropped:
                g.dropped[k] = f"{why} (after round {g.rounds})"
                logger.info(f"  {g.name}: dropped {k}: {why}")
        n = len(g.workers)
        spent = self.elapsed_s if elapsed is None else elapsed
        logger.info(f"  {g.name}: worker {n}, round {g.rounds}, {spent:.0f} s of {self.settings.budget_s:g} s: "
                    + (f"decided ({verdict})" if verdict and n >= self.settings.min_workers else "undecided"))
        if verdict and n >= self.settings.min_workers:
            g.stop = {"reason": "decided", "verdict": verdict, "round": g.rounds, "workers": n,
                      "elapsed_s": round(spent, 1), "budget_s": self.settings.budget_s}


def check_settings(s: RoundSettings) -> RoundSettings:
    if s.budget_s <= 0:
        raise EdgeCReLUError(f"--budget must be > 0 seconds, got {s.budget_s:g}")
    if s.rounds_per_worker < 1 or s.min_workers < sequential.MIN_WORKERS:
        raise EdgeCReLUError(f"rounds per worker must be >= 1 and min workers >= {sequential.MIN_WORKERS}")
    return s
