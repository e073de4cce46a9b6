"""A simulated timing machine for the paired rounds (a test double: replayed noise, not a backend).

Block times are ``exp(true effect + noise + adversaries)``: the noise is a trace of real block times
recorded once from a real A/A profile run on a 2-vCPU VM (``tests/fixtures/aa_block_noise.json``), replayed
from a random point so its drift and bursts stay as they were; the adversaries are a slow drift, bursts
of x1.2-2 over several blocks, a penalty for whichever block runs first in a round, and a per-worker
offset of every cell (the memory layout of one process). The production code does the rest:
``rounds.round_order`` / ``worker_units`` and ``edgecrelu.sequential``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgecrelu import sequential
from edgecrelu.profiling.rounds import round_order, worker_units

_FIX = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "aa_block_noise.json").read_text())
NOISE = np.concatenate([np.asarray(w, dtype=float) for w in _FIX["workers"]])
SECONDS_PER_WORKER = float(_FIX["seconds_per_worker"])  # the A/A run's: one candidate, 4 rounds
REF = "relu"


@dataclass(frozen=True)
class Machine:
    drift_per_worker: float = 0.002  # slow drift of everything, log units per worker
    burst_p: float = 0.02  # chance a burst starts at a block
    burst_len: tuple = (3, 12)  # blocks a burst lasts
    burst_factor: tuple = (1.2, 2.0)
    first_penalty: float = math.log(1.02)  # whichever block runs first in a round
    worker_sd: float = 0.015  # per-worker offset of each cell (log units)


def draw_layout(rng, candidates: list, machine: Machine) -> dict:
    return {k: rng.normal(0, machine.worker_sd) for k in candidates + [REF]}


def simulate_worker(rng, truth: dict, candidates: list, machine: Machine, index: int, rounds: int = 4,
                    randomise: bool = True, offset: dict | None = None) -> dict:
    """One worker's units (``{stat: {candidate: unit}}``); ``randomise=False`` is the naive design:
    a fixed order ``R c1 R c2 ... R`` with no lead-in block. ``offset``: the process's layout (drawn
    afresh when None, as for a new worker process)."""
    offset = draw_layout(rng, candidates, machine) if offset is None else offset
    t = int(rng.integers(len(NOISE)))
    burst_left, burst = 0, 0.0
    orders, blocks = [], []
    for _ in range(rounds):
        if randomise:
            order = round_order(rng, candidates, REF)
        else:
            order = [candidates[0], REF]  # the first candidate stands in the lead-in's place, every round
            for c in candidates:
                order += [c, REF]
        row = []
        for pos, k in enumerate(order):
            if burst_left == 0 and rng.random() < machine.burst_p:
                burst_left = int(rng.integers(*machine.burst_len))
                burst = math.log(rng.uniform(*machine.burst_factor))
            x = truth.get(k, 0.0) + NOISE[t % len(NOISE)] + offset[k] + machine.drift_per_worker * index
            if burst_left:
                x += burst
                burst_left -= 1
            if pos == (0 if randomise else 1):  # the first block a naive fixed order uses is its reference
                x += machine.first_penalty
            t += 1
            v = math.exp(x)
            row.append([v, v])
        orders.append(order)
        blocks.append(row)
    return worker_units(orders, blocks, {}, REF)


def run(rng, truth: dict, candidates: list, machine: Machine, max_workers: int, stop, single_worker=False,
        randomise=True, rounds: int = 4):
    """Workers until ``stop(units_by_candidate, n)`` returns a word or ``max_workers`` is reached;
    ``single_worker``: every round in one process (one layout), its rounds taken as the replicates."""
    units: dict = {c: {} for c in candidates}
    layout = draw_layout(rng, candidates, machine) if single_worker else None
    for i in range(max_workers):
        # single_worker: one process, so one layout for every round, each round taken as a replicate
        u = simulate_worker(rng, truth, candidates, machine, i, rounds=1 if single_worker else rounds,
                            randomise=randomise, offset=layout)
        for c in candidates:
            units[c][i] = u["p50"][c]
        word = stop(units, i + 1)
        if word:
            return word, units
    return None, units


def interval_stop(alpha: float, a: str, b: str | None = None):
    """Stop at the first look where the interval of a vs b (b: the reference) excludes 0."""
    def stop(units, n):
        ub = units[b] if b else {w: 0.0 for w in units[a]}
        iv = sequential.interval(sequential.contrast_units(units[a], ub), alpha)
        return "different" if iv.lo > 0 or iv.hi < 0 else None
    return stop
