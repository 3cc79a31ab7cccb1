"""The refusals of the back office, turned into responses by the handlers init_backoffice installs
(backoffice/middleware.py)."""

from __future__ import annotations


class NotAuthenticated(Exception):
    """Anonymous request to a protected route: 303 to the sign-in page (HTML) or 401 JSON (/api/, bearer)."""

    def __init__(self, detail: str = "not signed in", *, bearer: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.bearer = bearer


class BackofficeError(Exception):
    """A refusal shown as an error page (HTML) or ``{"detail": ...}`` (JSON for /api/ paths)."""

    status_code = 400
    message_key = "error.title"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class CsrfFailed(BackofficeError):
    status_code = 403
    message_key = "error.csrf"

    def __init__(self, detail: str = "CSRF token missing or wrong: reload the page and send the form again") -> None:
        super().__init__(detail)


class AccessDenied(BackofficeError):
    status_code = 403
    message_key = "error.forbidden"

    def __init__(self, detail: str = "your role may not do this") -> None:
        super().__init__(detail)
