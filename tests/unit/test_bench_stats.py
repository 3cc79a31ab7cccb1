"""The chat benchmark's statistics: percentiles and the round-level bootstrap interval of the ratio."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bench.stats import percentiles, ratio_interval


def rounds(seed: int, count: int, scale: float = 1.0, size: int = 260) -> list[list[float]]:
    rng = random.Random(seed)
    return [[scale * rng.lognormvariate(3.4, 0.5) for _ in range(size)] for _ in range(count)]


def test_percentiles_match_numpy_linear_interpolation() -> None:
    values = [v for r in rounds(1, 3) for v in r]
    p = percentiles(values)
    expected = np.percentile(values, [50, 90, 99])
    assert [p["p50"], p["p90"], p["p99"]] == pytest.approx(list(expected))
    assert p["max"] == max(values)


def test_percentiles_of_one_or_no_value() -> None:
    assert percentiles([7.0]) == {"p50": 7.0, "p90": 7.0, "p99": 7.0, "max": 7.0}
    assert np.isnan(percentiles([])["p99"])


def test_same_latencies_on_both_sides_give_exactly_one() -> None:
    same = rounds(2, 5)
    interval = ratio_interval(same, same, "p99", resamples=200)
    assert (interval.low, interval.high) == (1.0, 1.0)


def test_a_chat_twice_as_slow_gives_exactly_two() -> None:
    skeleton = rounds(3, 4)
    chat = [[2 * v for v in r] for r in skeleton]
    interval = ratio_interval(chat, skeleton, "p50", resamples=200)
    assert interval.low == pytest.approx(2.0)
    assert interval.high == pytest.approx(2.0)


def test_the_interval_holds_the_pooled_ratio_and_narrows_with_more_rounds() -> None:
    chat, skeleton = rounds(4, 30, scale=1.1), rounds(5, 30)
    pooled = percentiles([v for r in chat for v in r])["p99"] / percentiles([v for r in skeleton for v in r])["p99"]
    wide = ratio_interval(chat[:3], skeleton[:3], "p99")
    narrow = ratio_interval(chat, skeleton, "p99")
    assert narrow.low <= pooled <= narrow.high
    assert narrow.high - narrow.low < wide.high - wide.low
    assert (narrow.rounds, narrow.resamples, narrow.level) == (30, 2000, 0.90)
    assert str(narrow) == f"{narrow.low:.2f}-{narrow.high:.2f}"


def test_the_interval_is_reproducible() -> None:
    chat, skeleton = rounds(6, 6), rounds(7, 6)
    assert ratio_interval(chat, skeleton, "p99") == ratio_interval(chat, skeleton, "p99")


def test_unpaired_rounds_are_refused() -> None:
    with pytest.raises(ValueError, match="one skeleton round per chat round"):
        ratio_interval(rounds(8, 3), rounds(9, 2), "p99")
    with pytest.raises(ValueError, match="one skeleton round per chat round"):
        ratio_interval([], [], "p99")
    with pytest.raises(ValueError, match="level"):
        ratio_interval(rounds(8, 2), rounds(9, 2), "p99", level=1.0)
