"""JSON API of the back office: the queue, one application, a decision. Same code as the clerk pages.

Authenticated by the staff session cookie (then CSRF-protected like the forms) or by an API token
(`Authorization: Bearer ...`, created with `python -m admin create-token`).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from api import applications
from api.deps import TemporalDep
from backoffice.accounts import Staff
from backoffice.auth import current_staff
from backoffice.csrf import require_csrf
from domain.models import DecisionInput, MarkMailedInput
from domain.review import MAX_NOTE
from messages.texts_review import PHOTO_REASONS, REJECT_REASONS

router = APIRouter(prefix="/api", tags=["back office"])
StaffDep = Annotated[Staff, Depends(current_staff)]


class DecisionBody(BaseModel):
    decision: Literal["approve", "reject", "request_photo"]
    reason: str | None = Field(
        default=None,
        description="Required for reject (one of: "
        + ", ".join(REJECT_REASONS)
        + ") and request_photo (one of: "
        + ", ".join(PHOTO_REASONS)
        + ").",
    )
    note: str = Field(default="", max_length=MAX_NOTE, description="Shown to the resident; required with 'other'.")

    @model_validator(mode="after")
    def _reason_where_needed(self) -> DecisionBody:
        reasons = {"reject": REJECT_REASONS, "request_photo": PHOTO_REASONS}.get(self.decision)
        if reasons is not None and self.reason not in reasons:
            raise ValueError(f"{self.decision} needs a reason, one of: {', '.join(reasons)}")
        if self.reason == "other" and not self.note.strip():
            raise ValueError("reason 'other' needs a note for the resident")
        return self


def http_error(err: Exception) -> HTTPException:
    if isinstance(err, applications.NotFound):
        return HTTPException(404, str(err))
    if isinstance(err, applications.Conflict):
        return HTTPException(409, {"message": str(err), "current": err.state})
    if isinstance(err, applications.BadRequest):
        return HTTPException(422, str(err))
    return HTTPException(503, "Temporal is not reachable; try again shortly")


ERRORS = (applications.NotFound, applications.Conflict, applications.BadRequest, applications.Unavailable)


@router.get("/applications", summary="The review queue (or any status), oldest first")
async def list_applications(
    staff: StaffDep,
    temporal: TemporalDep,
    status: str = "AwaitingReview",
    procedure: str | None = None,
    min_age_days: Annotated[int | None, Query(description="only applications submitted at least this long ago")] = None,
    escalated: bool | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    try:
        result = await applications.list_applications(
            temporal,
            status=status,
            procedure=procedure,
            min_age_days=min_age_days,
            escalated=escalated,
            page=page,
            page_size=page_size,
        )
    except ERRORS as err:
        raise http_error(err) from None
    return {
        "items": [i.as_json() for i in result.items],
        "total": result.total,
        "page": result.page,
        "pages": result.pages,
        "counts": result.counts,
    }


@router.get("/applications/{application_id}", summary="One application: answers, registry match, photo report")
async def get_application(application_id: str, staff: StaffDep, temporal: TemporalDep) -> dict[str, Any]:
    try:
        view = await applications.get_view(temporal, application_id)
    except ERRORS as err:
        raise http_error(err) from None
    return asdict(view)


@router.post(
    "/applications/{application_id}/decision",
    summary="Approve, reject (reason required) or ask for a new ID photo",
    responses={404: {"description": "unknown id"}, 409: {"description": "not awaiting review"}},
)
async def post_decision(
    application_id: str,
    body: DecisionBody,
    staff: StaffDep,
    temporal: TemporalDep,
    _csrf: Annotated[None, Depends(require_csrf)],  # after staff: anonymous is 401, not 403
) -> JSONResponse:
    decision = DecisionInput(
        decision=body.decision,
        reason_code=body.reason or "",
        reason_text=body.note,
        clerk_login=staff.login,
        clerk_name=staff.name,
    )
    try:
        result = await applications.decide(temporal, application_id, decision)
    except ERRORS as err:
        raise http_error(err) from None
    return JSONResponse(asdict(result))


class MailedBody(BaseModel):
    tracking_number: str = Field(min_length=6, max_length=30, pattern=r"^[A-Za-z0-9-]+$")


@router.post(
    "/applications/{application_id}/mailed",
    summary="The printed certificate was posted: record the tracking number and tell the resident",
    responses={404: {"description": "unknown id"}, 409: {"description": "not awaiting mailing"}},
)
async def post_mailed(
    application_id: str,
    body: MailedBody,
    staff: StaffDep,
    temporal: TemporalDep,
    _csrf: Annotated[None, Depends(require_csrf)],
) -> JSONResponse:
    mailed = MarkMailedInput(tracking_number=body.tracking_number, clerk_login=staff.login, clerk_name=staff.name)
    try:
        result = await applications.mark_mailed(temporal, application_id, mailed)
    except ERRORS as err:
        raise http_error(err) from None
    return JSONResponse(asdict(result))
