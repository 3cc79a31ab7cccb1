"""The one way to give a text in Japanese and English: text tables and `t`.

An entry is ``{"ja": ..., "en": ...}`` with ``str.format`` placeholders, the same ones in both languages; a table
maps keys to entries. Each audience has its table, built with `table` from parts split by stage or page:

- ``messages.texts.RESIDENT``: the LINE chat (parts in messages/texts_*.py); ``messages.texts.t`` is `t` over it;
- ``messages.texts_review.REJECT_REASONS`` / ``PHOTO_REASONS`` and ``messages.id_photo.PHOTO_TIPS``: by code;
- ``backoffice.i18n.CLERK``: the back office pages (templates call ``t("key")`` bound to the page's language);
- ``api.pages.PUBLIC``: the public pages, which show both languages at once.

`table` registers every table in `TABLES`; a unit test checks that each entry has both languages and the same
placeholders in both. `t` falls back to Japanese for a language it does not know; an unknown key is a KeyError,
so a typo fails a test instead of showing a key to someone.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

Language = Literal["ja", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("ja", "en")
DEFAULT_LANGUAGE: Final[Language] = "ja"

Entry = Mapping[str, str]
TextTable = Mapping[str, Entry]

# Every table made with `table`, by name.
TABLES: dict[str, TextTable] = {}


def table(name: str, *parts: Mapping[str, Entry]) -> TextTable:
    """The text table `name`, made of `parts` (a key in two parts is an error), registered in TABLES."""
    if name in TABLES:
        raise ValueError(f"text table {name!r} is defined twice")
    merged: dict[str, Entry] = {}
    for part in parts:
        twice = merged.keys() & part.keys()
        if twice:
            raise ValueError(f"text table {name!r}: keys given twice: {sorted(twice)}")
        merged.update(part)
    TABLES[name] = MappingProxyType(merged)
    return TABLES[name]


def parse_language(value: str | None) -> Language | None:
    """`value` if it is one of LANGUAGES, else None."""
    for language in LANGUAGES:
        if value == language:
            return language
    return None


def other_language(language: str) -> Language:
    return "en" if language == "ja" else "ja"


def t(texts: TextTable, key: str, language: str, /, **params: object) -> str:
    """The entry `key` of `texts` in `language` (Japanese if the language is unknown), `params` filled in."""
    entry = texts[key]
    text = entry[parse_language(language) or DEFAULT_LANGUAGE]
    return text.format(**params) if params else text


def both(texts: TextTable, key: str, /, **params: object) -> dict[Language, str]:
    """The entry `key` of `texts` in every language, `params` filled in."""
    return {language: t(texts, key, language, **params) for language in LANGUAGES}
