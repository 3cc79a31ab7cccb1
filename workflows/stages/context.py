"""What every stage of an application shares: its input and frozen policy, the state more than one stage
reads, and the helpers that talk to the resident, to the timeline and to visibility."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from config.temporal import APPLICATION_STATUS
    from domain import id_photo_stage
    from domain.ids import retry_key
    from domain.models import (
        ApplicationInput,
        ApplicationStatus,
        ApplicationStatusChanged,
        Decision,
        IdPhotoRecord,
        IdPhotoSubmitted,
        PaymentRecord,
        SendMessagesInput,
        TimelineEntry,
        WithdrawInput,
    )
    from domain.policy import ApplicationPolicy
    from domain.reports import RegistryMatch
    from messages.line import Message
    from workflows.legacy import legacy_application_policy
    from workflows.shared import (
        APPLICATION_STATUS_CHANGED_SIGNAL,
        SEND_MESSAGES_ACTIVITY,
        SEND_RETRY,
        SEND_SCHEDULE_TO_CLOSE,
        SEND_TIMEOUT,
    )

# A deadline already passed still gets a one-second timer: the wait then times out, it never returns at once.
MIN_WAIT = timedelta(seconds=1)


async def wait_until(
    condition: Callable[[], bool], deadline: datetime | None, *, at_least: timedelta = MIN_WAIT
) -> bool:
    """Waits for `condition`, or until `deadline` (None: no deadline). True when the condition came first.

    One durable timer per call, of `deadline - now` but at least `at_least`: replay checks that the
    timers are started in the same order, so every stage waits through this one function."""
    if deadline is None:
        await workflow.wait_condition(condition)
        return True
    try:
        await workflow.wait_condition(condition, timeout=max(deadline - workflow.now(), at_least))
    except TimeoutError:
        return False
    return True


class ApplicationContext:
    """The state the stages share. Handlers change it while `run()` awaits; stages read it afresh."""

    def __init__(self, inp: ApplicationInput) -> None:
        self.inp = inp
        self.app = inp.application
        self.status = ApplicationStatus.AWAITING_ID_PHOTO
        self.withdrawal: WithdrawInput | None = None
        self.photos: list[IdPhotoSubmitted] = []  # sent by the resident, not yet answered
        self.id_photos = IdPhotoRecord()
        self.decisions: list[Decision] = []
        self.registry_match: RegistryMatch | None = None
        self.payment: PaymentRecord | None = None
        self.delivery_detail = ""
        self.timeline = [TimelineEntry(at=inp.submitted_at, event="submitted", actor="resident")]

    @property
    def policy(self) -> ApplicationPolicy:
        """The decisions frozen at submission. A history from before they were frozen read the live catalog
        and settings at each use, and replays that way."""
        return self.inp.policy or legacy_application_policy(self.app)

    @property
    def withdrawn(self) -> bool:
        return self.withdrawal is not None

    def in_(self, status: ApplicationStatus) -> bool:
        """The current status (a method: handlers change it while run() awaits, which type narrowing ignores)."""
        return self.status == status

    def note(self, event: str, *, actor: str = "system", detail: str = "") -> None:
        self.timeline.append(TimelineEntry(at=workflow.now().isoformat(), event=event, actor=actor, detail=detail))

    async def send(self, messages: list[Message], cause: IdPhotoSubmitted | str) -> None:
        """A reply to the resident's photo while its token is fresh, else a push keyed by `cause`."""
        if not messages:
            return
        if isinstance(cause, IdPhotoSubmitted):
            token, received_at, key = cause.reply_token, cause.received_at_ms, cause.webhook_event_id
        else:
            token, received_at, key = "", 0, cause
        try:
            await workflow.execute_activity(
                SEND_MESSAGES_ACTIVITY,
                SendMessagesInput(
                    line_user_id=self.inp.line_user_id,
                    messages=messages,
                    reply_token=token,
                    reply_token_received_at_ms=received_at,
                    retry_key=retry_key(workflow.info().workflow_id, key),
                ),
                start_to_close_timeout=SEND_TIMEOUT,
                schedule_to_close_timeout=SEND_SCHEDULE_TO_CLOSE,
                retry_policy=SEND_RETRY,
            )
        except ActivityError:
            workflow.logger.error("sending messages failed for good")

    async def set_status(self, status: ApplicationStatus) -> None:
        self.status = status
        workflow.upsert_search_attributes([APPLICATION_STATUS.value_set(status.value)])
        resident = workflow.get_external_workflow_handle(self.inp.resident_workflow_id)
        try:
            await resident.signal(
                APPLICATION_STATUS_CHANGED_SIGNAL,
                ApplicationStatusChanged(
                    application_id=self.app.application_id,
                    status=status.value,
                    payment_state=self.payment.state.value if self.payment else "",
                    payment_amount=self.payment.amount if self.payment else 0,
                    delivery=self.delivery_detail,
                ),
            )
        except ApplicationError:
            # The resident's conversation is gone (e.g. terminated by an operator): the status
            # is still recorded here and in the search attribute.
            workflow.logger.warning("resident workflow not reachable for a status update")

    async def answer_late_photos(self) -> None:
        """Photos that crossed the status update: say the photo stage is over; nothing is lost."""
        while self.photos:
            photo = self.photos.pop(0)
            await self.send(
                id_photo_stage.not_expected(self.status.value, self.app.language, self.app.application_id), photo
            )
