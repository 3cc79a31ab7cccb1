"""What the back office does with applications, shared by the JSON API and the clerk pages.

The queue comes from Temporal visibility (search attributes only: no personal data); one
application's details from its workflow's `view` query; decisions are the workflow's `decide` update.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.metrics import DECISIONS, MAILED
from catalog import get_catalog
from config.temporal import (
    APPLICATION_STATUS,
    ESCALATED,
    NEEDS_ATTENTION,
    PROCEDURE_CODE,
    REVIEW_DUE_AT,
    RPC_TIMEOUT,
    SUBMITTED_AT,
)
from domain.delivery import validate_tracking
from domain.ids import application_workflow_id
from domain.models import (
    ApplicationStatus,
    ApplicationView,
    CertificateRecord,
    Decision,
    DecisionInput,
    MarkMailedInput,
)
from domain.review import InvalidDecision, validate
from workflows.shared import DECIDE_UPDATE, MARK_MAILED_UPDATE, VIEW_QUERY

log = logging.getLogger(__name__)
APPLICATION_ID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")
QUEUE_STATUSES = tuple(s.value for s in ApplicationStatus if s != ApplicationStatus.NOT_STARTED)
COUNTED_STATUSES = (
    ApplicationStatus.AWAITING_ID_PHOTO,
    ApplicationStatus.AWAITING_REVIEW,
    ApplicationStatus.APPROVED,
    ApplicationStatus.REJECTED,
)
MAX_LISTED = 5000  # the queue is sorted in memory; Ichikawa's pending reviews number in the hundreds


class NotFound(Exception):
    """No such application (404)."""


class Conflict(Exception):
    """The application is not in a state that allows this (409); `state` says what it is."""

    def __init__(self, message: str, state: dict[str, Any]) -> None:
        super().__init__(message)
        self.state = state


class BadRequest(Exception):
    """A filter or decision that cannot be applied (422), with the reason."""


class Unavailable(Exception):
    """Temporal cannot be reached (503)."""


@dataclass
class QueueItem:
    application_id: str
    procedure_code: str
    status: str
    submitted_at: datetime | None
    review_due_at: datetime | None
    escalated: bool
    needs_attention: bool = False  # the provider refused a refund: staff refund by hand

    def overdue(self, now: datetime) -> bool:
        return self.review_due_at is not None and self.review_due_at <= now

    def as_json(self) -> dict[str, Any]:
        return {
            "application_id": self.application_id,
            "procedure_code": self.procedure_code,
            "status": self.status,
            "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
            "review_due_at": self.review_due_at.isoformat() if self.review_due_at else None,
            "escalated": self.escalated,
            "needs_attention": self.needs_attention,
        }


@dataclass
class QueuePage:
    items: list[QueueItem]
    total: int
    page: int
    page_size: int
    counts: dict[str, int]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def check_id(application_id: str) -> str:
    if not APPLICATION_ID.match(application_id):
        raise NotFound(f"unknown application id {application_id[:40]!r}")
    return application_id


def queue_query(
    status: str,
    procedure: str | None,
    min_age_days: int | None,
    escalated: bool | None,
    needs_attention: bool = False,
) -> str:
    """The visibility query of a queue; with `needs_attention`, applications in any status whose refund the
    provider refused are listed too (the supervisor's overdue view)."""
    if status not in QUEUE_STATUSES:
        raise BadRequest(f"status must be one of {', '.join(QUEUE_STATUSES)}")
    parts = [f"ApplicationStatus = '{status}'"]
    if procedure:
        if get_catalog().get(procedure) is None:
            raise BadRequest(f"unknown procedure {procedure[:40]!r}")
        parts.append(f"ProcedureCode = '{procedure}'")
    if min_age_days is not None:
        if min_age_days < 0 or min_age_days > 3650:
            raise BadRequest("min_age_days must be between 0 and 3650")
        before = datetime.now(UTC) - timedelta(days=min_age_days)
        parts.append(f"SubmittedAt <= '{before.isoformat()}'")
    if escalated is not None:
        parts.append(f"Escalated = {'true' if escalated else 'false'}")
    query = " AND ".join(parts)
    return f"({query}) OR NeedsAttention = true" if needs_attention else query


async def list_applications(
    client: Client,
    *,
    status: str = ApplicationStatus.AWAITING_REVIEW.value,
    procedure: str | None = None,
    min_age_days: int | None = None,
    escalated: bool | None = None,
    needs_attention: bool = False,
    page: int = 1,
    page_size: int = 20,
) -> QueuePage:
    """One page of the queue, oldest submission first, with the counts by status."""
    if page < 1 or not 1 <= page_size <= 100:
        raise BadRequest("page must be >= 1 and page_size between 1 and 100")
    query = queue_query(status, procedure, min_age_days, escalated, needs_attention)
    items: list[QueueItem] = []
    try:
        async for wf in client.list_workflows(query, limit=MAX_LISTED, rpc_timeout=RPC_TIMEOUT):
            attrs = wf.typed_search_attributes
            items.append(
                QueueItem(
                    application_id=wf.id.removeprefix("application-"),
                    procedure_code=attrs.get(PROCEDURE_CODE) or "",
                    status=attrs.get(APPLICATION_STATUS) or "",
                    submitted_at=attrs.get(SUBMITTED_AT),
                    review_due_at=attrs.get(REVIEW_DUE_AT),
                    escalated=bool(attrs.get(ESCALATED)),
                    needs_attention=bool(attrs.get(NEEDS_ATTENTION)),
                )
            )
        counts = {}
        for counted in COUNTED_STATUSES:
            result = await client.count_workflows(f"ApplicationStatus = '{counted.value}'", rpc_timeout=RPC_TIMEOUT)
            counts[counted.value] = result.count
        escalated_count = await client.count_workflows(
            "ApplicationStatus = 'AwaitingReview' AND Escalated = true", rpc_timeout=RPC_TIMEOUT
        )
        counts["Escalated"] = escalated_count.count
        attention_count = await client.count_workflows("NeedsAttention = true", rpc_timeout=RPC_TIMEOUT)
        counts["NeedsAttention"] = attention_count.count
    except RPCError as err:
        if err.status == RPCStatusCode.INVALID_ARGUMENT:
            raise BadRequest(err.message) from None
        raise Unavailable(err.message) from None
    items.sort(key=lambda i: (i.submitted_at or datetime.max.replace(tzinfo=UTC), i.application_id))
    start = (page - 1) * page_size
    return QueuePage(items[start : start + page_size], len(items), page, page_size, counts)


async def get_view(client: Client, application_id: str) -> ApplicationView:
    handle = client.get_workflow_handle(application_workflow_id(check_id(application_id)))
    try:
        view: ApplicationView = await handle.query(VIEW_QUERY, result_type=ApplicationView, rpc_timeout=RPC_TIMEOUT)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise NotFound(f"unknown application id {application_id!r}") from None
        raise Unavailable(err.message) from None
    return view


async def decide(client: Client, application_id: str, decision: DecisionInput) -> Decision:
    """The clerk's decision, as the workflow's validated update. Exactly one concurrent decision wins."""
    try:
        validate(decision)
    except InvalidDecision as err:
        raise BadRequest(str(err)) from None
    handle = client.get_workflow_handle(application_workflow_id(check_id(application_id)))
    try:
        result: Decision = await handle.execute_update(
            DECIDE_UPDATE, decision, result_type=Decision, rpc_timeout=timedelta(seconds=30)
        )
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type == "NotAwaitingReview":
            state = cause.details[0] if cause.details else {}
            raise Conflict(cause.message, state if isinstance(state, dict) else {}) from None
        if isinstance(cause, ApplicationError) and cause.type == "InvalidDecision":
            raise BadRequest(cause.message) from None
        raise Conflict(str(cause or err), {}) from None
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            await _raise_if_closed(client, application_id)
            raise NotFound(f"unknown application id {application_id!r}") from None
        raise Unavailable(err.message) from None
    DECISIONS.labels(decision.decision).inc()
    log.info(
        "decision applied",
        extra={"application_id": application_id, "decision": decision.decision, "clerk": decision.clerk_login},
    )
    return result


async def mark_mailed(client: Client, application_id: str, mailed: MarkMailedInput) -> CertificateRecord:
    """A clerk posted the printed certificate: the workflow's validated `mark_mailed` update."""
    try:
        validate_tracking(mailed.tracking_number)
    except ValueError as err:
        raise BadRequest(str(err)) from None
    handle = client.get_workflow_handle(application_workflow_id(check_id(application_id)))
    try:
        result: CertificateRecord = await handle.execute_update(
            MARK_MAILED_UPDATE, mailed, result_type=CertificateRecord, rpc_timeout=timedelta(seconds=30)
        )
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        message = cause.message if isinstance(cause, ApplicationError) else str(cause or err)
        raise Conflict(message, {}) from None
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            await _raise_if_closed(client, application_id)
            raise NotFound(f"unknown application id {application_id!r}") from None
        raise Unavailable(err.message) from None
    MAILED.inc()
    log.info("certificate mailed", extra={"application_id": application_id, "clerk": mailed.clerk_login})
    return result


async def _raise_if_closed(client: Client, application_id: str) -> None:
    """An update to a finished workflow also answers NOT_FOUND: tell it apart from an unknown id."""
    try:
        description = await client.get_workflow_handle(application_workflow_id(application_id)).describe(
            rpc_timeout=RPC_TIMEOUT
        )
    except RPCError:
        return
    status = description.typed_search_attributes.get(APPLICATION_STATUS) or "closed"
    raise Conflict(f"not awaiting review: {status}", {"status": status})
