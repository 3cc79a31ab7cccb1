"""SqlRegistry on a temporary SQLite file: seeding, lookups, households, idempotence and the CLI."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from admin.cli import app as admin_app
from registry.matching import Applicant, match_in_registry
from registry.models import Person
from registry.port import Registry
from registry.seed import DEMO_OTHERS, seed_demo, seed_synthetic
from registry.sql import SqlRegistry
from registry.synthetic import generate, my_number

ROOT = Path(__file__).resolve().parents[2]
TARO_BIRTH = date(2001, 2, 3)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'registry.sqlite'}"


@pytest.fixture
def registry(url: str) -> Iterator[SqlRegistry]:
    store = SqlRegistry.from_url(url)
    yield store
    store.close()


@pytest.fixture
def demo(registry: SqlRegistry) -> SqlRegistry:
    seed_demo(registry.engine)
    return registry


def test_sql_registry_implements_the_port(registry: SqlRegistry) -> None:
    port: Registry = registry
    assert port.find_candidates(name_kana=None, birth_date=None, name_kanji=None) == []
    assert port.get_person("P0000001") is None
    assert port.get_household("H000001") is None


def test_demo_finds_the_japanese_chat_answers_exactly(demo: SqlRegistry) -> None:
    answers = Applicant("市川 太郎", "いちかわ　たろう", TARO_BIRTH, "千葉県市川市八幡1-1-1")
    match = match_in_registry(demo, answers)
    assert (match.kind, match.differing) == ("exact", [])
    assert match.person_id is not None and match.household_id is not None
    assert match.registry["address"] == "千葉県市川市八幡1丁目1番1号"
    assert match.candidates >= 2, "Alex Smith shares the birth date"
    assert match.plausible == 1


def test_demo_english_answers_differ_only_by_address(demo: SqlRegistry) -> None:
    answers = Applicant("Alex Smith", "スミス アレックス", TARO_BIRTH, "1-1-1 Yawata, Ichikawa, Chiba")
    match = match_in_registry(demo, answers)
    assert (match.kind, match.differing) == ("partial", ["address"])
    assert match.registry["name_kanji"] == "SMITH ALEX"
    person = demo.get_person(match.person_id or "")
    assert person is not None and person.nationality == "アメリカ合衆国" and person.domicile is None


def test_demo_hanako(demo: SqlRegistry) -> None:
    match = match_in_registry(demo, Applicant("山田　花子", "ヤマダハナコ", date(1985, 4, 12), "市川市市川1-2-3"))
    assert match.kind == "exact"
    person = demo.get_person(match.person_id or "")
    assert person is not None
    assert (person.relationship, person.gender, person.domicile_head) == ("妻", "女", "山田 健一")
    seal = demo.get_seal_registration(person.person_id)
    assert seal is not None and seal.seal_text == "山田"
    taxes = demo.get_tax_records(person.person_id)
    assert [t.fiscal_year for t in taxes] == [2025, 2024] and taxes[0].income_yen == 3_800_000


def test_demo_mistyped_birth_date_is_found_by_name_and_address(demo: SqlRegistry) -> None:
    answers = Applicant("山田 花子", "やまだ はなこ", date(1985, 12, 4), "千葉県市川市市川一丁目二番三号")
    match = match_in_registry(demo, answers)
    assert (match.kind, match.differing, match.registry["birth_date"]) == ("partial", ["birth_date"], "1985-04-12")


def test_household_members_head_first(demo: SqlRegistry) -> None:
    taro = demo.find_candidates(name_kana="イチカワ タロウ", birth_date=None, name_kanji=None)
    assert [p.name_kanji for p in taro] == ["市川 太郎"]
    household = demo.get_household(taro[0].household_id)
    assert household is not None
    assert [(m.name_kanji, m.relationship) for m in household.members] == [
        ("市川 一郎", "世帯主"),
        ("市川 恵子", "妻"),
        ("市川 太郎", "子"),
    ]
    assert household.head is not None and household.head.name_kanji == "市川 一郎"
    assert {m.address for m in household.members} == {household.address}
    assert all(m.domicile_head == "市川 一郎" for m in household.members)


def test_my_number_is_only_given_on_request(demo: SqlRegistry) -> None:
    taro = demo.find_candidates(name_kana="イチカワタロウ", birth_date=None, name_kanji=None)[0]
    assert "my_number" not in repr(taro)
    value = demo.get_my_number(taro.person_id)
    assert value is not None and len(value) == 12 and value.isdigit()
    assert demo.get_my_number("P0000000") is None


def test_synthetic_lookups_find_the_person(registry: SqlRegistry) -> None:
    result = seed_synthetic(registry.engine, 3_000, seed=7)
    assert (result.persons, result.skipped) == (3_000, False)
    assert registry.count_persons("synthetic") == 3_000
    for person_id in ("P0000001", "P0001234", "P0003000"):
        person = registry.get_person(person_id)
        assert person is not None
        by_birth = registry.find_candidates(name_kana=None, birth_date=person.birth_date, name_kanji=None)
        by_kana = registry.find_candidates(name_kana=person.name_kana, birth_date=None, name_kanji=None)
        by_name = registry.find_candidates(name_kana=None, birth_date=None, name_kanji=person.name_kanji)
        by_all = registry.find_candidates(
            name_kana=person.name_kana, birth_date=None, name_kanji=person.name_kanji, address=person.address
        )
        for found in (by_birth, by_kana, by_name, by_all):
            assert person in found and len(found) < 50
        assert len(by_all) <= 2, "reading, name and address together: (almost) only this person"
        answers = Applicant(person.name_kanji, person.name_kana, person.birth_date, person.address)
        match = match_in_registry(registry, answers)
        assert (match.kind, match.person_id) == ("exact", person.person_id)


def test_lookups_use_the_indexes(registry: SqlRegistry) -> None:
    with registry.engine.connect() as conn:
        for table, column in (
            ("person", "birth_date"),
            ("person", "kana_norm"),
            ("person", "name_norm"),
            ("household", "address_norm"),
        ):
            query = f"EXPLAIN QUERY PLAN SELECT id FROM registry_{table} WHERE {column} = 'x'"
            assert f"ix_registry_{table}_{column}" in str(conn.execute(text(query)).all())


def test_synthetic_households_are_realistic(registry: SqlRegistry) -> None:
    seed_synthetic(registry.engine, 2_000, seed=3)
    with registry.engine.connect() as conn:
        rows = conn.execute(select(Person.household_id, Person.relationship, Person.nationality)).all()
    sizes = Counter(household for household, _, _ in rows)
    assert set(sizes.values()) <= {1, 2, 3, 4, 5} and len(set(sizes.values())) == 5
    heads = Counter(household for household, relationship, _ in rows if relationship == "世帯主")
    assert heads == Counter(sizes.keys()), "exactly one head per household"
    assert {relationship for _, relationship, _ in rows} <= {"世帯主", "妻", "夫", "子", "父", "母"}
    assert any(nationality for _, _, nationality in rows), "some foreign residents"
    household = registry.get_household("H000001")
    assert household is not None and household.members[0].relationship == "世帯主"
    assert household.address.startswith("千葉県市川市")


def test_generation_is_deterministic() -> None:
    assert generate(300, seed=5) == generate(300, seed=5)
    assert generate(300, seed=5).persons != generate(300, seed=6).persons
    assert len(generate(300, seed=5).persons) == 300


def test_my_numbers_are_unique_with_a_valid_check_digit() -> None:
    numbers = [my_number(n) for n in range(1, 20_001)]
    assert len(set(numbers)) == len(numbers)
    for value in numbers[:200]:
        digits = [int(d) for d in value[:11]]
        total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(reversed(digits), start=1))
        assert int(value[11]) == (0 if total % 11 <= 1 else 11 - total % 11)


def test_reseeding_is_idempotent_and_datasets_are_separate(registry: SqlRegistry) -> None:
    engine = registry.engine
    assert seed_demo(engine).skipped is False
    demo_count = registry.count_persons("demo")
    assert demo_count == 7 + DEMO_OTHERS
    assert seed_demo(engine).skipped is True
    assert seed_synthetic(engine, 500, seed=1).skipped is False
    assert seed_synthetic(engine, 500, seed=1).skipped is True
    first = registry.get_person("P0000001")
    assert seed_synthetic(engine, 400, seed=2).skipped is False, "another seed replaces the synthetic data"
    assert registry.count_persons("synthetic") == 400
    assert registry.get_person("P0000001") != first
    assert registry.count_persons("demo") == demo_count, "the demo data is left alone"
    assert seed_demo(engine, force=True).skipped is False
    assert registry.count_persons() == demo_count + 400, "forced reseed does not duplicate"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "admin", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )


def test_cli_seed_and_usage_error(url: str) -> None:
    done = run_cli("seed-registry", "--count", "50", "--url", url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and "seeded 50 persons" in done.stdout
    store = SqlRegistry.from_url(url)
    try:
        assert store.count_persons() == 50
    finally:
        store.close()
    failed = run_cli("seed-registry", "--url", url)
    assert failed.returncode == 2 and "--count" in failed.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["seed-registry"],
        ["seed-registry", "--count", "many"],
        ["seed-registry", "--count", "0"],
        [],
        ["seed-demo-registry", "--url", "x://"],
        ["nope"],
    ],
)
def test_cli_usage_errors_exit_2(args: list[str]) -> None:
    result = CliRunner().invoke(admin_app, args)
    assert result.exit_code == 2
    assert "usage" in result.output.lower()


def test_cli_seed_demo_in_process(url: str) -> None:
    runner = CliRunner()
    first = runner.invoke(admin_app, ["seed-demo-registry", "--url", url])
    second = runner.invoke(admin_app, ["seed-demo-registry", "--url", url])
    assert (first.exit_code, second.exit_code) == (0, 0), first.output + second.output
    assert "seeded 207 persons" in first.stdout and "skipped" in second.stdout


def test_registry_needs_neither_temporalio_nor_sqlalchemy_for_matching() -> None:
    code = (
        "import sys\n"
        "import registry.matching\n"
        "assert 'sqlalchemy' not in sys.modules, 'matching must stay pure'\n"
        "import registry.port\n"
        "assert 'sqlalchemy' not in sys.modules, 'the port must not need the SQL adapter'\n"
        "import registry.sql, registry.seed\n"
        "assert 'temporalio' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
