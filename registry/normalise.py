"""Normalising names, readings and addresses for comparison with the resident registry. Pure.

Normalisation (each function is idempotent; the registry stores the normalised names and addresses,
so a change here must bump NORMALISATION_VERSION, which makes the seed commands rewrite the rows):

- `normalise_name`: NFKC (full-width / half-width), case-folded, every kind of space and the
  separators ・ , . = ignored (U+3000 included), a few old or variant kanji folded to their
  common form (髙→高, 﨑→崎, 邊→辺, 澤→沢 ...). Names written in Latin letters are compared by
  their words in any order, accents ignored: "Alex Smith", "SMITH ALEX" and "smith, alex" are the same name.
- `normalise_kana`: NFKC (half-width katakana), hiragana → katakana, spaces and the separators
  ・ = , ignored, hyphen-like characters read as the long-vowel mark ー.
- `normalise_address`: NFKC, spaces ignored, hyphen variants (‐ - − – — ― － ｰ, and ー between
  digits) unified, kanji numerals before 丁目 / 番 / 号 read as numbers, the forms "1丁目1番1号",
  "1丁目1番地1", "1の1の1" and "1-1-1" made identical, and a leading postal code, "日本",
  "千葉県" and "市川市" dropped (the registry only holds Ichikawa addresses).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "NORMALISATION_VERSION",
    "kana_words",
    "kanji_numeral_value",
    "normalise_address",
    "normalise_kana",
    "normalise_name",
]

NORMALISATION_VERSION = 1

# Old (旧字体) and variant (異体字) kanji common in names, folded to the everyday form.
_KANJI_VARIANTS = str.maketrans(
    {
        "髙": "高",
        "﨑": "崎",
        "嵜": "崎",
        "邊": "辺",
        "邉": "辺",
        "澤": "沢",
        "齋": "斎",
        "齊": "斉",
        "濱": "浜",
        "廣": "広",
        "國": "国",
        "櫻": "桜",
        "實": "実",
        "惠": "恵",
        "條": "条",
        "藏": "蔵",
        "與": "与",
        "眞": "真",
        "壽": "寿",
        "淺": "浅",
        "德": "徳",
        "黑": "黒",
        "瀨": "瀬",
        "冨": "富",
        "嶋": "島",
        "嶌": "島",
        "榮": "栄",
        "學": "学",
        "靜": "静",
        "豐": "豊",
        "禮": "礼",
        "彌": "弥",
        "圓": "円",
        "萬": "万",
        "桒": "桑",
        "舘": "館",
    }
)
_SPACE = re.compile(r"\s+")
_NAME_SEPARATORS = re.compile(r"[\s・,、.=]+")
_KANA_SEPARATORS = re.compile(r"[\s・,、.=]+")
_KANA_HYPHENS = str.maketrans(dict.fromkeys("-‐‑‒–—―−﹣", "ー"))
_ADDRESS_HYPHENS = str.maketrans(dict.fromkeys("‐‑‒–—―−﹣", "-"))
_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_NUMERAL = "[〇零一二三四五六七八九十百千]+"
# Kanji numerals that are part of a block number: before 丁目 / 番 / 号 / の / -, or right after one.
_KANJI_BEFORE_MARK = re.compile(rf"({_KANJI_NUMERAL})(?=丁目|番|号|の|-)")
_KANJI_AFTER_MARK = re.compile(rf"(?<=[目番地の\-])({_KANJI_NUMERAL})")
_LONG_VOWEL_BETWEEN_DIGITS = re.compile(r"(?<=\d)ー(?=\d)")
_PREFIXES = (re.compile(r"^〒?\d{3}-?\d{4}"), re.compile(r"^日本国?"), re.compile(r"^千葉県"), re.compile(r"^市川市"))
_CHOME = re.compile(r"(\d+)丁目")
_BANCHI = re.compile(r"(\d+)番地?")
_GO = re.compile(r"(\d+)号")
_NO = re.compile(r"(\d+)の(?=\d)")
_TRAILING_HYPHEN = re.compile(r"-+(?!\d)")
_HYPHEN_RUN = re.compile(r"-{2,}")


def _strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def normalise_name(text: str) -> str:
    """Name as a comparison key: width, case, spacing and variant kanji ignored; Latin words in any order."""
    value = unicodedata.normalize("NFKC", text).casefold()
    latin = _strip_accents(value)
    if latin.isascii() and any(ch.isalpha() for ch in latin):
        words = [w for w in _NAME_SEPARATORS.split(latin) if w]
        return "".join(sorted(words))
    return _NAME_SEPARATORS.sub("", value.translate(_KANJI_VARIANTS))


def kana_words(text: str) -> list[str]:
    value = unicodedata.normalize("NFKC", text).casefold().translate(_KANA_HYPHENS)
    value = "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" or ch in "ゝゞ" else ch for ch in value)
    return [w for w in _KANA_SEPARATORS.split(value) if w]


def normalise_kana(text: str) -> str:
    """Reading as a comparison key: katakana, full width, no spaces or separators."""
    return "".join(kana_words(text))


def kanji_numeral_value(numeral: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 百五 → 105, 二〇 → 20 (digit by digit when there is no 十/百/千)."""
    if not numeral or any(ch not in _KANJI_DIGITS and ch not in _KANJI_UNITS for ch in numeral):
        raise ValueError(f"not a kanji numeral: {numeral!r}")
    if not any(ch in _KANJI_UNITS for ch in numeral):
        return int("".join(str(_KANJI_DIGITS[ch]) for ch in numeral))
    total = 0
    current: int | None = None
    for ch in numeral:
        if ch in _KANJI_DIGITS:
            current = _KANJI_DIGITS[ch]
        else:
            total += (1 if current is None else current) * _KANJI_UNITS[ch]
            current = None
    return total + (current or 0)


def _kanji_to_digits(match: re.Match[str]) -> str:
    return str(kanji_numeral_value(match.group(1)))


def normalise_address(text: str) -> str:
    """Address as a comparison key: "千葉県市川市八幡一丁目一番一号" → "八幡1-1-1"."""
    value = _SPACE.sub("", unicodedata.normalize("NFKC", text).casefold())
    value = value.translate(_ADDRESS_HYPHENS).replace("ヶ", "ケ").replace("ヵ", "カ")
    value = _KANJI_BEFORE_MARK.sub(_kanji_to_digits, value)
    value = _KANJI_AFTER_MARK.sub(_kanji_to_digits, value)
    value = _LONG_VOWEL_BETWEEN_DIGITS.sub("-", value)
    for prefix in _PREFIXES:
        value = prefix.sub("", value)
    value = _CHOME.sub(r"\1-", value)
    value = _BANCHI.sub(r"\1-", value)
    value = _GO.sub(r"\1", value)
    value = _NO.sub(r"\1-", value)
    value = _HYPHEN_RUN.sub("-", value)
    return _TRAILING_HYPHEN.sub("", value)
