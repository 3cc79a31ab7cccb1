"""The ID-photo check against generated, labelled photos: a tuning set (seed 1) and a held-out set (seed 2).

The check was tuned on seed 1 (and looked at on seeds 3 to 6); seed 2 was only scored. Each set has
20 good photos and 10 of each bad class. The sets are drawn once and kept in pytest's cache (keyed
by the generator's source). The confusion table is printed (`-s` shows it) and also by
`python -m tests.support.id_cards --table --seed N`.
"""

from __future__ import annotations

from collections import Counter

import pytest

from domain.id_photo import check_id_photo
from tests.support.id_cards import CLASSES, Sample, cached_set, confusion, correct_share, format_table

TUNING_SEED = 1
HELD_OUT_SEED = 2
GOOD_FLOOR = 0.95
CLASS_FLOOR = 0.80  # per set of 10 (one miss is 10 %): a regression guard, not the figure
POOLED_CLASS_FLOOR = 0.90  # per class over both sets (20 photos): the 90 %
# The floors hold on larger sets too (README): 5 tuning seeds (1, 3-6) and 6 held-out ones (2, 7-11),
# every class at 90 % or more. Those take minutes to generate, so the suite keeps to seeds 1 and 2.


@pytest.fixture(scope="module")
def tables(request: pytest.FixtureRequest) -> dict[int, dict[str, Counter[str]]]:
    cache = getattr(request.config, "cache", None)  # absent under -p no:cacheprovider: the sets are drawn anew
    cache_dir = cache.mkdir("id-cards") if cache is not None else None
    out: dict[int, dict[str, Counter[str]]] = {}
    for seed in (TUNING_SEED, HELD_OUT_SEED):
        samples: tuple[Sample, ...] = cached_set(cache_dir, seed)
        out[seed] = confusion(samples, check_id_photo)
    return out


@pytest.mark.parametrize("seed", [TUNING_SEED, HELD_OUT_SEED], ids=["tuning", "held-out"])
def test_floors(tables: dict[int, dict[str, Counter[str]]], seed: int) -> None:
    table = tables[seed]
    print(f"\nID photo check, seed {seed} (rows: generated class; columns: main reason)")  # noqa: T201
    print(format_table(table))  # noqa: T201
    assert sum(table["good"].values()) == 20
    assert correct_share(table, "good") >= GOOD_FLOOR
    bad = [c for c in CLASSES if c != "good"]
    for label in bad:
        assert sum(table[label].values()) == 10
        assert correct_share(table, label) >= CLASS_FLOOR, label
    overall = sum(correct_share(table, c) for c in bad) / len(bad)
    assert overall >= 0.9
    rejected = sum(table[c]["accepted"] == 0 for c in bad)
    assert rejected == len(bad), "a bad photo was accepted"


def test_every_bad_class_is_caught_with_its_reason_over_both_sets(tables: dict[int, dict[str, Counter[str]]]) -> None:
    for label in (c for c in CLASSES if c != "good"):
        right = sum(tables[seed][label][label] for seed in (TUNING_SEED, HELD_OUT_SEED))
        total = sum(sum(tables[seed][label].values()) for seed in (TUNING_SEED, HELD_OUT_SEED))
        assert right / total >= POOLED_CLASS_FLOOR, (label, right, total)
