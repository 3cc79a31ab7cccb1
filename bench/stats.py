"""Percentiles, and how far a run's chat:skeleton ratio could move if the same rounds were run again.

A p99 is a run's few slowest turns: of 780 turns it is about the 8th slowest. Which turns those are
depends on how a round's bursts happen to line up, so from one run to the next the skeleton's own p99
moved from 68 to 133 ms on the same code in one day's runs. `ratio_interval` puts a figure on that:
it redraws whole rounds (a chat round and the skeleton round run right after it, as a pair) with
replacement, pools their turns as the report does, and gives the middle `level` of the ratios found.
Rounds are the unit because turns of one round share its bursts and its moment of the machine's drift;
redrawing single turns would pretend they were independent and give too narrow an interval.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

RESAMPLES = 2000
LEVEL = 0.90
PERCENTILES = {"p50": 50.0, "p90": 90.0, "p99": 99.0}


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """p50, p90, p99 (linear interpolation between closest ranks) and the maximum."""
    if len(values) < 2:
        v = values[0] if values else float("nan")
        return {"p50": v, "p90": v, "p99": v, "max": v}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p90": cuts[89], "p99": cuts[98], "max": max(values)}


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    rounds: int
    resamples: int
    level: float

    def __str__(self) -> str:
        return f"{self.low:.2f}-{self.high:.2f}"


def ratio_interval(
    chat_rounds: Sequence[Sequence[float]],
    skeleton_rounds: Sequence[Sequence[float]],
    which: str,
    *,
    resamples: int = RESAMPLES,
    level: float = LEVEL,
    seed: int = 0,
) -> Interval:
    """Bootstrap interval of pooled-chat `which` / pooled-skeleton `which` (p50, p90 or p99), by round pairs.

    Deterministic for given latencies (fixed seed), so a report can be reproduced from its data.
    """
    if len(chat_rounds) != len(skeleton_rounds) or not chat_rounds:
        raise ValueError("one skeleton round per chat round, at least one")
    if not 0 < level < 1 or resamples < 1:
        raise ValueError("level must be in (0, 1) and resamples >= 1")
    q = PERCENTILES[which]
    chats = [np.asarray(r, dtype=float) for r in chat_rounds]
    skeletons = [np.asarray(r, dtype=float) for r in skeleton_rounds]
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(chats), size=(resamples, len(chats)))
    ratios = np.empty(resamples)
    for i, pick in enumerate(picks):
        chat = np.percentile(np.concatenate([chats[j] for j in pick]), q)
        skeleton = np.percentile(np.concatenate([skeletons[j] for j in pick]), q)
        ratios[i] = chat / skeleton
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(ratios, [tail, 100 - tail])
    return Interval(float(low), float(high), len(chats), resamples, level)
