"""The public pages (residents and relying parties, not the back office): Jinja templates in api/templates.

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
from markupsafe import Markup

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

# Short bilingual messages: (heading, Japanese text or "", English text).
MESSAGES: Final[dict[str, tuple[str, str, str]]] = {
    "unavailable": (
        "ただいま処理できません",
        "ただいま処理できません。少し待ってから、このページを再読み込みしてください。",
        "This cannot be processed right now. Please reload this page in a moment.",
    ),
}


@lru_cache(maxsize=1)
def templates() -> Environment:
    """The public templates (autoescaped)."""
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html"]))
    env.globals["style"] = Markup(STYLE)  # our own file, hashed into the policy: not escaped
    return env


def render(
    name: str, context: dict[str, Any], *, status_code: int = 200, headers: dict[str, str] | None = None
) -> HTMLResponse:
    body = templates().get_template(name).render(context)
    return HTMLResponse(body, status_code=status_code, headers=PAGE_HEADERS | (headers or {}))


def message_page(
    heading: str, ja: str, en: str, *, status_code: int, headers: dict[str, str] | None = None
) -> HTMLResponse:
    """A short bilingual page: a heading, a Japanese paragraph (if any) and its English."""
    context = {"heading": heading, "ja": ja, "en": en, "main_class": "message"}
    return render("message.html", context, status_code=status_code, headers=headers)


def unavailable_page(*, headers: dict[str, str] | None = None) -> HTMLResponse:
    heading, ja, en = MESSAGES["unavailable"]
    return message_page(heading, ja, en, status_code=503, headers=headers)
