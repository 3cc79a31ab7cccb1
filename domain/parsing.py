"""Pure parsers for what residents type. Each returns a value or a ParseError with a message key."""

from __future__ import annotations

import re
import unicodedata

from domain.dates import parse_date, within
from domain.errors import ParseError

__all__ = [
    "ParseError",
    "clean_text",
    "normalize_command",
    "parse_count",
    "parse_date",
    "parse_kana",
    "parse_phone",
    "parse_text",
    "within",
]

# Characters that change how text is displayed without being visible: zero-width spaces and
# joiners, bidi embeddings/overrides/isolates (U+202A-202E, U+2066-2069), BOM, word joiner.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")
_COUNT = re.compile(r"^(\d+)\s*(部|通|枚|copies|copy|cop)?$")
_HYPHENS = str.maketrans(dict.fromkeys("‐‑‒–—―−ーｰ－", "-"))
_MAX_INPUT = 20_000
_FULL_WIDTH_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def clean_text(text: str) -> str:
    """Remove control and invisible formatting characters and collapse whitespace."""
    text = text[:_MAX_INPUT]
    chars = []
    for ch in _INVISIBLE.sub("", text):
        category = unicodedata.category(ch)
        if category in ("Cc", "Zl", "Zp") or ch == "\u3000":
            chars.append(" ")  # tabs, newlines and ideographic spaces separate words
        elif category in ("Cf", "Cs", "Co", "Cn"):
            continue
        else:
            chars.append(ch)
    return _SPACES.sub(" ", "".join(chars)).strip()


def normalize_command(text: str) -> str:
    """The form in which typed commands and choices are compared: NFKC, trimmed, case-folded."""
    return clean_text(unicodedata.normalize("NFKC", text[:200])).casefold()


def has_meaning(text: str) -> bool:
    """True when the text has at least one letter or digit (so not empty, emoji or punctuation)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def parse_count(text: str, minimum: int, maximum: int) -> int | ParseError:
    """Number of copies: "2", "２", "2部", "2 copies". Kanji numerals are refused (type a digit)."""
    rng = {"min": str(minimum), "max": str(maximum)}
    match = _COUNT.match(normalize_command(text))
    if match is None:
        return ParseError("count_not_digit", rng)
    digits = match.group(1).lstrip("0") or "0"
    if len(digits) > 6 or not minimum <= int(digits) <= maximum:
        return ParseError("count_range", rng)
    return int(digits)


def parse_text(text: str, max_length: int) -> str | ParseError:
    """Free text (names, addresses): cleaned, non-empty, meaningful and not too long.

    Only full-width ASCII is folded (not full NFKC), so variant kanji in names are kept as typed.
    """
    value = clean_text(text).translate(_FULL_WIDTH_ASCII)
    if not value:
        return ParseError("text_empty")
    if not has_meaning(value):
        return ParseError("text_meaningless")
    if len(value) > max_length:
        return ParseError("text_too_long", {"max": str(max_length), "length": str(len(value))})
    return value


def parse_kana(text: str, max_length: int) -> str | ParseError:
    """Katakana name: hiragana and half-width katakana are converted; spaces normalized."""
    value = parse_text(unicodedata.normalize("NFKC", text[:_MAX_INPUT]), max_length)
    if isinstance(value, ParseError):
        return value
    converted = "".join(chr(ord(ch) + 0x60) if _is_hiragana(ch) else ch for ch in value)
    if not all(ch == " " or "ァ" <= ch <= "ヺ" or ch in "ー・ヽヾ" for ch in converted):
        return ParseError("kana_only")
    return converted


def _is_hiragana(ch: str) -> bool:
    return "ぁ" <= ch <= "ゖ" or ch in "ゝゞ"


def parse_phone(text: str) -> str | ParseError:
    """Japanese phone number, 10 or 11 digits starting with 0; +81 is turned into 0."""
    value = normalize_command(text).translate(_HYPHENS)
    value = re.sub(r"[\s()]", "", value)
    if value.startswith("+81"):
        value = "0" + value[3:].lstrip("-")
    digits = value.replace("-", "")
    if (
        not value
        or not digits.isascii()
        or not digits.isdigit()
        or not 10 <= len(digits) <= 11
        or not digits.startswith("0")
        or "--" in value
        or value.startswith("-")
        or value.endswith("-")
    ):
        return ParseError("phone_invalid")
    return value
