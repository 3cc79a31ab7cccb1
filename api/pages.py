"""The public pages (residents and relying parties, not the back office): Jinja templates in api/templates.

They show every text in Japanese and English at once (the resident's language is unknown here): templates call
``t(key, "ja")`` and ``t(key, "en")`` over the PUBLIC text table (api/texts_public.py).

Every public page shares one inline style sheet (api/templates/public.css) and no scripts, so one
Content-Security-Policy fits them all: ``PUBLIC_CSP`` allows that style sheet by its hash and nothing else.
`render` sends it with the other security headers; the middleware of api/security.py puts the same on any
response that has no policy of its own.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from api.texts_public import PUBLIC
from messages.i18n import t

TEMPLATE_DIR: Final = Path(__file__).resolve().parent / "templates"
# Inserted verbatim into <style>: the hash in the policy is of these exact characters.
STYLE: Final = (TEMPLATE_DIR / "public.css").read_text(encoding="utf-8")
STYLE_HASH: Final = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
PUBLIC_CSP: Final = (
    f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# On every public page (the middleware of api/security.py adds the same to responses without them).
PAGE_HEADERS: Final = {
    "content-security-policy": PUBLIC_CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def public_text(key: str, language: str, **params: object) -> Markup:
    """The PUBLIC text `key` in `language` for a template: escaped, its `params` too unless they are Markup."""
    return escape(t(PUBLIC, key, language)).format(**params)


@lru_cache(maxsize=1)
def templates() -> Environment:
    """The public templates (autoescaped)."""
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html"]))
    env.globals["style"] = Markup(STYLE)  # our own file, hashed into the policy: not escaped
    env.globals["t"] = public_text
    return env


def render(
    name: str, context: dict[str, Any], *, status_code: int = 200, headers: dict[str, str] | None = None
) -> HTMLResponse:
    body = templates().get_template(name).render(context)
    return HTMLResponse(body, status_code=status_code, headers=PAGE_HEADERS | (headers or {}))


def message_page(
    heading: str, body: str | None = None, *, status_code: int, headers: dict[str, str] | None = None
) -> HTMLResponse:
    """A short page of PUBLIC texts: the entry `heading` in Japanese, then `body` in Japanese and in English, or
    without a body the heading's English."""
    context = {"heading": heading, "body": body, "main_class": "message"}
    return render("message.html", context, status_code=status_code, headers=headers)


def unavailable_page(*, headers: dict[str, str] | None = None) -> HTMLResponse:
    return message_page("unavailable.heading", "unavailable", status_code=503, headers=headers)
