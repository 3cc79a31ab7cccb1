"""Certificate verification, public, and revocation by a supervisor.

- ``GET /verify/keys``: the public keys, ``{"keys": [JWK, ...]}`` (Ed25519, with key ids; the current key
  first, the older keys of CERT_SIGNING_KEYS after it, so certificates signed before a rotation still verify).
- ``GET /verify/{certificate_id}.json``: ``{"status": "valid" | "revoked", ...}``; an unknown id (or one not
  issued yet) is HTTP 404 ``{"status": "unknown"}``. A row whose signature does not verify against the published
  keys, or whose signed payload names another certificate, is ``{"status": "invalid"}`` (HTTP 200) and discloses
  nothing of the payload; a payload that cannot be read at all is ``{"status": "invalid"}`` with HTTP 409. Both
  are logged with the certificate number.
- ``GET /verify/{certificate_id}``: the same as a page in Japanese and English (the URL of the QR code printed
  on every certificate; api/templates/verify.html). Self-contained: no external resources, no scripts.
- ``POST /staff/certificates/{certificate_id}/revoke``: supervisors only (clerks 403, anonymous to sign-in),
  CSRF token required, form field ``reason``; redirects (303) to ``/verify/{certificate_id}``. The verify page
  shows the form to a signed-in supervisor.

Minimal disclosure: whoever holds the URL holds the certificate (or a photo of it), so the page confirms what a
relying party compares with the paper, and nothing more: status, number, type, issue date, issuer, the
holder's name and date of birth, how many persons are listed, the page count and the PDF's SHA-256 (to check
a digital copy). Never the address, the other persons' names, the domicile, the seal, the income figures or My
Number (which no certificate holds). The revocation reason and who revoked are shown to signed-in staff only.

The database: the back office's, through ``request.app.state.backoffice_sessions`` (set by
``init_backoffice``); without it, ``CertificateStore.from_url(settings.database_url)`` (one engine per URL).
Settings come from ``request.app.state.settings``, else from the back office state.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from api.pages import render
from backoffice.auth import SupervisorStaff, require_supervisor
from backoffice.csrf import csrf_token, require_csrf
from backoffice.session import read_session
from backoffice.state import current_time
from certificates.era import wareki
from certificates.model import CertificateData
from certificates.signing import SigningKeys, verify
from certificates.store import CertificateStore, StoredCertificate
from config.settings import Settings

__all__ = ["disclosure", "router"]

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
_ID_RE = re.compile(r"^[A-Za-z0-9]{16,32}$")
REASON_MAX = 500

_HEADERS = {"x-robots-tag": "noindex, nofollow", "cache-control": "no-store"}


# -- dependencies ------------------------------------------------------------------------------------------


def _settings(request: Request) -> Settings:
    settings: Settings | None = getattr(request.app.state, "settings", None)
    if settings is None:
        backoffice = getattr(request.app.state, "backoffice", None)
        settings = getattr(backoffice, "settings", None)
    if settings is None:
        raise RuntimeError("no settings on app.state (settings or backoffice)")
    return settings


def certificate_store(request: Request) -> CertificateStore:
    """The back office database's sessions when init_backoffice ran, else one engine per DATABASE_URL."""
    sessions = getattr(request.app.state, "backoffice_sessions", None)
    if sessions is not None:
        return CertificateStore(sessions)
    return CertificateStore.from_url(_settings(request).database_url)


@lru_cache(maxsize=8)
def _keyring(spec: str) -> SigningKeys:
    return SigningKeys.parse(spec)


StoreDep = Annotated[CertificateStore, Depends(certificate_store)]


# -- what is disclosed -------------------------------------------------------------------------------------

Status = Literal["valid", "revoked", "invalid"]


@dataclass(frozen=True)
class Checked:
    """An issued row checked against the published keys.

    `status` is "valid" or "revoked" (from the register) only when the payload's signature verifies and the
    payload names this row's certificate; else "invalid". `data` is set exactly when the status is not
    "invalid": nothing of a payload that did not verify is ever shown. `unreadable`: the payload could not even
    be parsed (answered 409 rather than 200).
    """

    status: Status
    data: CertificateData | None = None
    unreadable: bool = False


def check(stored: StoredCertificate, public_keys: dict[str, Any]) -> Checked:
    """The row's status from its signature and the register together (see `Checked`). Logs what failed, by
    certificate number only (the payload's values may be personal data, and the id opens the public page)."""
    payload, signature, key_id = stored.payload, stored.signature, stored.key_id
    try:
        data = CertificateData.from_payload(json.loads(payload or ""))
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as err:
        # The exception's text may quote the payload (a birth date, a name): only its type is logged.
        log.error("certificate %s: its stored payload cannot be read (%s)", stored.number, type(err).__name__)
        return Checked("invalid", unreadable=True)
    if not (signature and key_id and verify(payload or "", signature, key_id, public_keys)):
        log.warning("certificate %s: its stored payload does not match its signature", stored.number)
        return Checked("invalid")
    if (data.certificate_id, data.number) != (stored.certificate_id, stored.number):
        log.warning("certificate %s: its signed payload belongs to another certificate", stored.number)
        return Checked("invalid")
    return Checked("revoked" if stored.revoked_at is not None else "valid", data)


def disclosure(stored: StoredCertificate, checked: Checked) -> dict[str, Any]:
    """The public view of an issued certificate, `checked` by `check` (see the module docstring for what is
    left out)."""
    data = checked.data
    if data is None:
        return {"status": "invalid", "certificate_id": stored.certificate_id, "signature_valid": False}
    view: dict[str, Any] = {
        "status": checked.status,
        "certificate_id": stored.certificate_id,
        "number": stored.number,
        "type": data.procedure_code,
        "title": {"ja": data.title, "en": data.title_en},
        "issued_on": data.issued_at.isoformat(),
        "issued_on_ja": wareki(data.issued_at),
        "issuer": data.mayor,
        "holder": {"name": data.holder_name, "birth_date": data.holder_birth_date.isoformat()},
        "pages": stored.pages,
        "key_id": stored.key_id,
        "signature_valid": True,
        "pdf_sha256": stored.pdf_sha256,
        "revoked_at": stored.revoked_at.isoformat() if stored.revoked_at else None,
    }
    if data.members:
        view["persons_listed"] = len(data.members)
    return view


def _lookup(store: CertificateStore, certificate_id: str) -> StoredCertificate | None:
    if not _ID_RE.match(certificate_id):
        return None
    stored = store.get(certificate_id)
    return stored if stored is not None and stored.status != "allocated" else None


def _public_keys(request: Request) -> dict[str, Any]:
    return _keyring(_settings(request).cert_signing_keys).keys_document()


# -- routes ------------------------------------------------------------------------------------------------


@router.get("/verify/keys")
def public_keys(request: Request) -> JSONResponse:
    document = _keyring(_settings(request).cert_signing_keys).keys_document()
    return JSONResponse(document, headers={"cache-control": "public, max-age=300"})


@router.get("/verify/{certificate_id}.json")
def verify_json(request: Request, certificate_id: str, store: StoreDep) -> JSONResponse:
    stored = _lookup(store, certificate_id)
    headers = {"cache-control": "no-store", "x-robots-tag": "noindex"}
    if stored is None:
        return JSONResponse({"status": "unknown"}, status_code=404, headers=headers)
    checked = check(stored, _public_keys(request))
    status_code = 409 if checked.unreadable else 200
    return JSONResponse(disclosure(stored, checked), status_code=status_code, headers=headers)


@router.get("/verify/{certificate_id}", response_class=HTMLResponse)
def verify_page(request: Request, certificate_id: str, store: StoreDep) -> HTMLResponse:
    return _page(request, store, certificate_id)


# Who first (anonymous: to sign-in; clerks: 403), then the CSRF token.
@router.post(
    "/staff/certificates/{certificate_id}/revoke",
    dependencies=[Depends(require_supervisor), Depends(require_csrf)],
)
def revoke(
    request: Request,
    certificate_id: str,
    staff: SupervisorStaff,
    store: StoreDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Sync on purpose: the database runs in FastAPI's thread pool."""
    reason = reason.strip()
    if _lookup(store, certificate_id) is None:
        return _page(request, store, certificate_id)
    if not reason or len(reason) > REASON_MAX:
        return _page(request, store, certificate_id, error=True, status_code=400)
    done = store.revoke(certificate_id, by=staff.login, reason=reason, now=current_time(request))
    if done is not None:
        log.info("certificate %s revoked by staff %s", done.number, staff.login)
    return RedirectResponse(f"/verify/{certificate_id}", status_code=303)


# -- the page ----------------------------------------------------------------------------------------------


def _supervisor(request: Request) -> bool:
    """A signed-in supervisor is looking (read softly: the page is public, a bad cookie is just anonymous)."""
    backoffice = getattr(request.app.state, "backoffice", None)
    if backoffice is None:
        return False
    session = read_session(request)
    if session is None:
        return False
    staff = backoffice.accounts.get(session.staff_id)
    return staff is not None and staff.role == "supervisor"


def _signed_in(request: Request) -> bool:
    return getattr(request.app.state, "backoffice", None) is not None and read_session(request) is not None


def _page(
    request: Request, store: CertificateStore, certificate_id: str, *, error: bool = False, status_code: int = 200
) -> HTMLResponse:
    stored = _lookup(store, certificate_id)
    context: dict[str, Any] = {"certificate_id": certificate_id, "reason_max": REASON_MAX, "error": error}
    if stored is None:
        status = "unknown"
        if status_code == 200:
            status_code = 404
    else:
        checked = check(stored, _public_keys(request))
        status = checked.status
        if checked.unreadable:
            status_code = 409
        if checked.data is not None:
            context["view"] = disclosure(stored, checked)
            context["birth_date_ja"] = wareki(checked.data.holder_birth_date)
            if stored.revoked_at is not None and _signed_in(request):
                context["revocation"] = f"{stored.revoked_by or ''}: {stored.revoke_reason or ''}"
            if status == "valid" and _supervisor(request):
                context["revoke_form"] = True
                context["csrf_token"] = csrf_token(request)
    context["status"] = status
    return render("verify.html", context, status_code=status_code, headers=_HEADERS)
