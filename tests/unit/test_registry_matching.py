"""Matching chat answers against the resident registry: normalisation and match kinds. Pure and fast."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from registry.matching import FIELDS, Applicant, RegistryMatch, match_applicant
from registry.normalise import kanji_numeral_value, normalise_address, normalise_kana, normalise_name
from registry.port import RegistryPerson

TARO_BIRTH = date(2001, 2, 3)


def person(
    person_id: str = "P0000001",
    name_kanji: str = "市川 太郎",
    name_kana: str = "イチカワ タロウ",
    birth_date: date = TARO_BIRTH,
    address: str = "千葉県市川市八幡1丁目1番1号",
    household_id: str = "H000001",
) -> RegistryPerson:
    return RegistryPerson(
        person_id=person_id,
        household_id=household_id,
        name_kanji=name_kanji,
        name_kana=name_kana,
        birth_date=birth_date,
        address=address,
        relationship="子",
        gender="男",
        domicile="千葉県市川市八幡一丁目1番地",
        domicile_head="市川 一郎",
    )


TARO = person()
SMITH = person("P0000002", "SMITH ALEX", "スミス アレックス", TARO_BIRTH, "千葉県市川市八幡1丁目1番1号", "H000002")


# Normalisation


@pytest.mark.parametrize("typed", ["市川 太郎", "市川　太郎", "市川太郎", " 市川  太郎 ", "市川\t太郎"])
def test_name_ignores_spacing(typed: str) -> None:
    assert normalise_name(typed) == "市川太郎"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("髙橋 一郎", "高橋 一郎"),
        ("山﨑 花子", "山崎 花子"),
        ("渡邊 健", "渡辺 健"),
        ("長澤 茂", "長沢 茂"),
        ("齋藤 愛", "斎藤 愛"),
    ],
)
def test_name_folds_old_and_variant_kanji(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


def test_name_keeps_distinct_kanji_distinct() -> None:
    assert normalise_name("斎藤 愛") != normalise_name("斉藤 愛"), "斎 and 斉 are different family names"
    assert normalise_name("市川 太郎") != normalise_name("市川 次郎")


@pytest.mark.parametrize(
    "typed", ["Alex Smith", "SMITH ALEX", "smith alex", "ＳＭＩＴＨ　ＡＬＥＸ", "Smith, Alex", "  alex   SMITH "]
)
def test_latin_names_ignore_case_width_spacing_and_word_order(typed: str) -> None:
    assert normalise_name(typed) == normalise_name("SMITH ALEX") == "alexsmith"


def test_latin_names_ignore_accents_but_not_letters() -> None:
    assert normalise_name("José García") == normalise_name("GARCIA JOSE")
    assert normalise_name("Alex Smith") != normalise_name("Alex Smyth")
    assert normalise_name("Alex Smith") != normalise_name("Alex John Smith")


@pytest.mark.parametrize(
    "typed",
    [
        "イチカワ タロウ",
        "イチカワタロウ",
        "いちかわ　たろう",
        "いちかわたろう",
        "ｲﾁｶﾜ ﾀﾛｳ",
        "イチカワ・タロウ",
        "イチカワ　タロウ",
    ],
)
def test_kana_ignores_width_spacing_and_hiragana(typed: str) -> None:
    assert normalise_kana(typed) == "イチカワタロウ"


def test_kana_hyphens_are_long_vowels_and_voicing_is_kept() -> None:
    assert normalise_kana("ミラ-") == normalise_kana("ミラー") == normalise_kana("ﾐﾗｰ") == normalise_kana("みらー")
    assert normalise_kana("ｶﾞｸ") == "ガク", "half-width voiced kana compose to one character"
    assert normalise_kana("ガク") != normalise_kana("カク")


@pytest.mark.parametrize(
    "typed",
    [
        "千葉県市川市八幡1丁目1番1号",
        "千葉県市川市八幡1-1-1",
        "市川市八幡1-1-1",
        "八幡1-1-1",
        "八幡一丁目一番一号",
        "千葉県市川市八幡一丁目1番1号",
        "千葉県市川市八幡１－１－１",
        "千葉県市川市八幡１丁目１番１号",
        "八幡1‐1‐1",
        "八幡1−1−1",
        "八幡1ー1ー1",
        "八幡1ｰ1ｰ1",
        "八幡1–1–1",
        "千葉県 市川市 八幡 1丁目 1番 1号",
        "千葉県　市川市　八幡１丁目１番１号",
        "〒272-0021 千葉県市川市八幡1-1-1",
        "八幡1丁目1番地1",
        "八幡1丁目1-1",
        "八幡1の1の1",
        "日本 千葉県市川市八幡1-1-1",
    ],
)
def test_address_forms_are_one(typed: str) -> None:
    assert normalise_address(typed) == "八幡1-1-1"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("八幡二丁目十二番三号", "八幡2-12-3"),
        ("千葉県市川市市川1丁目2番3号", "市川1-2-3"),
        ("市川市市川一丁目二番三号", "市川1-2-3"),
        ("市川南3-4-5", "市川南3-4-5"),
        ("本行徳12番3号", "本行徳12-3"),
        ("二俣2丁目10番5号", "二俣2-10-5"),
        ("関ヶ島5番2号", "関ケ島5-2"),
        ("八幡1丁目1番1号 メゾン八幡201", "八幡1-1-1メゾン八幡201"),
    ],
)
def test_address_keys(typed: str, key: str) -> None:
    assert normalise_address(typed) == key


def test_addresses_that_differ_stay_different() -> None:
    assert normalise_address("八幡1-1-2") != normalise_address("八幡1-1-1")
    assert normalise_address("南八幡1-1-1") != normalise_address("八幡1-1-1")
    assert normalise_address("八幡1-11") != normalise_address("八幡1-1-1")
    assert normalise_address("1-1-1 Yawata, Ichikawa, Chiba") != normalise_address("八幡1-1-1"), "not translated"


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("一", 1), ("九", 9), ("十", 10), ("十二", 12), ("二十", 20), ("二十五", 25), ("百五", 105), ("二〇", 20),
     ("千二百三十四", 1234)],
)  # fmt: skip
def test_kanji_numerals(numeral: str, value: int) -> None:
    assert kanji_numeral_value(numeral) == value


def test_kanji_numeral_rejects_other_text() -> None:
    with pytest.raises(ValueError):
        kanji_numeral_value("八幡")


def test_normalisation_is_idempotent() -> None:
    for text in ("千葉県市川市八幡一丁目一番一号", "市川　太郎", "SMITH ALEX"):
        assert normalise_address(normalise_address(text)) == normalise_address(text)
        assert normalise_name(normalise_name(text)) == normalise_name(text)
    assert normalise_kana(normalise_kana("いちかわ たろう")) == normalise_kana("いちかわ たろう")


# Match kinds

# What the integration tests type in the chat.
JA = Applicant("市川 太郎", "いちかわ　たろう", TARO_BIRTH, "千葉県市川市八幡1-1-1")
EN = Applicant("Alex Smith", "スミス アレックス", TARO_BIRTH, "1-1-1 Yawata, Ichikawa, Chiba")


def test_exact_match_of_the_japanese_chat_answers() -> None:
    match = match_applicant(JA, [TARO])
    assert (match.kind, match.person_id, match.household_id) == ("exact", TARO.person_id, "H000001")
    assert match.differing == []
    assert match.registry == {
        "name_kanji": "市川 太郎",
        "name_kana": "イチカワ タロウ",
        "birth_date": "2001-02-03",
        "address": "千葉県市川市八幡1丁目1番1号",
        "gender": "男",
        "relationship": "子",
    }
    assert (match.candidates, match.plausible) == (1, 1)


def test_english_address_is_a_partial_match_on_address() -> None:
    match = match_applicant(EN, [TARO, SMITH])
    assert (match.kind, match.person_id, match.differing) == ("partial", SMITH.person_id, ["address"])
    assert match.registry["name_kanji"] == "SMITH ALEX"
    assert match.candidates == 2


def test_english_answers_with_a_japanese_address_are_exact() -> None:
    answers = dataclasses.replace(EN, name_kanji="alex  SMITH", address="市川市八幡１－１－１")
    assert match_applicant(answers, [SMITH]).kind == "exact"


def test_kana_in_another_word_order_agrees() -> None:
    answers = dataclasses.replace(EN, name_kana="アレックス・スミス", address="八幡1-1-1")
    assert match_applicant(answers, [SMITH]).kind == "exact"


def test_mistyped_birth_date_with_names_and_address_is_partial() -> None:
    answers = dataclasses.replace(JA, birth_date=date(2001, 3, 2))
    match = match_applicant(answers, [TARO])
    assert (match.kind, match.differing) == ("partial", ["birth_date"])


def test_birth_date_and_one_name_is_partial_and_reports_what_differs() -> None:
    answers = Applicant("市川 太朗", "イチカワ タロウ", TARO_BIRTH, "市川市行徳駅前1-1-1")
    match = match_applicant(answers, [TARO])
    assert (match.kind, match.differing) == ("partial", ["name_kanji", "address"])
    answers = Applicant("市川 太郎", "イチカワ タロ", TARO_BIRTH, "八幡1-1-1")
    assert match_applicant(answers, [TARO]).differing == ["name_kana"]


@pytest.mark.parametrize(
    "answers",
    [
        Applicant("山田 花子", "ヤマダ ハナコ", TARO_BIRTH, "八幡1-1-1"),  # only birth date and address
        Applicant("市川 太郎", "イチカワ タロウ", date(1990, 1, 1), "行徳駅前1-1-1"),  # names only
        Applicant("市川 太郎", "ヤマダ タロウ", date(1990, 1, 1), "八幡1-1-1"),  # one name and address
        Applicant("", "", None, ""),
    ],
)
def test_nothing_plausible_is_none(answers: Applicant) -> None:
    match = match_applicant(answers, [TARO])
    assert (match.kind, match.person_id, match.household_id, match.registry) == ("none", None, None, {})
    assert match.differing == list(FIELDS)
    assert (match.candidates, match.plausible) == (1, 0)


def test_no_candidates_is_none() -> None:
    match = match_applicant(JA, [])
    assert (match.kind, match.candidates) == ("none", 0)


def test_missing_birth_date_can_still_be_partial() -> None:
    answers = dataclasses.replace(JA, birth_date=None)
    match = match_applicant(answers, [TARO])
    assert (match.kind, match.differing) == ("partial", ["birth_date"])


def test_the_candidate_with_most_agreeing_fields_wins() -> None:
    namesake = person("P0000009", address="千葉県市川市妙典2丁目3番4号", household_id="H000009")  # moved out
    other_birth = person("P0000010", birth_date=date(2001, 2, 4), household_id="H000010")
    for candidates in ([namesake, TARO, other_birth], [other_birth, namesake, TARO], [TARO, SMITH, namesake]):
        match = match_applicant(JA, candidates)
        assert (match.kind, match.person_id) == ("exact", TARO.person_id)
        assert match.plausible == (3 if other_birth in candidates else 2)


def test_a_better_partial_beats_a_worse_one() -> None:
    # Applicant mistyped the address; one candidate agrees on both names, another only on the kana.
    answers = dataclasses.replace(JA, address="八幡9-9-9")
    kana_only = person("P0000001", name_kanji="一川 太郎", household_id="H000001")
    both_names = person("P0000002", household_id="H000002")
    match = match_applicant(answers, [kana_only, both_names])
    assert (match.kind, match.person_id, match.differing) == ("partial", "P0000002", ["address"])


def test_ties_go_to_the_birth_date_then_the_smallest_person_id() -> None:
    answers = Applicant("市川 太郎", "イチカワ タロウ", TARO_BIRTH, "八幡5-5-5")
    birth_and_kanji = person("P0000005", name_kana="イチカワ フトシ")  # 2 fields: birth + kanji
    names_and_address = person("P0000004", birth_date=date(1999, 9, 9), address="八幡5-5-5")  # 3 fields
    assert match_applicant(answers, [birth_and_kanji, names_and_address]).person_id == "P0000004"
    twin_a = person("P0000008", address="八幡7-7-7")
    twin_b = person("P0000007", address="八幡6-6-6")
    assert match_applicant(answers, [twin_a, twin_b]).person_id == "P0000007"


def test_match_is_json_friendly() -> None:
    match = match_applicant(EN, [SMITH])
    encoded = json.loads(json.dumps(dataclasses.asdict(match)))
    assert RegistryMatch(**encoded) == match


def test_applicant_from_chat_answers() -> None:
    answers = {
        "name_kanji": "市川 太郎",
        "name_kana": "イチカワ タロウ",
        "birth_date": "2001-02-03",
        "address": "八幡1-1-1",
    }
    assert Applicant.from_answers(answers) == Applicant("市川 太郎", "イチカワ タロウ", TARO_BIRTH, "八幡1-1-1")
    assert Applicant.from_answers({"birth_date": "not a date"}) == Applicant("", "", None, "")
