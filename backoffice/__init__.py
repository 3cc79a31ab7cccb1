"""The clerk back office: staff accounts, sign-in, sessions, CSRF, API tokens and the page layout.

Set-up, once, when building the app:

    from backoffice import init_backoffice
    init_backoffice(app, settings)

A protected page and a protected form post:

    from fastapi import APIRouter, Depends, Form, Request
    from fastapi.responses import RedirectResponse
    from backoffice import CurrentStaff, SupervisorStaff, render, require_csrf

    pages = APIRouter(include_in_schema=False)

    @pages.get("/staff/applications/{application_id}")
    def detail(request: Request, application_id: str, staff: CurrentStaff):  # anonymous: 303 to sign-in
        return render(request, "detail.html", {"application_id": application_id})

    @pages.post("/staff/applications/{application_id}/approve", dependencies=[Depends(require_csrf)])
    def approve(request: Request, application_id: str, staff: SupervisorStaff, note: str = Form("")):
        ...  # clerks get 403; a missing/wrong csrf_token field gets 403
        return RedirectResponse(f"/staff/applications/{application_id}", status_code=303)

    @pages.get("/api/applications")                     # JSON: anonymous gets 401 {"detail": ...}
    def list_json(staff: CurrentStaff) -> list[dict]: ...  # Authorization: Bearer <token> works (CSRF-exempt)

Templates extend "base.html" and fill `title` and `content`; a form includes
``<input type="hidden" name="csrf_token" value="{{ csrf_token }}">``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backoffice.accounts import DEMO_PASSWORD, Accounts, SignInOutcome, SignInResult, Staff, cheap_hasher
    from backoffice.auth import (
        Authentication,
        CurrentStaff,
        DbSession,
        SupervisorStaff,
        authentication,
        current_staff,
        require_supervisor,
    )
    from backoffice.csrf import csrf_token, require_csrf
    from backoffice.db import Base, Database
    from backoffice.errors import AccessDenied, BackofficeError, CsrfFailed, NotAuthenticated
    from backoffice.i18n import language, t
    from backoffice.sign_in import router
    from backoffice.state import Backoffice, current_time, db_session, get_backoffice, now
    from backoffice.templating import render, templates
    from backoffice.throttle import LockoutPolicy
    from backoffice.web import init_backoffice

# Imported on first use, so the operators' command line (`python -m admin`) does not load FastAPI.
_EXPORTS = {
    "DEMO_PASSWORD": "backoffice.accounts",
    "Accounts": "backoffice.accounts",
    "LockoutPolicy": "backoffice.throttle",
    "SignInOutcome": "backoffice.accounts",
    "SignInResult": "backoffice.accounts",
    "Staff": "backoffice.accounts",
    "cheap_hasher": "backoffice.accounts",
    "AccessDenied": "backoffice.errors",
    "Authentication": "backoffice.auth",
    "Backoffice": "backoffice.state",
    "BackofficeError": "backoffice.errors",
    "CsrfFailed": "backoffice.errors",
    "CurrentStaff": "backoffice.auth",
    "DbSession": "backoffice.auth",
    "NotAuthenticated": "backoffice.errors",
    "SupervisorStaff": "backoffice.auth",
    "authentication": "backoffice.auth",
    "get_backoffice": "backoffice.state",
    "csrf_token": "backoffice.csrf",
    "current_staff": "backoffice.auth",
    "current_time": "backoffice.state",
    "db_session": "backoffice.state",
    "now": "backoffice.state",
    "require_csrf": "backoffice.csrf",
    "require_supervisor": "backoffice.auth",
    "Base": "backoffice.db",
    "Database": "backoffice.db",
    "language": "backoffice.i18n",
    "t": "backoffice.i18n",
    "init_backoffice": "backoffice.web",
    "render": "backoffice.templating",
    "router": "backoffice.sign_in",
    "templates": "backoffice.templating",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'backoffice' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "DEMO_PASSWORD",
    "AccessDenied",
    "Accounts",
    "Authentication",
    "Backoffice",
    "BackofficeError",
    "Base",
    "CsrfFailed",
    "CurrentStaff",
    "Database",
    "DbSession",
    "LockoutPolicy",
    "NotAuthenticated",
    "SignInOutcome",
    "SignInResult",
    "Staff",
    "SupervisorStaff",
    "authentication",
    "cheap_hasher",
    "csrf_token",
    "current_staff",
    "current_time",
    "db_session",
    "get_backoffice",
    "init_backoffice",
    "language",
    "now",
    "render",
    "require_csrf",
    "require_supervisor",
    "router",
    "t",
    "templates",
]
