"""A deterministic synthetic resident registry for Ichikawa City (no real person's data).

`generate(count, seed=S)` returns exactly `count` persons in households of 1 to 5 members (single
residents, couples, couples with children, single parents, three generations; about 3% foreign
residents), with addresses in Ichikawa towns, 本籍 and 筆頭者 for Japanese nationals, 国籍 for
foreign residents, synthetic My Numbers (valid check digit, unique: a bijection of the person
number), seal registrations for some adults and two fiscal years of income and municipal tax for
most adults. The same (count, seed, start ids) always gives the same rows.

Ages are computed as of `AS_OF` (a fixed date, so the data does not change with the calendar).
The rows are plain dicts keyed by column name, ready for bulk inserts into `registry.models`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from registry.normalise import normalise_address, normalise_kana, normalise_name

__all__ = [
    "AS_OF",
    "FISCAL_YEARS",
    "TOWNS",
    "SyntheticData",
    "format_address",
    "generate",
    "household_id",
    "kanji_number",
    "my_number",
    "person_id",
    "resident_tax",
    "seal_number",
]

AS_OF = date(2025, 4, 1)
FISCAL_YEARS = (2024, 2025)  # 年度; each holds the income of the previous calendar year

# Ichikawa towns (町丁) and how many 丁目 each has (0: addresses without 丁目).
TOWNS: tuple[tuple[str, int], ...] = (
    ("八幡", 6), ("南八幡", 5), ("市川", 4), ("市川南", 5), ("真間", 5), ("国府台", 6), ("菅野", 6),
    ("東菅野", 5), ("須和田", 2), ("宮久保", 6), ("曽谷", 8), ("国分", 7), ("中国分", 5), ("北国分", 4),
    ("東国分", 3), ("堀之内", 5), ("下貝塚", 3), ("大野町", 4), ("南大野", 3), ("大町", 0), ("柏井町", 4),
    ("北方", 3), ("本北方", 3), ("鬼高", 4), ("鬼越", 2), ("中山", 4), ("若宮", 3), ("高石神", 0),
    ("新田", 5), ("平田", 4), ("大和田", 5), ("東大和田", 2), ("稲荷木", 3), ("田尻", 5), ("原木", 4),
    ("二俣", 3), ("高谷", 3), ("大洲", 4), ("行徳駅前", 4), ("南行徳", 4), ("妙典", 6), ("富浜", 3),
    ("末広", 2), ("宝", 2), ("塩焼", 5), ("塩浜", 4), ("福栄", 4), ("相之川", 4), ("香取", 2),
    ("欠真間", 2), ("新井", 3), ("広尾", 2), ("湊新田", 2), ("島尻", 0), ("入船", 0), ("日之出", 0),
    ("湊", 0), ("本行徳", 0), ("本塩", 0), ("伊勢宿", 0), ("押切", 0), ("関ヶ島", 0), ("下新宿", 0),
    ("上妙典", 0), ("下妙典", 0), ("河原", 0),
)  # fmt: skip
_BUILDINGS = ("コーポ{town}", "{town}ハイツ", "サンライズ{town}", "メゾン{town}", "パークホームズ{town}")
# 本籍 outside Ichikawa: prefecture + city + town (丁目 and 番地 are added).
_OTHER_DOMICILES = (
    "東京都江戸川区西葛西", "東京都葛飾区金町", "東京都江東区大島", "千葉県船橋市本町", "千葉県松戸市松戸",
    "千葉県千葉市中央区中央", "埼玉県さいたま市浦和区高砂", "茨城県水戸市大町", "福島県郡山市駅前",
    "新潟県新潟市中央区古町通", "大阪府大阪市北区梅田", "福岡県福岡市博多区博多駅前", "北海道札幌市中央区大通西",
    "宮城県仙台市青葉区一番町", "長野県長野市南長野",
)  # fmt: skip
# (kanji, kana). 市川 is left out on purpose: the demo's 市川 太郎 must stay unique.
_FAMILY = (
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
    ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"),
    ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"),
    ("山崎", "ヤマザキ"), ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"), ("阿部", "アベ"),
    ("石川", "イシカワ"), ("山下", "ヤマシタ"), ("中島", "ナカジマ"), ("石井", "イシイ"), ("小川", "オガワ"),
    ("前田", "マエダ"), ("岡田", "オカダ"), ("長谷川", "ハセガワ"), ("藤田", "フジタ"), ("後藤", "ゴトウ"),
    ("近藤", "コンドウ"), ("村上", "ムラカミ"), ("遠藤", "エンドウ"), ("青木", "アオキ"), ("坂本", "サカモト"),
    ("斉藤", "サイトウ"), ("福田", "フクダ"), ("太田", "オオタ"), ("西村", "ニシムラ"), ("藤井", "フジイ"),
    ("金子", "カネコ"), ("岡本", "オカモト"), ("藤原", "フジワラ"), ("中野", "ナカノ"), ("三浦", "ミウラ"),
    ("原田", "ハラダ"), ("中川", "ナカガワ"), ("松田", "マツダ"), ("竹内", "タケウチ"), ("小野", "オノ"),
    ("田村", "タムラ"), ("中山", "ナカヤマ"), ("和田", "ワダ"), ("石田", "イシダ"), ("森田", "モリタ"),
    ("上田", "ウエダ"), ("原", "ハラ"), ("柴田", "シバタ"), ("酒井", "サカイ"), ("工藤", "クドウ"),
    ("横山", "ヨコヤマ"), ("宮崎", "ミヤザキ"), ("宮本", "ミヤモト"), ("内田", "ウチダ"), ("高木", "タカギ"),
    ("安藤", "アンドウ"), ("島田", "シマダ"), ("谷口", "タニグチ"), ("大野", "オオノ"), ("丸山", "マルヤマ"),
    ("今井", "イマイ"), ("河野", "コウノ"), ("藤本", "フジモト"), ("村田", "ムラタ"), ("武田", "タケダ"),
    ("上野", "ウエノ"), ("杉山", "スギヤマ"), ("増田", "マスダ"), ("小山", "コヤマ"), ("大塚", "オオツカ"),
    ("平野", "ヒラノ"), ("菅原", "スガワラ"), ("久保", "クボ"), ("松井", "マツイ"), ("千葉", "チバ"),
    ("岩崎", "イワサキ"), ("桜井", "サクライ"), ("木下", "キノシタ"), ("野口", "ノグチ"), ("菊地", "キクチ"),
    ("野村", "ノムラ"), ("新井", "アライ"), ("渡部", "ワタナベ"), ("髙橋", "タカハシ"), ("渡邊", "ワタナベ"),
    ("齋藤", "サイトウ"), ("山﨑", "ヤマザキ"), ("長澤", "ナガサワ"), ("濱田", "ハマダ"),
)  # fmt: skip
_MALE = (
    ("太郎", "タロウ"), ("一郎", "イチロウ"), ("健一", "ケンイチ"), ("翔太", "ショウタ"), ("大輔", "ダイスケ"),
    ("健太", "ケンタ"), ("拓也", "タクヤ"), ("蓮", "レン"), ("悠真", "ユウマ"), ("湊", "ミナト"),
    ("陽翔", "ハルト"), ("大翔", "ヒロト"), ("誠", "マコト"), ("浩", "ヒロシ"), ("博", "ヒロシ"),
    ("茂", "シゲル"), ("清", "キヨシ"), ("隆", "タカシ"), ("和夫", "カズオ"), ("正", "タダシ"),
    ("直樹", "ナオキ"), ("亮", "リョウ"), ("学", "マナブ"), ("悠人", "ユウト"), ("颯太", "ソウタ"),
    ("樹", "イツキ"), ("修", "オサム"), ("勇", "イサム"), ("進", "ススム"), ("雄一", "ユウイチ"),
)  # fmt: skip
_FEMALE = (
    ("花子", "ハナコ"), ("陽子", "ヨウコ"), ("恵子", "ケイコ"), ("幸子", "サチコ"), ("裕子", "ユウコ"),
    ("美咲", "ミサキ"), ("愛", "アイ"), ("結衣", "ユイ"), ("陽菜", "ヒナ"), ("凛", "リン"),
    ("葵", "アオイ"), ("さくら", "サクラ"), ("真由美", "マユミ"), ("由美子", "ユミコ"), ("久美子", "クミコ"),
    ("直美", "ナオミ"), ("智子", "トモコ"), ("明美", "アケミ"), ("和子", "カズコ"), ("節子", "セツコ"),
    ("芽依", "メイ"), ("結菜", "ユイナ"), ("美穂", "ミホ"), ("彩", "アヤ"), ("千尋", "チヒロ"),
    ("紬", "ツムギ"), ("澄子", "スミコ"), ("惠美", "エミ"),
)  # fmt: skip


@dataclass(frozen=True)
class _Origin:
    """Foreign residents of one nationality: family and given names as (written, kana)."""

    nationality: str
    family: tuple[tuple[str, str], ...]
    male: tuple[tuple[str, str], ...]
    female: tuple[tuple[str, str], ...]
    latin: bool


_ORIGINS = (
    _Origin(
        "中国",
        (("王", "ワン"), ("李", "リ"), ("張", "チャン"), ("劉", "リュウ"), ("陳", "チン")),
        (("偉", "ウェイ"), ("強", "チャン"), ("磊", "レイ")),
        (("芳", "ファン"), ("静", "ジン"), ("麗", "リー")),
        latin=False,
    ),
    _Origin(
        "韓国",
        (("金", "キム"), ("朴", "パク"), ("崔", "チェ")),
        (("民俊", "ミンジュン"), ("成浩", "ソンホ")),
        (("秀妍", "スヨン"), ("智恩", "ジウン")),
        latin=False,
    ),
    _Origin(
        "ベトナム",
        (("NGUYEN", "グエン"), ("TRAN", "チャン"), ("LE", "レ"), ("PHAM", "ファム")),
        (("VAN AN", "ヴァン アン"), ("MINH DUC", "ミン ドゥック")),
        (("THI MAI", "ティ マイ"), ("THI LAN", "ティ ラン")),
        latin=True,
    ),
    _Origin(
        "フィリピン",
        (("SANTOS", "サントス"), ("REYES", "レイエス"), ("CRUZ", "クルス")),
        (("JOSE", "ホセ"), ("MARK", "マーク")),
        (("MARIA", "マリア"), ("ANGELICA", "アンジェリカ")),
        latin=True,
    ),
    _Origin(
        "アメリカ合衆国",
        (("JOHNSON", "ジョンソン"), ("BROWN", "ブラウン"), ("MILLER", "ミラー")),
        (("JOHN", "ジョン"), ("MICHAEL", "マイケル"), ("DAVID", "デイビッド")),
        (("EMILY", "エミリー"), ("SARAH", "サラ"), ("JESSICA", "ジェシカ")),
        latin=True,
    ),
    _Origin(
        "ネパール",
        (("SHRESTHA", "シュレスタ"), ("GURUNG", "グルン"), ("TAMANG", "タマン")),
        (("RAM", "ラム"), ("BIKASH", "ビカシュ")),
        (("SITA", "シタ"), ("ANITA", "アニタ")),
        latin=True,
    ),
    _Origin(
        "ブラジル",
        (("SILVA", "シルバ"), ("OLIVEIRA", "オリベイラ")),
        (("LUCAS", "ルーカス"), ("PEDRO", "ペドロ")),
        (("ANA", "アナ"), ("JULIANA", "ジュリアナ")),
        latin=True,
    ),
)
_JAPANESE = _Origin("", _FAMILY, _MALE, _FEMALE, latin=False)

_KANJI_DIGITS = "〇一二三四五六七八九"


def kanji_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 25 → 二十五 (for 1 ≤ n ≤ 99, as in 本籍 "八幡一丁目")."""
    if not 1 <= n <= 99:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else _KANJI_DIGITS[tens]) + "十" if tens else "") + (_KANJI_DIGITS[ones] if ones else "")


def household_id(n: int) -> str:
    return f"H{n:06d}"


def person_id(n: int) -> str:
    return f"P{n:07d}"


def my_number(n: int) -> str:
    """A synthetic 個人番号 for person number n: 11 digits (a bijection of n) and the official check digit."""
    base = f"{(n * 7_919_031_157 + 104_729_993) % 10**11:011d}"
    total = 0
    for i, digit in enumerate(reversed(base), start=1):
        total += int(digit) * (i + 1 if i <= 6 else i - 5)
    remainder = total % 11
    return base + str(0 if remainder <= 1 else 11 - remainder)


def seal_number(n: int) -> str:
    """A synthetic 印鑑登録番号 (8 digits, unique per person number)."""
    return f"{(n * 73_939_133 + 1_234_567) % 10**8:08d}"


def resident_tax(income_yen: int) -> int:
    """Municipal tax, roughly: 10% of income after ~30% deductions and the 430,000 yen basic deduction, plus 5,000."""
    if income_yen <= 1_000_000:
        return 0
    return int((income_yen * 0.7 - 430_000) * 0.10) // 100 * 100 + 5_000


def format_address(town: str, chome: int, ban: int, go: int, building: str = "") -> str:
    block = f"{chome}丁目{ban}番{go}号" if chome else f"{ban}番{go}号"
    return f"千葉県市川市{town}{block}" + (f" {building}" if building else "")


@dataclass
class SyntheticData:
    """Rows for the registry tables, as dicts keyed by column name."""

    households: list[dict[str, Any]] = field(default_factory=list)
    persons: list[dict[str, Any]] = field(default_factory=list)
    seals: list[dict[str, Any]] = field(default_factory=list)
    taxes: list[dict[str, Any]] = field(default_factory=list)

    def extend(self, other: SyntheticData) -> None:
        self.households.extend(other.households)
        self.persons.extend(other.persons)
        self.seals.extend(other.seals)
        self.taxes.extend(other.taxes)


@dataclass
class _Member:
    given: tuple[str, str]
    gender: str
    relationship: str
    age: int


def _birth_date(rng: random.Random, age: int) -> date:
    """A birth date giving `age` full years on AS_OF."""
    start = AS_OF.replace(year=AS_OF.year - age - 1) + timedelta(days=1)
    return start + timedelta(days=rng.randrange(365))


def _full_name(family: tuple[str, str], given: tuple[str, str]) -> tuple[str, str]:
    return f"{family[0]} {given[0]}", f"{family[1]} {given[1]}"


class _Generator:
    def __init__(self, rng: random.Random, dataset: str, avoid: frozenset[tuple[str, date]]) -> None:
        self.rng = rng
        self.dataset = dataset
        self.avoid = avoid
        self.data = SyntheticData()
        self._norms: dict[tuple[str, str], tuple[str, str]] = {}  # names repeat a lot: normalise each once

    def _normalised(self, name_kanji: str, name_kana: str) -> tuple[str, str]:
        key = (name_kanji, name_kana)
        found = self._norms.get(key)
        if found is None:
            found = self._norms[key] = (normalise_name(name_kanji), normalise_kana(name_kana))
        return found

    def _given(self, origin: _Origin, gender: str, taken: set[str]) -> tuple[str, str]:
        names = origin.male if gender == "男" else origin.female
        for _ in range(10):
            given = self.rng.choice(names)
            if given[0] not in taken:
                break
        taken.add(given[0])
        return given

    def _members(self, origin: _Origin) -> list[_Member]:
        rng = self.rng
        taken: set[str] = set()
        kind = rng.choices(
            ("single", "couple", "family", "single_parent", "three_generations"),
            weights=(35, 20, 30, 7, 8) if not origin.nationality else (60, 20, 20, 0, 0),
        )[0]

        def person(gender: str, relationship: str, age: int) -> _Member:
            return _Member(self._given(origin, gender, taken), gender, relationship, age)

        if kind == "single":
            age = rng.choices((rng.randint(18, 35), rng.randint(36, 64), rng.randint(65, 95)), weights=(45, 30, 25))[0]
            return [person(rng.choice("男女"), "世帯主", age)]
        if kind == "single_parent":
            gender = "女" if rng.random() < 0.8 else "男"
            head = person(gender, "世帯主", rng.randint(28, 55))
            kids = [person(rng.choice("男女"), "子", head.age - rng.randint(22, 40)) for _ in range(rng.randint(1, 2))]
            return [head, *(k for k in kids if k.age >= 0)]
        head_gender = "男" if rng.random() < 0.8 else "女"
        spouse_gender = "女" if head_gender == "男" else "男"
        spouse_rel = "妻" if head_gender == "男" else "夫"
        head_age = rng.randint(25, 90) if kind == "couple" else rng.randint(28, 60)
        head = person(head_gender, "世帯主", head_age)
        spouse = person(spouse_gender, spouse_rel, max(20, head_age + rng.randint(-6, 4)))
        members = [head, spouse]
        if kind in ("family", "three_generations"):
            count = rng.randint(1, 3) if kind == "family" else rng.randint(0, 2)
            for _ in range(count):
                age = head_age - rng.randint(22, 42)
                if 0 <= age <= 35:
                    members.append(person(rng.choice("男女"), "子", age))
        if kind == "three_generations":
            gender = rng.choice("男女")
            parent = person(gender, "父" if gender == "男" else "母", min(100, head_age + rng.randint(24, 38)))
            members.append(parent)
        return members

    def _address(self) -> str:
        rng = self.rng
        town, chomes = rng.choice(TOWNS)
        chome = rng.randint(1, chomes) if chomes else 0
        building = ""
        if rng.random() < 0.15:
            building = rng.choice(_BUILDINGS).format(town=town) + str(rng.randint(1, 9) * 100 + rng.randint(1, 8))
        return format_address(town, chome, rng.randint(1, 30), rng.randint(1, 25), building)

    def _domicile(self, address: str) -> str:
        rng = self.rng
        if rng.random() < 0.6:
            town, chomes = rng.choice(TOWNS)
            block = f"{kanji_number(rng.randint(1, chomes))}丁目" if chomes else ""
            return f"千葉県市川市{town}{block}{rng.randint(1, 40)}番地"
        return f"{rng.choice(_OTHER_DOMICILES)}{kanji_number(rng.randint(1, 5))}丁目{rng.randint(1, 40)}番地"

    def household(self, hh_number: int, first_person: int, room: int) -> int:
        """Adds one household of at most `room` persons; returns how many persons it added."""
        rng = self.rng
        origin = rng.choice(_ORIGINS) if rng.random() < 0.03 else _JAPANESE
        members = self._members(origin)[:room]
        family = rng.choice(origin.family)
        address = self._address()
        hid = household_id(hh_number)
        head_age = members[0].age
        household_moved_in = AS_OF - timedelta(days=rng.randint(30, max(365, (head_age - 18) * 365)))
        domicile = None if origin.nationality else self._domicile(address)
        head_name = _full_name(family, members[0].given)[0]
        self.data.households.append(
            {
                "id": hid,
                "dataset": self.dataset,
                "address": address,
                "address_norm": normalise_address(address),
                "head_person_id": person_id(first_person),
            }
        )
        for offset, member in enumerate(members):
            number = first_person + offset
            name_kanji, name_kana = _full_name(family, member.given)
            name_norm, kana_norm = self._normalised(name_kanji, name_kana)
            birth = _birth_date(rng, member.age)
            if (kana_norm, birth) in self.avoid:
                birth += timedelta(days=1)
            moved_in = max(birth, household_moved_in)
            if origin.nationality:
                own_domicile, domicile_head = None, None
            elif member.relationship in ("父", "母"):
                own_domicile, domicile_head = self._domicile(address), name_kanji
            elif len(members) == 1 and member.age < 35:  # still in the parents' 戸籍
                own_domicile = domicile
                domicile_head = _full_name(family, rng.choice(_MALE))[0]
            else:
                own_domicile, domicile_head = domicile, head_name
            pid = person_id(number)
            self.data.persons.append(
                {
                    "id": pid,
                    "dataset": self.dataset,
                    "household_id": hid,
                    "name_kanji": name_kanji,
                    "name_kana": name_kana,
                    "name_norm": name_norm,
                    "kana_norm": kana_norm,
                    "birth_date": birth,
                    "gender": member.gender,
                    "relationship": member.relationship,
                    "domicile": own_domicile,
                    "domicile_head": domicile_head,
                    "nationality": origin.nationality or None,
                    "moved_in": moved_in,
                    "my_number": my_number(number),
                }
            )
            if member.age >= 18:
                self._adult_records(number, pid, family if not origin.latin else (family[1], family[1]), member, birth)
        return len(members)

    def _adult_records(self, number: int, pid: str, family: tuple[str, str], member: _Member, birth: date) -> None:
        rng = self.rng
        if rng.random() < 0.4:
            adult_from = birth.replace(year=birth.year + 18) if (birth.month, birth.day) != (2, 29) else birth
            days = max(1, (AS_OF - adult_from).days)
            self.data.seals.append(
                {
                    "person_id": pid,
                    "registration_number": seal_number(number),
                    "seal_text": family[0],
                    "registered_on": adult_from + timedelta(days=rng.randrange(days)),
                }
            )
        if rng.random() < 0.75:
            if member.age < 23:
                income = rng.randint(0, 1_500) * 1_000
            elif member.age >= 65:
                income = rng.randint(1_500, 3_500) * 1_000
            elif member.relationship in ("妻", "夫") and rng.random() < 0.3:
                income = rng.randint(0, 1_300) * 1_000
            else:
                income = rng.randint(2_000, 9_000) * 1_000
            for year in reversed(FISCAL_YEARS):
                self.data.taxes.append(
                    {"person_id": pid, "fiscal_year": year, "income_yen": income, "tax_yen": resident_tax(income)}
                )
                income = income * rng.randint(90, 105) // 100 // 1_000 * 1_000


def generate(
    count: int,
    *,
    seed: int,
    dataset: str = "synthetic",
    first_household: int = 1,
    first_person: int = 1,
    avoid: Iterable[tuple[str, date]] = (),
) -> SyntheticData:
    """Exactly `count` synthetic persons in households, numbered from the given first ids.

    `avoid`: (normalised kana, birth date) pairs that must not occur (the demo residents'), so that
    matching them stays unambiguous.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    generator = _Generator(random.Random(seed), dataset, frozenset(avoid))
    made, hh = 0, first_household
    while made < count:
        made += generator.household(hh, first_person + made, count - made)
        hh += 1
    return generator.data
