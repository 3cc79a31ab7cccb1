"""`python -m admin`: the operators' command line. Every command delegates to the code the system runs.

    python -m admin seed-registry --count 10000          # synthetic residents (registry.seed)
    python -m admin seed-demo-registry                   # the demo registry of the emulator and the tests
    python -m admin create-staff --login tanaka --name "田中 一郎" --role clerk --password-stdin
    python -m admin create-token --login tanaka --name reporting      # prints the API token once
    python -m admin new-key [--kind blob|payload|cert]   # a fresh key for BLOB_KEYS / PAYLOAD_KEYS / CERT_SIGNING_KEYS
    python -m admin rotate-keys --setting BLOB_KEYS      # new key first, the old ones kept (development keys left out)
    python -m admin list-applications [--status AwaitingReview] [--procedure juminhyo] [--json]
    python -m admin show-application 7K3QF-9M2XA         # the `view` query as JSON, without photo references
    python -m admin withdraw 7K3QF-9M2XA                 # cancel a stuck application (signal `withdraw`)
    python -m admin retry 7K3QF-9M2XA [--dry-run]        # reset the workflow to its last completed workflow task

Settings come from the environment (and .env) through config.settings, as everywhere else; the Temporal
commands connect with config.temporal.connect (the one data converter). Exit status: 0 done, 1 refused or
failed (one line on stderr), 2 usage error.

Not here: re-encrypting blobs after a BLOB_KEYS rotation. Rewriting a photo races with its deletion by the
worker (retention, withdrawal) and could bring a deleted photo back; photos live at most the retention period,
so the old key simply stays in the ring that long (README, Operations, Key rotation).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import os
import sys
import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import ResetWorkflowExecutionRequest
from temporalio.client import Client, WorkflowExecutionDescription, WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from api import applications
from backoffice.accounts import AccountError, Accounts
from backoffice.db import ROLES, Database
from certificates.signing import SigningKeys
from config.keys import Keyring, parse_key_ring
from config.settings import DEV_KEY_MATERIAL, Settings, get_settings
from config.temporal import APPLICATION_STATUS, RPC_TIMEOUT, connect
from domain.ids import application_workflow_id
from domain.models import ApplicationStatus, WithdrawInput
from registry.seed import MAX_SYNTHETIC, SeedResult, seed_demo, seed_synthetic
from registry.sql import create_registry_engine
from workflows.application import WITHDRAWABLE
from workflows.shared import WITHDRAW_SIGNAL

EXIT_FAILED = 1
DEFAULT_TIMEOUT = 10.0
T = TypeVar("T")

app = typer.Typer(
    name="python -m admin",
    help="Madoguchi operators' commands. Exit status: 0 done, 1 refused or failed, 2 usage error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Refused(Exception):
    """The command cannot be done; the message is the one line printed on stderr (exit status 1)."""


class KeyKind(StrEnum):
    blob = "blob"
    payload = "payload"
    cert = "cert"


class KeySetting(StrEnum):
    BLOB_KEYS = "BLOB_KEYS"
    PAYLOAD_KEYS = "PAYLOAD_KEYS"
    CERT_SIGNING_KEYS = "CERT_SIGNING_KEYS"


_KIND_OF_SETTING = {
    KeySetting.BLOB_KEYS: KeyKind.blob,
    KeySetting.PAYLOAD_KEYS: KeyKind.payload,
    KeySetting.CERT_SIGNING_KEYS: KeyKind.cert,
}
# A reset makes sense for a running workflow or one that ended badly; never for one that completed normally.
_RESETTABLE = {
    WorkflowExecutionStatus.RUNNING,
    WorkflowExecutionStatus.FAILED,
    WorkflowExecutionStatus.TIMED_OUT,
    WorkflowExecutionStatus.TERMINATED,
}


# --- plumbing ------------------------------------------------------------------------------------------------------


def _one_line(text: object) -> str:
    return " ".join(str(text).split())[:400]


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {_one_line(message)}", err=True)
    raise typer.Exit(EXIT_FAILED)


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        _fail("settings are invalid: " + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))


def _run(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    try:
        return asyncio.run(work())
    except Refused as exc:
        _fail(str(exc))


def _timeout(ctx: typer.Context) -> float:
    return float(ctx.obj) if isinstance(ctx.obj, int | float) else DEFAULT_TIMEOUT


async def _client(timeout: float) -> Client:
    settings = _settings()
    where = f"Temporal at {settings.temporal_address} (namespace {settings.temporal_namespace})"
    try:
        return await asyncio.wait_for(connect(settings), timeout=timeout)
    except TimeoutError:
        raise Refused(f"{where} did not answer within {timeout:g} s") from None
    except (RuntimeError, RPCError) as exc:
        raise Refused(f"{where} is unreachable: {_one_line(exc)}") from None


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


@app.callback()
def _options(
    ctx: typer.Context,
    timeout: Annotated[
        float, typer.Option(min=0.1, help="seconds to wait for Temporal to accept the connection")
    ] = DEFAULT_TIMEOUT,
) -> None:
    ctx.obj = timeout


# --- resident registry ---------------------------------------------------------------------------------------------


def _seed(url: str | None, action: Callable[[Engine], SeedResult]) -> None:
    target = url or _settings().registry_url
    try:
        engine = create_registry_engine(target)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise typer.BadParameter(f"bad registry URL: {_one_line(exc)}", param_hint="--url") from None
    where = engine.url.render_as_string(hide_password=True)
    try:
        result = action(engine)
    except SQLAlchemyError as exc:
        _fail(f"database error at {where}: {type(exc).__name__}: {exc}")
    finally:
        engine.dispose()
    typer.echo(result.summary(where))


UrlOption = Annotated[str | None, typer.Option(help="SQLAlchemy URL (default: from the settings)")]
ForceOption = Annotated[bool, typer.Option(help="rewrite even if the same data is already there")]


@app.command("seed-registry")
def seed_registry(
    count: Annotated[int, typer.Option(min=1, max=MAX_SYNTHETIC, help="persons to generate")],
    seed: Annotated[int, typer.Option(help="random seed; same seed, same registry")] = 1,
    url: UrlOption = None,
    force: ForceOption = False,
) -> None:
    """Replace the synthetic population of the resident registry (REGISTRY_URL) by COUNT generated persons."""
    _seed(url, lambda engine: seed_synthetic(engine, count, seed=seed, force=force))


@app.command("seed-demo-registry")
def seed_demo_registry(url: UrlOption = None, force: ForceOption = False) -> None:
    """Write the demo registry (the emulator's and the tests' residents, plus 200 others); idempotent."""
    _seed(url, lambda engine: seed_demo(engine, force=force))


# --- staff accounts ------------------------------------------------------------------------------------------------


@contextmanager
def _accounts(url: str | None) -> Iterator[Accounts]:
    target = url or _settings().database_url
    try:
        database = Database.from_url(target)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise typer.BadParameter(f"bad database URL: {_one_line(exc)}", param_hint="--url") from None
    try:
        database.create_all()
        yield Accounts(database.sessions)
    except SQLAlchemyError as exc:
        _fail(f"database error: {type(exc).__name__}: {exc}")
    finally:
        database.dispose()


def _role(value: str) -> str:
    if value not in ROLES:
        raise typer.BadParameter(f"one of {', '.join(ROLES)}")
    return value


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if sys.stdin.isatty():
        password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    raise typer.BadParameter("give the password on the first line of stdin", param_hint="--password-stdin")


@app.command("create-staff")
def create_staff(
    login: Annotated[str, typer.Option(help="login id, e.g. tanaka")],
    name: Annotated[str, typer.Option(help='display name, e.g. "田中 一郎"')],
    role: Annotated[str, typer.Option(help=f"one of {', '.join(ROLES)}", callback=_role)],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from the first line of stdin")
    ] = False,
    url: UrlOption = None,
) -> None:
    """Create a back office staff account (DATABASE_URL); without --password-stdin, asks for the password twice."""
    password = _read_password(password_stdin)
    with _accounts(url) as accounts:
        try:
            staff = accounts.create_staff(login, name, role, password, now=datetime.now(UTC))
        except AccountError as exc:
            _fail(f"refused: {exc}")
    typer.echo(f"created {staff.role} {staff.login!r} ({staff.name}), id {staff.id}")


@app.command("create-token")
def create_token(
    login: Annotated[str, typer.Option(help="the staff member's login id")],
    name: Annotated[str, typer.Option(help="what the token is for, e.g. reporting")],
    days: Annotated[int | None, typer.Option(min=1, help="expire after this many days (default: never)")] = None,
    url: UrlOption = None,
) -> None:
    """Create an API token for a staff member and print it once (only its hash is kept)."""
    moment = datetime.now(UTC)
    expires_at = moment + timedelta(days=days) if days else None
    with _accounts(url) as accounts:
        try:
            token = accounts.create_token(login, name, now=moment, expires_at=expires_at)
        except AccountError as exc:
            _fail(f"refused: {exc}")
    typer.echo(token)  # alone on stdout: scripts capture it
    until = f", valid until {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else ""
    typer.echo(f"API token {name!r} for {login!r}{until}. Store it now: it cannot be shown again.", err=True)


# --- keys ------------------------------------------------------------------------------------------------------------


def _ring_ids(kind: KeyKind, spec: str) -> list[str]:
    """Key ids of a ring, current first, parsed by the same code as the settings (ValueError: malformed)."""
    if kind is KeyKind.cert:
        return list(SigningKeys.parse(spec).keys)
    return list(Keyring.parse(spec).keys)


def _fresh_entry(kind: KeyKind, key_id: str) -> str:
    """`keyid:base64`: 32 random bytes (AES-256) or a new Ed25519 private key's 32-byte seed."""
    raw = Ed25519PrivateKey.generate().private_bytes_raw() if kind is KeyKind.cert else os.urandom(32)
    entry = f"{key_id}:{base64.b64encode(raw).decode('ascii')}"
    try:
        _ring_ids(kind, entry)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--key-id") from None
    return entry


def _default_key_id(kind: KeyKind, taken: list[str]) -> str:
    base = f"{kind.value}-{datetime.now(UTC):%Y%m%d}"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


KeyIdOption = Annotated[str | None, typer.Option(help="the new key's id (default: KIND-YYYYMMDD)")]


@app.command("new-key")
def new_key(
    kind: Annotated[KeyKind, typer.Option(help="blob / payload: AES-256 key; cert: Ed25519 seed")] = KeyKind.blob,
    key_id: KeyIdOption = None,
) -> None:
    """Print a fresh key "keyid:base64" for BLOB_KEYS or PAYLOAD_KEYS, or (--kind cert) for CERT_SIGNING_KEYS."""
    typer.echo(_fresh_entry(kind, key_id or _default_key_id(kind, [])))


@app.command("rotate-keys")
def rotate_keys(
    setting: Annotated[KeySetting, typer.Option(case_sensitive=False, help="the key ring to rotate")],
    key_id: KeyIdOption = None,
) -> None:
    """Print the setting's new value: a fresh key first (it encrypts or signs from now on), the current keys kept
    after it (they still decrypt or verify), except the published development keys, which are left out. Set it,
    restart the API and the workers; drop an old key only when nothing needs it any more (README, Operations, Key
    rotation)."""
    kind = _KIND_OF_SETTING[setting]
    current = str(getattr(_settings(), setting.value.lower()))
    try:
        taken = _ring_ids(kind, current)
    except ValueError as exc:
        _fail(f"{setting.value} is malformed: {exc}")
    if key_id in taken:
        raise typer.BadParameter(f"{setting.value} already has a key {key_id!r}", param_hint="--key-id")
    entry = _fresh_entry(kind, key_id or _default_key_id(kind, taken))
    kept, dropped = _without_development_keys(current, setting.value)
    ring = ",".join([entry, *kept])
    new_ids = _ring_ids(kind, ring)
    assert new_ids[1:] == [kid for kid in taken if kid not in dropped], "the old keys must follow the new one unchanged"
    typer.echo(ring)
    typer.echo(f"{setting.value}: new key {new_ids[0]!r} first, {len(kept)} old key(s) kept after it.", err=True)
    if dropped:
        typer.echo(
            f"note: left out the published development key ({', '.join(map(repr, dropped))}): production refuses it; "
            "what it encrypted or signed (development data only) is unreadable or unverifiable with the new ring.",
            err=True,
        )


def _without_development_keys(spec: str, setting: str) -> tuple[list[str], list[str]]:
    """The ring's entries (as written) without those whose key is a development key, and the ids left out.

    The development keys are published: an old key is kept so that it still decrypts or verifies, but one everybody
    knows protects nothing, and a certificate key kept in the ring would be published at /verify/keys as valid."""
    kept: list[str] = []
    dropped: list[str] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        [(key_id, raw)] = parse_key_ring(part, setting).items()
        if raw in DEV_KEY_MATERIAL:
            dropped.append(key_id)
        else:
            kept.append(part)
    return kept, dropped


# --- applications (Temporal) ---------------------------------------------------------------------------------------


def _status(value: str) -> str:
    if value not in applications.QUEUE_STATUSES:
        raise typer.BadParameter(f"one of {', '.join(applications.QUEUE_STATUSES)}")
    return value


@app.command("list-applications")
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


@app.command("show-application")
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


@app.command("withdraw")
def withdraw(ctx: typer.Context, application_id: ApplicationArg) -> None:
    """Cancel a stuck application: the workflow's `withdraw` signal (reason "operator"), as if the resident
    withdrew: the ID photos are deleted, a captured fee is refunded, the resident is told. Refused once the
    application is past the point where a resident could withdraw."""
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


@app.command("retry")
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


def main() -> None:
    app(prog_name="python -m admin")
