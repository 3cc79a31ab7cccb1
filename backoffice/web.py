"""The back office web layer: templates, security headers, error pages, sign-in/out routes, init_backoffice.

    app = FastAPI(...)
    init_backoffice(app, settings)      # static files, middleware, error handlers, tables, sign-in routes
    app.include_router(pages_router)    # the pages (api/clerk_pages.py: the queue at /staff/ is the home page)

A page: ``return render(request, "detail.html", {"application": application})`` where detail.html starts with
``{% extends "base.html" %}`` and fills the blocks ``title`` and ``content`` (optionally ``heading``).
Every template gets ``t`` (bound to the page's language), ``lang``, ``csrf_token``, ``current_staff`` (a Staff or
None), ``lang_switch_url``, ``lang_switch_lang`` and ``static_url()``; these win over same-named context keys.

Where the parts live: this module (`init_backoffice`); backoffice/templating.py (`render`, `templates`);
backoffice/middleware.py (security headers, cookies, error handlers); backoffice/sign_in.py (the routes).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from backoffice.accounts import Accounts
from backoffice.db import Database
from backoffice.errors import BackofficeError, NotAuthenticated
from backoffice.middleware import BackofficeMiddleware, _handle_backoffice_error, _handle_not_authenticated
from backoffice.sign_in import router
from backoffice.state import Backoffice
from backoffice.templating import STATIC_DIR, STATIC_PATH
from config.settings import Settings

# -- set-up ------------------------------------------------------------------------------------------------


def init_backoffice(
    app: FastAPI,
    settings: Settings,
    *,
    hasher: PasswordHasher | None = None,
    database: Database | None = None,
) -> Backoffice:
    """Set the back office up on `app`, once, before it starts.

    Creates the tables, stores ``app.state.backoffice`` (a Backoffice: settings, db, accounts, keys) and
    ``app.state.backoffice_engine`` / ``app.state.backoffice_sessions``, adds the middleware (security headers,
    cookies), the handlers for NotAuthenticated (303 to sign-in / 401 JSON) and BackofficeError (403 page or
    JSON), mounts the static files at /staff/static and includes `router()`.

    `hasher`: argon2-cffi's default PasswordHasher unless given (tests pass accounts.cheap_hasher()).
    """
    database = database or Database.from_url(settings.database_url)
    database.create_all()
    accounts = Accounts(database.sessions, hasher=hasher)
    state = Backoffice.create(settings, database, accounts)
    app.state.backoffice = state
    app.state.backoffice_engine = database.engine
    app.state.backoffice_sessions = database.sessions
    app.add_middleware(BackofficeMiddleware, backoffice=state)
    app.add_exception_handler(NotAuthenticated, _handle_not_authenticated)
    app.add_exception_handler(BackofficeError, _handle_backoffice_error)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="backoffice_static")
    app.include_router(router())
    return state
