"""The clerk pages: the review queue, one application, the decision forms, the ID photo.

Server-rendered with the back office layout (backoffice/templates); every route needs a signed-in
staff member, every form a CSRF token. The same service code (api/applications.py) serves the JSON API.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import applications
from api.deps import SettingsDep, TemporalDep
from backoffice import CurrentStaff, SupervisorStaff, language, render, require_csrf, t
from backoffice.i18n import CLERK
from catalog import get_catalog
from domain.models import ApplicationView, DecisionInput, MarkMailedInput
from domain.state import JST
from messages import i18n
from messages.texts_review import PHOTO_REASONS, REJECT_REASONS
from storage.blobs import BlobNotFound, blob_store_from_settings

router = APIRouter(prefix="/staff", include_in_schema=False)
AGE_CHOICES = (1, 3, 7, 14)
MATCH_FIELDS = ("name_kanji", "name_kana", "birth_date", "address")


def local_time(value: datetime | str | None) -> str:
    if not value:
        return "-"
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.astimezone(JST).strftime("%Y-%m-%d %H:%M")


def due_badge(item: applications.QueueItem, now: datetime) -> str:
    if item.needs_attention:
        return "refund"
    if item.escalated:
        return "escalated"
    if item.review_due_at is None:
        return ""
    if item.review_due_at <= now:
        return "overdue"
    return "today" if item.review_due_at.astimezone(JST).date() == now.astimezone(JST).date() else "ok"


def procedure_name(code: str, lang: str) -> str:
    procedure = get_catalog().get(code)
    return procedure.name.get(lang) if procedure else code


def _error_page(request: Request, key: str, status: int) -> Response:
    message = t(key, language(request))
    return render(request, "error.html", {"message": message, "signed_in": True}, status_code=status)


async def _queue_page(
    request: Request,
    temporal: TemporalDep,
    *,
    title_key: str,
    status: str,
    procedure: str,
    age: str,
    page: int,
    escalated: bool | None,
    needs_attention: bool = False,
    caption_key: str = "queue.caption",
) -> Response:
    lang = language(request)
    min_age = int(age) if age.isdigit() and int(age) in AGE_CHOICES else None
    try:
        result = await applications.list_applications(
            temporal,
            status=status,
            procedure=procedure or None,
            min_age_days=min_age,
            escalated=escalated,
            needs_attention=needs_attention,
            page=max(page, 1),
        )
    except applications.BadRequest as err:
        return render(request, "error.html", {"message": str(err), "signed_in": True}, status_code=422)
    except applications.Unavailable:
        return _error_page(request, "decision.unavailable", 503)
    now = datetime.now(UTC)

    def page_url(n: int) -> str:
        query = {"status": status, "procedure": procedure, "age": age, "page": str(n)}
        return f"{request.url.path}?{urlencode({k: v for k, v in query.items() if v})}"

    rows = [
        {
            "id": item.application_id,
            "procedure": procedure_name(item.procedure_code, lang),
            "submitted": local_time(item.submitted_at),
            "due": local_time(item.review_due_at),
            "badge": due_badge(item, now),
            "status": item.status,
        }
        for item in result.items
    ]
    return render(
        request,
        "queue.html",
        {
            "title_key": title_key,
            "caption_key": caption_key,
            "rows": rows,
            "result": result,
            "status": status,
            "procedure": procedure,
            "age": age,
            "statuses": applications.QUEUE_STATUSES,
            "procedures": [(p.code, p.name.get(lang)) for p in get_catalog().procedures],
            "ages": AGE_CHOICES,
            "prev_url": page_url(result.page - 1) if result.page > 1 else None,
            "next_url": page_url(result.page + 1) if result.page < result.pages else None,
            "show_filters": escalated is None,
        },
    )


@router.get("/", response_class=HTMLResponse)
async def queue(
    request: Request,
    staff: CurrentStaff,
    temporal: TemporalDep,
    status: str = "AwaitingReview",
    procedure: str = "",
    age: str = "",
    page: int = 1,
) -> Response:
    return await _queue_page(
        request,
        temporal,
        title_key="queue.title",
        status=status,
        procedure=procedure,
        age=age,
        page=page,
        escalated=None,
    )


@router.get("/supervisor", response_class=HTMLResponse)
async def supervisor_queue(request: Request, staff: SupervisorStaff, temporal: TemporalDep, page: int = 1) -> Response:
    return await _queue_page(
        request,
        temporal,
        title_key="queue.supervisor_title",
        status="AwaitingReview",
        procedure="",
        age="",
        page=page,
        escalated=True,
        needs_attention=True,
        caption_key="queue.supervisor_caption",
    )


def _answer_rows(view: ApplicationView, lang: str) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The four identity fields side by side with the registry; the rest of the answers below."""
    match = view.registry_match
    registry = match.registry if match else {}
    differing = set(match.differing) if match else set()
    rows = [
        {
            "label": t(f"field.{name}", lang),
            "answer": view.answers.get(name, ""),
            "registry": registry.get(name, ""),
            "differs": name in differing,
        }
        for name in MATCH_FIELDS
    ]
    procedure = get_catalog().get(view.procedure_code)
    labels = {q.id: q.prompt.get(lang) for q in procedure.questions} if procedure else {}
    others = [(labels.get(k, k), v) for k, v in view.answers.items() if k not in MATCH_FIELDS]
    return rows, others


async def _detail_page(
    request: Request,
    temporal: TemporalDep,
    application_id: str,
    *,
    notice: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    lang = language(request)
    try:
        view = await applications.get_view(temporal, application_id)
    except applications.NotFound:
        return _error_page(request, "error.not_found", 404)
    except applications.Unavailable:
        return _error_page(request, "decision.unavailable", 503)
    rows, others = _answer_rows(view, lang)
    record = view.id_photo
    attempts = [
        {
            "n": i + 1,
            "index": i,
            "stored": bool(a.blob_key) and not record.photos_deleted,
            "accepted": a.accepted,
            "reasons": ", ".join(a.report.reasons),
            "scores": {k: round(float(v), 2) for k, v in a.report.scores.items()},
            "chosen": record.chosen == i,
            "duplicate_of": ", ".join(a.duplicate_of),
        }
        for i, a in enumerate(record.attempts)
    ]
    last = view.decisions[-1] if view.decisions else None
    return render(
        request,
        "detail.html",
        {
            "view": view,
            "procedure_name": procedure_name(view.procedure_code, lang),
            "rows": rows,
            "others": others,
            "match_kind": view.registry_match.kind if view.registry_match else "pending",
            "differing": ", ".join(
                t(f"field.{f}", lang)
                for f in (view.registry_match.differing if view.registry_match else [])
                if f in MATCH_FIELDS
            ),
            "attempts": attempts,
            "local_time": local_time,  # Japan time, to the minute, like every time on the page
            "timeline": [
                {
                    "at": local_time(e.at),
                    "event": t(f"event.{e.event}", lang) if f"event.{e.event}" in CLERK else e.event,
                    "actor": t(f"actor.{e.actor}", lang) if e.actor in ("resident", "system") else e.actor,
                    "detail": e.detail,
                }
                for e in view.timeline
            ],
            "submitted": local_time(view.submitted_at),
            "due": local_time(view.review_due_at) if view.review_due_at else "-",
            "last": last,
            "last_at": local_time(last.decided_at) if last else "",
            "reject_reasons": [(code, i18n.t(REJECT_REASONS, code, lang)) for code in REJECT_REASONS],
            "photo_reasons": [(code, i18n.t(PHOTO_REASONS, code, lang)) for code in PHOTO_REASONS],
            "notice": notice,
            "error": error,
        },
        status_code=status,
    )


@router.get("/applications/{application_id}", response_class=HTMLResponse)
async def detail(request: Request, application_id: str, staff: CurrentStaff, temporal: TemporalDep) -> Response:
    done = request.query_params.get("done", "")
    known = ("approve", "reject", "request_photo", "mailed")
    notice = t(f"decision.done.{done}", language(request)) if done in known else ""
    return await _detail_page(request, temporal, application_id, notice=notice)


async def _act(
    request: Request, temporal: TemporalDep, application_id: str, action: Awaitable[object], done: str
) -> Response:
    """Runs a clerk's action (decide, mark mailed): back to the page with a notice, or with the reason it failed."""
    lang = language(request)
    try:
        await action
    except applications.NotFound:
        return _error_page(request, "error.not_found", 404)
    except applications.BadRequest as err:
        error = t("decision.invalid", lang, reason=str(err))
        return await _detail_page(request, temporal, application_id, error=error, status=422)
    except applications.Conflict as err:
        who = err.state.get("clerk_name") or err.state.get("clerk_login")
        if who:
            error = t("decision.conflict", lang, who=who, at=local_time(err.state.get("decided_at")))
        elif "status" in err.state:
            error = t("decision.conflict_plain", lang, status=err.state["status"])
        else:
            error = str(err)
        return await _detail_page(request, temporal, application_id, error=error, status=409)
    except applications.Unavailable:
        return await _detail_page(request, temporal, application_id, error=t("decision.unavailable", lang), status=503)
    return RedirectResponse(f"/staff/applications/{application_id}?done={done}", status_code=303)


@router.post("/applications/{application_id}/decision")
async def decide(
    request: Request,
    application_id: str,
    staff: CurrentStaff,
    _csrf: Annotated[None, Depends(require_csrf)],  # after staff: anonymous goes to sign-in
    temporal: TemporalDep,
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    chosen = DecisionInput(
        decision=decision,
        reason_code=reason if decision in ("reject", "request_photo") else "",
        reason_text=note,
        clerk_login=staff.login,
        clerk_name=staff.name,
    )
    return await _act(
        request, temporal, application_id, applications.decide(temporal, application_id, chosen), decision
    )


@router.post("/applications/{application_id}/mailed")
async def mailed(
    request: Request,
    application_id: str,
    staff: CurrentStaff,
    _csrf: Annotated[None, Depends(require_csrf)],
    temporal: TemporalDep,
    tracking_number: Annotated[str, Form()] = "",
) -> Response:
    chosen = MarkMailedInput(tracking_number=tracking_number.strip(), clerk_login=staff.login, clerk_name=staff.name)
    return await _act(
        request, temporal, application_id, applications.mark_mailed(temporal, application_id, chosen), "mailed"
    )


@router.get("/applications/{application_id}/certificate.{kind}")
async def certificate_file(
    application_id: str, kind: str, staff: CurrentStaff, temporal: TemporalDep, settings: SettingsDep
) -> Response:
    """The issued certificate (PDF to print, PNG preview), decrypted for signed-in staff only."""
    if kind not in ("pdf", "png"):
        return Response("not found", status_code=404, media_type="text/plain")
    try:
        view = await applications.get_view(temporal, application_id)
    except applications.NotFound:
        return Response("not found", status_code=404, media_type="text/plain")
    except applications.Unavailable:
        return Response("temporarily unavailable", status_code=503, media_type="text/plain")
    if view.certificate is None:
        return Response("no certificate yet", status_code=404, media_type="text/plain")
    key = view.certificate.pdf_blob_key if kind == "pdf" else view.certificate.preview_blob_key
    store = blob_store_from_settings(settings.blob_dir, settings.blob_keys)
    try:
        data = await asyncio.to_thread(store.get, key)
    except BlobNotFound:
        return Response("deleted", status_code=404, media_type="text/plain")
    media = "application/pdf" if kind == "pdf" else "image/png"
    return Response(data, media_type=media, headers={"Cache-Control": "no-store"})


@router.get("/applications/{application_id}/photos/{index}")
async def photo(
    application_id: str, index: int, staff: CurrentStaff, temporal: TemporalDep, settings: SettingsDep
) -> Response:
    """One ID photo, decrypted from the blob store; only for signed-in staff, never cached."""
    try:
        view = await applications.get_view(temporal, application_id)
    except applications.NotFound:
        return Response("not found", status_code=404, media_type="text/plain")
    except applications.Unavailable:
        return Response("temporarily unavailable", status_code=503, media_type="text/plain")
    attempts = view.id_photo.attempts
    if not 0 <= index < len(attempts) or not attempts[index].blob_key or view.id_photo.photos_deleted:
        return Response("no such photo", status_code=404, media_type="text/plain")
    store = blob_store_from_settings(settings.blob_dir, settings.blob_keys)
    try:
        data = await asyncio.to_thread(store.get, attempts[index].blob_key)
    except BlobNotFound:
        return Response("photo deleted", status_code=404, media_type="text/plain")
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"})
