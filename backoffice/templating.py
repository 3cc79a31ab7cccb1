"""The back office templates: ``render`` and the variables every template gets (see backoffice/web.py)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from backoffice.auth import current_authentication
from backoffice.csrf import csrf_token
from backoffice.i18n import LANG_QUERY, language, t
from messages.i18n import other_language

PACKAGE_DIR: Final = Path(__file__).resolve().parent
TEMPLATE_DIR: Final = PACKAGE_DIR / "templates"
STATIC_DIR: Final = PACKAGE_DIR / "static"
STATIC_PATH: Final = "/staff/static"

# -- templates ---------------------------------------------------------------------------------------------


def _lang_switch_url(request: Request, target: str) -> str:
    query = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k != LANG_QUERY]
    query.append((LANG_QUERY, target))
    return f"{request.url.path}?{urlencode(query)}"


def _template_context(request: Request) -> dict[str, Any]:
    lang = language(request)
    auth = current_authentication(request)
    other = other_language(lang)

    def translate(key: str, **values: object) -> str:
        return t(key, lang, **values)

    return {
        "t": translate,
        "lang": lang,
        "csrf_token": csrf_token(request),
        "current_staff": auth.staff if auth is not None else None,
        "lang_switch_lang": other,
        "lang_switch_url": _lang_switch_url(request, other),
    }


def static_url(path: str) -> str:
    return f"{STATIC_PATH}/{path.lstrip('/')}"


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The shared Jinja2 templates of the back office (backoffice/templates; autoescaped)."""
    shared = Jinja2Templates(directory=TEMPLATE_DIR, context_processors=[_template_context])
    shared.env.globals["static_url"] = static_url
    return shared


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a back office template (backoffice/web.py's docstring lists the variables every template gets)."""
    return templates().TemplateResponse(request, name, context or {}, status_code=status_code, headers=headers)
