"""Every text table (messages.i18n): both languages, the same placeholders in both, and the one lookup `t`."""

from __future__ import annotations

import importlib
import pkgutil
import string

import pytest

from messages import i18n

# Tables are registered when the module that defines them is imported: import every module that may hold one.
for package in ("messages", "backoffice", "api"):
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, f"{package}."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)

ENTRIES = sorted((name, key) for name, texts in i18n.TABLES.items() for key in texts)
# Entries whose placeholders differ by language on purpose.
OWN_PLACEHOLDERS = {("resident", "date_era")}  # the era's name and span are given per language


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_audience_has_its_table() -> None:
    assert {"resident", "reject_reason", "photo_reason", "id_photo_tip", "clerk", "public"} <= set(i18n.TABLES)


@pytest.mark.parametrize(("name", "key"), ENTRIES)
def test_every_text_has_both_languages_with_the_same_placeholders(name: str, key: str) -> None:
    entry = i18n.TABLES[name][key]
    assert set(entry) == set(i18n.LANGUAGES)
    assert all(text.strip() for text in entry.values())
    if (name, key) not in OWN_PLACEHOLDERS:
        assert _fields(entry["ja"]) == _fields(entry["en"])


def test_t_fills_in_falls_back_to_japanese_and_refuses_an_unknown_key() -> None:
    texts = {"greeting": {"ja": "{name}さん、こんにちは", "en": "Hello {name}"}}
    assert i18n.t(texts, "greeting", "en", name="Ann") == "Hello Ann"
    assert i18n.t(texts, "greeting", "fr", name="Ann") == "Annさん、こんにちは"
    assert i18n.both(texts, "greeting", name="Ann") == {"ja": "Annさん、こんにちは", "en": "Hello Ann"}
    with pytest.raises(KeyError):
        i18n.t(texts, "greting", "ja", name="Ann")


def test_a_table_takes_each_key_once() -> None:
    part = {"yes": {"ja": "はい", "en": "Yes"}}
    with pytest.raises(ValueError, match="yes"):
        i18n.table("test-twice", part, dict(part))
    with pytest.raises(ValueError, match="resident"):
        i18n.table("resident", part)
