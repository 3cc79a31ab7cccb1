"""Certificate verification, public, and revocation by a supervisor.

- ``GET /verify/keys``: the public keys, ``{"keys": [JWK, ...]}`` (Ed25519, with key ids; the current key
  first, the older keys of CERT_SIGNING_KEYS after it, so certificates signed before a rotation still verify).
- ``GET /verify/{certificate_id}.json``: ``{"status": "valid" | "revoked", ...}``; an unknown id (or one not
  issued yet) is HTTP 404 ``{"status": "unknown"}``.
- ``GET /verify/{certificate_id}``: the same as a page in Japanese and English (the URL of the QR code printed
  on every certificate). Self-contained: no external resources, no scripts.
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

import base64
import hashlib
import json
import logging
import re
from functools import lru_cache
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from backoffice.auth import (
    SupervisorStaff,
    csrf_token,
    current_time,
    read_session,
    require_csrf,
    require_supervisor,
)
from certificates.era import wareki
from certificates.model import CertificateData
from certificates.signing import Keyring, verify
from certificates.store import CertificateStore, StoredCertificate
from config.settings import Settings

__all__ = ["disclosure", "router"]

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
_ID_RE = re.compile(r"^[A-Za-z0-9]{16,32}$")
REASON_MAX = 500

_STYLE = """
body{font-family:"Noto Sans CJK JP","Hiragino Sans","Yu Gothic",Meiryo,system-ui,sans-serif;margin:0;
background:#f4f6f8;color:#1b1b1b;line-height:1.6}
main{max-width:46rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.4rem;margin:0 0 1rem}
.en{color:#4a4a4a;font-size:.92em}
.status{border-radius:.4rem;padding:1rem 1.2rem;margin:0 0 1.5rem;border:2px solid}
.status p{margin:0}.status strong{font-size:1.3rem}
.valid{background:#e8f5ec;border-color:#1d7a3a}.revoked{background:#fdecea;border-color:#b3261e}
.unknown{background:#eceff1;border-color:#607d8b}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #b0b8c0;padding:.5rem .7rem;text-align:left;vertical-align:top}
th{background:#eef1f4;width:38%;font-weight:600}
td.hash{font-family:monospace;word-break:break-all;font-size:.85em}
.note{font-size:.9rem;margin-top:1.2rem}
form{margin-top:2rem;padding:1rem;background:#fff;border:1px solid #b0b8c0;border-radius:.4rem}
label{display:block;font-weight:600;margin-bottom:.3rem}
textarea{width:100%;box-sizing:border-box;min-height:4rem;font:inherit}
button{margin-top:.6rem;padding:.5rem 1rem;font:inherit;background:#b3261e;color:#fff;border:0;border-radius:.3rem}
.error{color:#b3261e;font-weight:600}
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
_HEADERS = {
    "content-security-policy": (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "x-robots-tag": "noindex, nofollow",
    "cache-control": "no-store",
}


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
def _keyring(spec: str) -> Keyring:
    return Keyring.parse(spec)


StoreDep = Annotated[CertificateStore, Depends(certificate_store)]


# -- what is disclosed -------------------------------------------------------------------------------------


def disclosure(stored: StoredCertificate, public_keys: dict[str, Any]) -> dict[str, Any]:
    """The public view of an issued certificate (see the module docstring for what is left out)."""
    assert stored.payload is not None and stored.signature is not None and stored.key_id is not None
    data = CertificateData.from_payload(json.loads(stored.payload))
    view: dict[str, Any] = {
        "status": stored.status,
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
        "signature_valid": verify(stored.payload, stored.signature, stored.key_id, public_keys),
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
    keys = _keyring(_settings(request).cert_signing_keys).keys_document()
    return JSONResponse(disclosure(stored, keys), headers=headers)


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


def _row(ja: str, en: str, value: str, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f'<tr><th scope="row">{escape(ja)}<br><span class="en">{escape(en)}</span></th><td{cls}>{value}</td></tr>'


_STATUS_TEXT = {
    "valid": ("有効な証明書です", "This certificate is valid."),
    "revoked": ("この証明書は失効しています", "This certificate has been revoked."),
    "unknown": ("該当する証明書はありません", "No such certificate."),
}


def _page(
    request: Request, store: CertificateStore, certificate_id: str, *, error: bool = False, status_code: int = 200
) -> HTMLResponse:
    stored = _lookup(store, certificate_id)
    status = "unknown" if stored is None else stored.status
    ja, en = _STATUS_TEXT[status]
    parts = [
        '<!doctype html><html lang="ja"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="robots" content="noindex, nofollow">',
        "<title>証明書の確認 | Certificate verification — 市川市</title>",
        f"<style>{_STYLE}</style></head><body><main>",
        '<h1>市川市 証明書の確認 <span class="en" lang="en">Ichikawa City certificate verification</span></h1>',
        f'<div class="status {status}" role="status"><p><strong>{escape(ja)}</strong></p>'
        f'<p class="en" lang="en">{escape(en)}</p></div>',
    ]
    if stored is None:
        parts.append(
            "<p>証明書のURL又はQRコードをご確認ください。</p>"
            '<p class="en" lang="en">Check the URL or scan the QR code printed on the certificate again.</p>'
        )
        if status_code == 200:
            status_code = 404
    else:
        keys = _keyring(_settings(request).cert_signing_keys).keys_document()
        view = disclosure(stored, keys)
        data = CertificateData.from_payload(json.loads(stored.payload or "{}"))
        rows = [
            _row("証明書番号", "Certificate number", escape(view["number"])),
            _row(
                "種類",
                "Type",
                f"{escape(view['title']['ja'])}<br><span class='en'>{escape(view['title']['en'])}</span>",
            ),
            _row("交付年月日", "Date of issue", f"{escape(view['issued_on_ja'])}（{escape(view['issued_on'])}）"),
            _row("発行者", "Issuer", escape(view["issuer"])),
            _row("氏名", "Name", escape(view["holder"]["name"])),
            _row(
                "生年月日",
                "Date of birth",
                f"{escape(wareki(data.holder_birth_date))}（{escape(view['holder']['birth_date'])}）",
            ),
        ]
        if "persons_listed" in view:
            rows.append(_row("記載人数", "Persons listed", str(view["persons_listed"])))
        rows.append(_row("枚数", "Pages", str(view["pages"])))
        signature = "正常 / valid" if view["signature_valid"] else "検証できません / cannot be verified"
        rows.append(_row("電子署名", "Signature", f"{signature}（{escape(view['key_id'])}）"))
        rows.append(_row("PDFのSHA-256", "PDF SHA-256", escape(view["pdf_sha256"] or "-"), "hash"))
        if stored.revoked_at is not None:
            rows.append(_row("失効日時", "Revoked at", escape(view["revoked_at"] or "")))
            if _signed_in(request):
                who = f"{stored.revoked_by or ''}: {stored.revoke_reason or ''}"
                rows.append(_row("失効理由（職員のみ）", "Reason (staff only)", escape(who)))
        parts.append("<table>" + "".join(rows) + "</table>")
        parts.append(
            '<p class="note">本人確認に必要な最小限の項目のみ表示しています（住所等は表示しません）。'
            "お手元の証明書の記載と照合してください。電子交付のPDFは "
            "<code>python -m certificates verify FILE --keys keys.json</code>（公開鍵: /verify/keys）で"
            "改ざんの有無を確認できます。</p>"
            '<p class="note en" lang="en">Only what is needed to check the certificate is shown (no address). '
            "Compare it with the certificate in hand. A digital PDF can be checked for changes offline with "
            "<code>python -m certificates verify FILE --keys keys.json</code> (public keys: /verify/keys).</p>"
        )
        if stored.status == "valid" and _supervisor(request):
            message = (
                '<p class="error" role="alert">失効理由を入力してください（500文字以内）。 / '
                "Enter a reason (up to 500 characters).</p>"
                if error
                else ""
            )
            parts.append(
                f'<form method="post" action="/staff/certificates/{escape(stored.certificate_id)}/revoke">'
                f'<input type="hidden" name="csrf_token" value="{escape(csrf_token(request))}">'
                f'<label for="reason">失効させる理由 / Reason for revocation</label>{message}'
                f'<textarea id="reason" name="reason" maxlength="{REASON_MAX}" required></textarea>'
                '<button type="submit">この証明書を失効させる / Revoke this certificate</button></form>'
            )
    parts.append("</main></body></html>")
    return HTMLResponse("".join(parts), status_code=status_code, headers=_HEADERS)
