"""Postback data grammar: a URL-encoded query string, `a=<action>` plus short fields.

    a=start&p=<procedure>            begin an intake (menu)
    a=cmd&c=<command>                menu | status | help | continue | ja | en
    a=ans&i=<app>&q=<question>&v=<value>   answer (datetimepicker: no v, params["date"])
    a=skip&i=<app>&q=<question>      skip an optional question
    a=back&i=<app>&q=<question>      previous question
    a=cancel&i=<app>                 ask to discard the intake
    a=submit&i=<app> / a=edit&i=<app>        confirmation card buttons
    a=editq&i=<app>&q=<question>     choose the answer to change
    a=card&i=<app>                   back to the confirmation card
    a=ok&k=<cancel|switch|withdraw>&i=<id>&v=<yes|no>   answer to a yes/no confirmation
    a=wd&i=<app>                     choose a submitted application to withdraw

`i` binds a button to one intake (or one submitted application) and `q` to one question, so a
button tapped on an old message is recognised as stale instead of changing the current step.
LINE limits postback data to 300 characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote_plus

MAX_DATA = 300
ACTIONS = frozenset({"start", "cmd", "ans", "skip", "back", "cancel", "submit", "edit", "editq", "card", "ok", "wd"})
FIELDS = frozenset({"a", "p", "c", "i", "q", "v", "k"})
# What `quote_plus` leaves as it is: such a value (ids, codes, numbers) needs no quoting.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


@dataclass(frozen=True)
class Postback:
    action: str
    fields: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.fields.get(name, "")


def encode(action: str, **fields: str) -> str:
    """`urlencode({"a": action, **fields})`, the same string, without quoting what needs none.

    A turn's buttons and quick replies encode about twenty of these, inside the workflow sandbox,
    where `urlencode`'s type checks each go through the sandbox's `isinstance` wrapper.
    """
    return "&".join(f"{name}={_quoted(value)}" for name, value in (("a", action), *fields.items()))


def _quoted(value: str) -> str:
    return value if _UNRESERVED.fullmatch(value) else quote_plus(value)


def decode(data: str) -> Postback | None:
    """The postback, or None when the data is not something we produced."""
    if not data or len(data) > MAX_DATA:
        return None
    try:
        pairs = parse_qsl(data, keep_blank_values=True, strict_parsing=True, max_num_fields=8)
    except ValueError:
        return None
    values = dict(pairs)
    if len(values) != len(pairs) or not set(values) <= FIELDS or values.get("a") not in ACTIONS:
        return None
    if any(len(v) > 100 or not (v.isascii() and v.isprintable()) for v in values.values()):
        return None
    action = values.pop("a")
    return Postback(action, values)
