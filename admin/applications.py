"""Applications in Temporal: list, show, withdraw a stuck one, retry a failed one.

These connect with config.temporal.connect (the one data converter); the global `--timeout` bounds the wait for
Temporal to accept the connection.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

import typer
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import ResetWorkflowExecutionRequest
from temporalio.client import Client, WorkflowExecutionDescription, WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from admin.common import fail, one_line, settings
from api import applications
from config.temporal import APPLICATION_STATUS, RPC_TIMEOUT, connect
from domain.ids import application_workflow_id
from domain.models import ApplicationStatus, WithdrawInput
from workflows.application import WITHDRAWABLE
from workflows.shared import WITHDRAW_SIGNAL

PANEL = "Applications (Temporal)"
DEFAULT_TIMEOUT = 10.0
T = TypeVar("T")
app = typer.Typer()

# A reset makes sense for a running workflow or one that ended badly; never for one that completed normally.
_RESETTABLE = {
    WorkflowExecutionStatus.RUNNING,
    WorkflowExecutionStatus.FAILED,
    WorkflowExecutionStatus.TIMED_OUT,
    WorkflowExecutionStatus.TERMINATED,
}


class Refused(Exception):
    """The command cannot be done; the message is the one line printed on stderr (exit status 1)."""


def _run(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    try:
        return asyncio.run(work())
    except Refused as exc:
        fail(str(exc))


def _timeout(ctx: typer.Context) -> float:
    return float(ctx.obj) if isinstance(ctx.obj, int | float) else DEFAULT_TIMEOUT


async def _client(timeout: float) -> Client:
    config = settings()
    where = f"Temporal at {config.temporal_address} (namespace {config.temporal_namespace})"
    try:
        return await asyncio.wait_for(connect(config), timeout=timeout)
    except TimeoutError:
        raise Refused(f"{where} did not answer within {timeout:g} s") from None
    except (RuntimeError, RPCError) as exc:
        raise Refused(f"{where} is unreachable: {one_line(exc)}") from None


def _application_id(value: str) -> str:
    """The number residents see (e.g. 7K3QF-9M2XA), or the workflow id (application-7K3QF-9M2XA)."""
    application_id = value.strip().upper().removeprefix("APPLICATION-")
    if not applications.APPLICATION_ID.match(application_id):
        raise typer.BadParameter(f"{value[:40]!r} is not an application number like 7K3QF-9M2XA")
    return application_id


ApplicationArg = Annotated[
    str, typer.Argument(help="application number (e.g. 7K3QF-9M2XA) or workflow id", callback=_application_id)
]


async def _describe(client: Client, application_id: str) -> WorkflowExecutionDescription:
    handle: WorkflowHandle[Any, Any] = client.get_workflow_handle(application_workflow_id(application_id))
    try:
        return await handle.describe(rpc_timeout=RPC_TIMEOUT)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise Refused(f"unknown application {application_id}") from None
        raise Refused(f"Temporal is unavailable: {err.message}") from None


def _status(value: str) -> str:
    if value not in applications.QUEUE_STATUSES:
        raise typer.BadParameter(f"one of {', '.join(applications.QUEUE_STATUSES)}")
    return value


@app.command("list-applications", rich_help_panel=PANEL)
def list_applications(
    ctx: typer.Context,
    status: Annotated[
        str, typer.Option(callback=_status, help="ApplicationStatus search attribute value")
    ] = ApplicationStatus.AWAITING_REVIEW.value,
    procedure: Annotated[str | None, typer.Option(help="procedure code, e.g. juminhyo")] = None,
    escalated: Annotated[bool | None, typer.Option("--escalated/--not-escalated", help="past the deadline")] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    page_size: Annotated[int, typer.Option(min=1, max=100)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document instead of a table")] = False,
) -> None:
    """List applications from Temporal visibility (search attributes only), oldest submission first."""

    async def work() -> applications.QueuePage:
        client = await _client(_timeout(ctx))
        try:
            return await applications.list_applications(
                client, status=status, procedure=procedure, escalated=escalated, page=page, page_size=page_size
            )
        except applications.BadRequest as exc:
            raise Refused(f"refused: {exc}") from None
        except applications.Unavailable as exc:
            raise Refused(f"Temporal is unavailable: {exc}") from None

    queue = _run(work)
    if as_json:
        document = {
            "items": [item.as_json() for item in queue.items],
            "total": queue.total,
            "page": queue.page,
            "pages": queue.pages,
            "counts": queue.counts,
        }
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{'application':<13} {'procedure':<10} {'status':<16} {'submitted':<25} {'review due':<25} escalated")
    for item in queue.items:
        submitted = item.submitted_at.isoformat(timespec="seconds") if item.submitted_at else "-"
        due = item.review_due_at.isoformat(timespec="seconds") if item.review_due_at else "-"
        typer.echo(
            f"{item.application_id:<13} {item.procedure_code:<10} {item.status:<16} {submitted:<25} {due:<25} "
            f"{'yes' if item.escalated else 'no'}"
        )
    counts = ", ".join(f"{name} {count}" for name, count in queue.counts.items())
    typer.echo(f"page {queue.page}/{queue.pages} of {queue.total}; {counts}", err=True)


def _without_photo_references(value: Any) -> Any:
    """The view minus blob keys (ID photos, certificate PDFs): the photos stay in the back office."""
    if isinstance(value, dict):
        return {k: _without_photo_references(v) for k, v in value.items() if not k.endswith(("blob_key", "blob_keys"))}
    if isinstance(value, list):
        return [_without_photo_references(v) for v in value]
    return value


@app.command("show-application", rich_help_panel=PANEL)
def show_application(ctx: typer.Context, application_id: ApplicationArg) -> None:
    """Print one application (its workflow's `view` query) as JSON, without photo references. Needs a worker."""

    async def work() -> dict[str, Any]:
        client = await _client(_timeout(ctx))
        try:
            view = await applications.get_view(client, application_id)
        except applications.NotFound as exc:
            raise Refused(str(exc)) from None
        except applications.Unavailable as exc:
            raise Refused(f"no answer from the application's workflow (is a worker running?): {exc}") from None
        result: dict[str, Any] = _without_photo_references(dataclasses.asdict(view))
        return result

    typer.echo(json.dumps(_run(work), ensure_ascii=False, indent=2))


@app.command("withdraw", rich_help_panel=PANEL)
def withdraw(ctx: typer.Context, application_id: ApplicationArg) -> None:
    """Cancel a stuck application, as if the resident withdrew.

    Sends the workflow's `withdraw` signal (reason "operator"): the ID photos are deleted, a captured fee is
    refunded, the resident is told. Refused once the application is past the point where a resident could
    withdraw."""
    withdrawable = {status.value for status in WITHDRAWABLE}

    async def work() -> str:
        client = await _client(_timeout(ctx))
        description = await _describe(client, application_id)
        status = description.typed_search_attributes.get(APPLICATION_STATUS) or "unknown"
        if description.status != WorkflowExecutionStatus.RUNNING:
            state = description.status.name if description.status else "closed"
            raise Refused(f"application {application_id} has ended ({state}, status {status})")
        if status not in withdrawable:
            raise Refused(
                f"application {application_id} cannot be withdrawn in status {status} "
                f"(only in {', '.join(sorted(withdrawable))})"
            )
        handle = client.get_workflow_handle(description.id, run_id=description.run_id)
        try:
            await handle.signal(WITHDRAW_SIGNAL, WithdrawInput(reason="operator"), rpc_timeout=RPC_TIMEOUT)
        except RPCError as err:
            raise Refused(f"the signal was not accepted: {err.message}") from None
        return status

    status = _run(work)
    typer.echo(f"withdrawal of application {application_id} (was {status}) sent; the workflow carries it out")


@app.command("retry", rich_help_panel=PANEL)
def retry(
    ctx: typer.Context,
    application_id: ApplicationArg,
    reason: Annotated[str, typer.Option(help="recorded with the reset")] = "operator retry (python -m admin)",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only print what would be done")] = False,
) -> None:
    """Re-run an application from its last completed workflow task.

    Activities need no retry: Temporal retries them by itself (a LINE or payment outage needs no action). This is
    for a workflow whose workflow task keeps failing after a fix was deployed, or that failed, timed out or was
    terminated: it resets the workflow like `temporal workflow reset --type LastWorkflowTask` (a new run replays
    the history up to the last completed workflow task, then carries on; later signals are reapplied). It does
    not cure a non-determinism error: roll the deployment back instead. Refused for a workflow that completed."""

    async def work() -> str:
        client = await _client(_timeout(ctx))
        description = await _describe(client, application_id)
        if description.status not in _RESETTABLE:
            state = description.status.name if description.status else "unknown"
            raise Refused(f"application {application_id} is {state}: nothing to retry")
        workflow_id, run_id = description.id, description.run_id
        handle: WorkflowHandle[Any, Any] = client.get_workflow_handle(workflow_id, run_id=run_id)
        event_id = 0
        try:
            async for event in handle.fetch_history_events(rpc_timeout=RPC_TIMEOUT):
                if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                    event_id = event.event_id
        except RPCError as err:
            raise Refused(f"cannot read the history: {err.message}") from None
        if not event_id:
            raise Refused(f"application {application_id} has no completed workflow task to reset to")
        command = (
            f"temporal workflow reset --namespace {client.namespace} --workflow-id {workflow_id} "
            f"--run-id {run_id} --type LastWorkflowTask --reason {json.dumps(reason)}"
        )
        if dry_run:
            return f"would reset {workflow_id} (run {run_id}) to event {event_id}, like:\n{command}"
        request = ResetWorkflowExecutionRequest(
            namespace=client.namespace,
            workflow_execution=WorkflowExecution(workflow_id=workflow_id, run_id=run_id),
            reason=reason,
            workflow_task_finish_event_id=event_id,
            request_id=str(uuid.uuid4()),
        )
        try:
            response = await client.workflow_service.reset_workflow_execution(request, retry=True, timeout=RPC_TIMEOUT)
        except RPCError as err:
            raise Refused(f"reset refused by Temporal: {err.message}") from None
        return f"reset {workflow_id} to event {event_id}: new run {response.run_id}"

    typer.echo(_run(work))
