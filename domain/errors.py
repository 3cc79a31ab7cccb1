"""The one error value parsers return instead of raising."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ParseError:
    """Why an answer was refused; `key` names a text in messages.texts, `params` fill it in."""

    key: str
    params: dict[str, str] = field(default_factory=dict)
