"""One long-lived workflow per resident: receives LINE events in order and drives the conversation.

The webhook reaches it by signal-with-start on an id made from a keyed hash of the LINE user id.
The conversation logic itself is the pure module domain.conversation; this class only feeds it
events, sends what it answers, and starts an application workflow when an intake is submitted.
"""

from __future__ import annotations

import asyncio
import bisect
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError
from temporalio.exceptions import TimeoutError as TemporalTimeoutError

with workflow.unsafe.imports_passed_through():
    from catalog import get_catalog
    from config.temporal import APPLICATION_STATUS, PROCEDURE_CODE, SUBMITTED_AT
    from domain import conversation
    from domain.ids import application_workflow_id, retry_key
    from domain.models import (
        ApplicationInput,
        ApplicationStatus,
        ApplicationStatusChanged,
        ApplicationSummary,
        ConversationInput,
        GetProfileInput,
        IdPhotoSubmitted,
        LineEventInput,
        Profile,
        SendMessagesInput,
        SubmittedApplication,
        WithdrawInput,
    )
    from domain.policy import ApplicationPolicy, ApplicationPolicyInput, IntakePolicy
    from workflows import shared
    from workflows.application import ApplicationWorkflow
    from workflows.legacy import legacy_intake_policy

# What a local activity that failed for good may raise in the workflow. A non-retryable error the
# activity raised arrives as that ApplicationError itself, not wrapped in an ActivityError as a
# scheduled activity's is (it failed a resident's conversation once); a timeout may arrive as
# Temporal's TimeoutError.
LOCAL_ACTIVITY_FAILURES = (ActivityError, ApplicationError, TemporalTimeoutError)

# Event ids remembered for de-duplication. LINE redelivers within a short window, so the most
# recent few hundred are plenty; the list is carried across continue-as-new.
SEEN_EVENTS_KEPT = 500
_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
# A submitted application starts with the catalog's and the settings' decisions frozen into its input.
FROZEN_APPLICATION_POLICY = "frozen-application-policy"
POLICY_TIMEOUT = timedelta(seconds=10)


@workflow.defn(name=shared.CONVERSATION_WORKFLOW)
class ConversationWorkflow:
    @workflow.init
    def __init__(self, inp: ConversationInput) -> None:
        self._user_id = inp.line_user_id
        self._state = conversation.ConversationState.from_dict(inp.state)
        self._applications = list(inp.applications)
        self._seen = list(inp.seen_event_ids)
        self._seen_set = set(self._seen)
        self._pending: list[LineEventInput] = list(inp.pending_events)
        self._profile: Profile | None = (
            Profile(display_name=inp.display_name or "", language=inp.language_from_profile)
            if inp.display_name is not None
            else None
        )
        self._last_input_at = workflow.now()
        self._reminded = False
        self._max_history_events = inp.max_history_events
        self._intake_policy = inp.intake_policy

    @workflow.run
    async def run(self, inp: ConversationInput) -> None:
        clock = asyncio.create_task(self._idle_clock())
        while True:
            await workflow.wait_condition(lambda: bool(self._pending) or self._idle_due())
            if not self._pending:
                await self._on_idle()
                continue
            event = self._pending.pop(0)
            await self._handle(event)
            if not self._pending and self._should_continue_as_new():
                # Let this task's answers (local activities) be recorded first. The server refuses
                # to close a run while a signal is waiting, and a refused task would be replayed
                # with its answers sent again; a task with nothing but the continue-as-new is safe.
                await workflow.sleep(timedelta(seconds=1))
                if self._pending:
                    continue
                clock.cancel()
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self._carry_over())

    # --- signals and queries -------------------------------------------------------------
    @workflow.signal(name=shared.LINE_EVENT_SIGNAL)
    def line_event(self, event: LineEventInput) -> None:
        if event.webhook_event_id in self._seen_set:
            return  # a redelivery, or the same event sent twice
        self._seen.append(event.webhook_event_id)
        self._seen_set.add(event.webhook_event_id)
        if len(self._seen) > SEEN_EVENTS_KEPT:
            self._seen_set.discard(self._seen.pop(0))
        # Events can arrive out of order across webhooks: keep the queue ordered by LINE's timestamp.
        keys = [e.timestamp_ms for e in self._pending]
        self._pending.insert(bisect.bisect_right(keys, event.timestamp_ms), event)

    @workflow.signal(name=shared.APPLICATION_STATUS_CHANGED_SIGNAL)
    def application_status_changed(self, change: ApplicationStatusChanged) -> None:
        for app in self._applications:
            if app.application_id == change.application_id:
                app.status = change.status
                if change.payment_state:
                    app.payment_state, app.payment_amount = change.payment_state, change.payment_amount
                if change.delivery:
                    app.delivery = change.delivery

    @workflow.query(name=shared.PHASE_QUERY)
    def phase(self) -> str:
        return self._state.phase

    @workflow.query(name=shared.APPLICATIONS_QUERY)
    def applications(self) -> list[ApplicationSummary]:
        return self._applications

    # --- handling ------------------------------------------------------------------------
    async def _handle(self, event: LineEventInput) -> None:
        inbound = event.inbound
        if inbound.kind == "unfollow":
            self._state = conversation.handle(self._state, inbound, self._context()).state
            return
        if inbound.kind == "image" and await self._forward_photo(event):
            return
        if not self._state.in_intake() and event.intake_policy is not None:
            self._intake_policy = event.intake_policy  # an intake this event starts runs by today's settings
        if self._profile is None:
            # A follow usually brings the profile the API fetched: one local-activity round less before
            # the greeting. Histories of follows without it replay through the fetch, as recorded.
            self._use_profile(event.profile if event.profile is not None else await self._load_profile())
        elif inbound.kind == "follow" and event.profile is not None:
            # Back after blocking the account: greeted by the name they have now. The conversation's
            # language stays as it was (it may have been chosen by a command).
            self._profile = Profile(display_name=event.profile.display_name, language=self._profile.language)
        outcome = conversation.handle(self._state, inbound, self._context())
        self._state = outcome.state
        self._last_input_at = workflow.now()
        self._reminded = False
        effects = []
        if outcome.submitted is not None:
            effects.append(self._start_application(outcome.submitted))
        if outcome.withdraw_application_id:
            effects.append(self._withdraw(outcome.withdraw_application_id))
        # The child start (or withdraw signal) and the answer are issued in one workflow task, so the
        # resident does not wait an extra server round trip; both are durable once that task completes.
        await asyncio.gather(
            *effects,
            self._send(
                outcome.messages,
                retry_key(workflow.info().workflow_id, event.webhook_event_id),
                reply_token=event.reply_token,
                received_at_ms=event.received_at_ms,
            ),
        )

    async def _forward_photo(self, event: LineEventInput) -> bool:
        """An image goes to the newest application waiting for an ID photo, which answers it itself."""
        waiting = [
            a
            for a in reversed(self._applications)
            if a.status == ApplicationStatus.AWAITING_ID_PHOTO and self._identity_method(a) == "id_photo"
        ]
        if not waiting or not event.inbound.content_id:
            return False
        handle = workflow.get_external_workflow_handle(application_workflow_id(waiting[0].application_id))
        try:
            await handle.signal(
                shared.ID_PHOTO_SIGNAL,
                IdPhotoSubmitted(
                    webhook_event_id=event.webhook_event_id,
                    content_id=event.inbound.content_id,
                    reply_token=event.reply_token,
                    received_at_ms=event.received_at_ms,
                ),
            )
        except ApplicationError:
            # The application is gone (e.g. terminated by an operator): the conversation answers.
            workflow.logger.warning("application workflow not reachable for a photo")
            return False
        return True

    @staticmethod
    def _identity_method(app: ApplicationSummary) -> str:
        """As frozen at submission; applications submitted before it was recorded read the catalog."""
        if app.identity_method:
            return app.identity_method
        procedure = get_catalog().get(app.procedure_code)
        return procedure.identity_method if procedure else ""

    async def _on_idle(self) -> None:
        ctx = self._context()
        if not self._reminded:
            outcome = conversation.idle_reminder(self._state, ctx)
            self._reminded = True
            step = "reminder"
        else:
            outcome = conversation.idle_expiry(self._state, ctx)
            step = "expiry"
        intake = self._state.application_id or "none"
        self._state = outcome.state
        await self._send(outcome.messages, retry_key(workflow.info().workflow_id, intake, step))

    def _idle_deadline(self) -> datetime | None:
        if not self._state.in_intake():
            return None
        policy = self._intake()
        wait = policy.expire_after if self._reminded else policy.reminder_after
        return self._last_input_at + wait

    def _intake(self) -> IntakePolicy:
        """The running intake's settings; histories from before they came with the events read them live."""
        return self._intake_policy or legacy_intake_policy()

    def _idle_due(self) -> bool:
        deadline = self._idle_deadline()
        return deadline is not None and workflow.now() >= deadline

    async def _idle_clock(self) -> None:
        """Wakes the workflow when an idle intake's reminder or expiry is due.

        One durable timer per deadline, re-armed only when it fires early (the resident answered in
        between): a timeout on every wait would start and cancel a timer on every message.
        """
        while True:
            await workflow.wait_condition(lambda: self._idle_deadline() is not None and not self._idle_due())
            deadline = self._idle_deadline()
            if deadline is not None:
                await workflow.sleep(max(deadline - workflow.now(), timedelta(seconds=1)))

    def _context(self) -> conversation.Context:
        return conversation.Context(
            catalog=get_catalog(),
            now=workflow.now(),
            applications=self._applications,
            new_application_id=self._new_application_id(),
            display_name=self._profile.display_name if self._profile else None,
            hours_until_expiry=self._intake().hours_between_reminder_and_expiry,
        )

    def _new_application_id(self) -> str:
        value = workflow.uuid4().int
        chars = "".join(_ID_ALPHABET[(value >> (5 * i)) & 31] for i in range(10))
        return f"{chars[:5]}-{chars[5:]}"

    async def _load_profile(self) -> Profile:
        try:
            # A local activity: the profile is needed before the first answer, and a local activity
            # saves the round trips of a scheduled one.
            profile: Profile = await workflow.execute_local_activity(
                shared.GET_PROFILE_ACTIVITY,
                GetProfileInput(line_user_id=self._user_id),
                result_type=Profile,
                start_to_close_timeout=shared.PROFILE_TIMEOUT,
                retry_policy=shared.PROFILE_RETRY,
            )
            return profile
        except LOCAL_ACTIVITY_FAILURES:
            workflow.logger.warning("profile unavailable; continuing in the default language")
            return Profile(display_name="", language=None)

    def _use_profile(self, profile: Profile) -> None:
        self._profile = profile
        self._state.language = conversation.language_from_profile(profile.language)

    async def _start_application(self, app: SubmittedApplication) -> None:
        submitted_at = workflow.now()
        # Recorded before the child start is confirmed: the start command goes out in this workflow
        # task (a failed task is retried until it does), and the resident may ask for the status
        # the moment the thank-you arrives.
        summary = ApplicationSummary(
            application_id=app.application_id,
            procedure_code=app.procedure_code,
            status=ApplicationStatus.AWAITING_ID_PHOTO.value,
            submitted_at=submitted_at.isoformat(),
        )
        self._applications.append(summary)
        policy = await self._freeze_policy(app) if workflow.patched(FROZEN_APPLICATION_POLICY) else None
        if policy is not None:
            summary.identity_method = policy.identity_method
        try:
            await workflow.start_child_workflow(
                ApplicationWorkflow.run,
                ApplicationInput(
                    application=app,
                    line_user_id=self._user_id,
                    resident_workflow_id=workflow.info().workflow_id,
                    submitted_at=submitted_at.isoformat(),
                    policy=policy,
                ),
                id=application_workflow_id(app.application_id),
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                memo={"procedure": app.procedure_code, "copies": app.copies},
                # Set at start so operators and the clerk queue see the application at once.
                search_attributes=TypedSearchAttributes(
                    [
                        SearchAttributePair(APPLICATION_STATUS, ApplicationStatus.AWAITING_ID_PHOTO.value),
                        SearchAttributePair(PROCEDURE_CODE, app.procedure_code),
                        SearchAttributePair(SUBMITTED_AT, submitted_at),
                    ]
                ),
            )
        except WorkflowAlreadyStartedError:
            # Only on an id collision (50 random bits); the summary says so instead of lying.
            workflow.logger.error("application id already in use")
            summary.status = ApplicationStatus.NOT_STARTED.value

    async def _freeze_policy(self, app: SubmittedApplication) -> ApplicationPolicy | None:
        try:
            # A local activity: it reads the catalog and the settings in the worker, outside workflow code,
            # in the same workflow task as the answer and the child start.
            policy: ApplicationPolicy = await workflow.execute_local_activity(
                shared.FREEZE_APPLICATION_POLICY_ACTIVITY,
                ApplicationPolicyInput(app.procedure_code, app.language, app.copies, app.fee_per_copy),
                result_type=ApplicationPolicy,
                start_to_close_timeout=POLICY_TIMEOUT,
                retry_policy=shared.PROFILE_RETRY,
            )
            return policy
        except LOCAL_ACTIVITY_FAILURES:
            # Cannot happen short of a broken worker; the application then reads the catalog as it runs.
            workflow.logger.error("application policy could not be frozen")
            return None

    async def _withdraw(self, application_id: str) -> None:
        handle = workflow.get_external_workflow_handle(application_workflow_id(application_id))
        try:
            await handle.signal(shared.WITHDRAW_SIGNAL, WithdrawInput(reason="resident"))
        except ApplicationError:
            workflow.logger.warning("application workflow not reachable for withdrawal")
            return
        self.application_status_changed(
            ApplicationStatusChanged(application_id=application_id, status=ApplicationStatus.WITHDRAWN.value)
        )

    async def _send(
        self, messages: list[dict[str, object]], key: str, *, reply_token: str = "", received_at_ms: int = 0
    ) -> None:
        if not messages:
            return
        try:
            # A local activity: it runs inside the workflow task, so an answer costs the server
            # one task instead of an activity task plus a second workflow task. Retries with backoff
            # still happen (long ones as durable timers); the retry key keeps pushes single.
            await workflow.execute_local_activity(
                shared.SEND_MESSAGES_ACTIVITY,
                SendMessagesInput(
                    line_user_id=self._user_id,
                    messages=messages,
                    reply_token=reply_token,
                    reply_token_received_at_ms=received_at_ms,
                    retry_key=key,
                ),
                start_to_close_timeout=shared.SEND_TIMEOUT,
                schedule_to_close_timeout=shared.SEND_SCHEDULE_TO_CLOSE,
                retry_policy=shared.SEND_RETRY,
            )
        except LOCAL_ACTIVITY_FAILURES:
            # The conversation must go on even if LINE refused a message; operators see the failure.
            workflow.logger.error("sending messages failed for good")

    # --- continue-as-new ---------------------------------------------------------------------
    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() > self._max_history_events

    def _carry_over(self) -> ConversationInput:
        return ConversationInput(
            line_user_id=self._user_id,
            state=self._state.to_dict(),
            applications=self._applications,
            seen_event_ids=self._seen,
            pending_events=self._pending,
            language_from_profile=self._profile.language if self._profile else None,
            display_name=self._profile.display_name if self._profile else None,
            max_history_events=self._max_history_events,
            intake_policy=self._intake_policy,
        )
