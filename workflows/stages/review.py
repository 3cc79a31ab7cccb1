"""The clerk review: an activity matches the applicant against the resident registry; clerks decide with the
`decide` update (validated; when two decide at once, exactly one wins and the other is told who decided).
No decision by the review deadline (business days) sets Escalated; the resident hears "still being reviewed"
after the policy's days."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from config.temporal import ESCALATED, REVIEW_DUE_AT
    from domain import review
    from domain.models import ApplicationStatus, Decision, DecisionInput, MatchRegistryInput
    from domain.reports import RegistryMatch
    from domain.states import DecisionKind
    from workflows.shared import MATCH_REGISTRY_ACTIVITY
    from workflows.stages.context import ApplicationContext, wait_until

MATCH_RETRY = RetryPolicy(maximum_attempts=5, maximum_interval=timedelta(seconds=30))
NEXT_STATUS = {
    DecisionKind.APPROVE: ApplicationStatus.APPROVED,
    DecisionKind.REJECT: ApplicationStatus.REJECTED,
    DecisionKind.REQUEST_PHOTO: ApplicationStatus.AWAITING_ID_PHOTO,
}


class ReviewStage:
    def __init__(self, ctx: ApplicationContext) -> None:
        self._ctx = ctx
        self.due_at: datetime | None = None
        self.escalated = False

    async def run(self) -> None:
        """Until a clerk decides, or the resident withdraws. Photos arriving meanwhile are answered as late."""
        ctx = self._ctx
        policy = ctx.policy
        entered = workflow.now()
        due_at = self.due_at = review.add_business_days(entered, policy.review_deadline_business_days)
        self.escalated = False
        workflow.upsert_search_attributes([REVIEW_DUE_AT.value_set(due_at), ESCALATED.value_set(False)])
        ctx.note("to_review", detail=f"due {due_at.isoformat()}")
        await self._match_registry()
        remind_at = entered + timedelta(days=policy.review_still_reviewing_after_days)
        reminded = False
        while ctx.in_(ApplicationStatus.AWAITING_REVIEW) and not ctx.withdrawn:
            deadlines = [d for d, done in ((due_at, self.escalated), (remind_at, reminded)) if not done]
            if await wait_until(
                lambda: not ctx.in_(ApplicationStatus.AWAITING_REVIEW) or ctx.withdrawn or bool(ctx.photos),
                min(deadlines, default=None),
            ):
                await ctx.answer_late_photos()
                continue
            now = workflow.now()
            if not self.escalated and now >= due_at:
                self.escalated = True
                workflow.upsert_search_attributes([ESCALATED.value_set(True)])
                ctx.note("escalated")
            if not reminded and now >= remind_at:
                reminded = True
                round_key = f"still-reviewing-{len(ctx.decisions)}-{len(ctx.id_photos.attempts)}"
                await ctx.send(review.still_reviewing(ctx.app.language, ctx.app.application_id), round_key)
                ctx.note("still_reviewing_sent")
        if self.escalated:
            workflow.upsert_search_attributes([ESCALATED.value_set(False)])

    async def _match_registry(self) -> None:
        ctx = self._ctx
        try:
            ctx.registry_match = await workflow.execute_activity(
                MATCH_REGISTRY_ACTIVITY,
                MatchRegistryInput(application_id=ctx.app.application_id, answers=ctx.app.answers),
                result_type=RegistryMatch,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=MATCH_RETRY,
            )
        except ActivityError:
            # The clerk can still decide, looking the resident up by hand; the view says so.
            workflow.logger.error("registry match failed")
            ctx.registry_match = RegistryMatch(kind="unavailable")
        ctx.note("registry_checked", detail=ctx.registry_match.kind)

    async def decide(self, inp: DecisionInput) -> Decision:
        """The `decide` update, after its validator."""
        ctx = self._ctx
        if not ctx.in_(ApplicationStatus.AWAITING_REVIEW):
            # Another clerk's decision won in the same moment (both passed the validator).
            raise ApplicationError(
                self._not_awaiting_review(), self._last_decision_dict(), type="NotAwaitingReview", non_retryable=True
            )
        kind = DecisionKind(inp.decision)  # the validator refused any other value
        decision = Decision(
            decision=kind,
            reason_code=inp.reason_code,
            reason_text=inp.reason_text.strip(),
            clerk_login=inp.clerk_login,
            clerk_name=inp.clerk_name,
            decided_at=workflow.now().isoformat(),
        )
        ctx.decisions.append(decision)
        next_status = NEXT_STATUS[kind]
        ctx.status = next_status  # at once, before any await: a concurrent decision now fails
        detail = " ".join(p for p in (inp.decision, inp.reason_code) if p)
        ctx.note("decided", actor=inp.clerk_login, detail=detail)
        if next_status == ApplicationStatus.AWAITING_ID_PHOTO:
            ctx.id_photos.round_start = len(ctx.id_photos.attempts)
            ctx.id_photos.chosen = None
        app = ctx.app
        # An approval is told together with the payment card, in one push from the payment stage.
        messages = (
            [] if kind == DecisionKind.APPROVE else review.decision_messages(inp, app.language, app.application_id)
        )
        await asyncio.gather(ctx.send(messages, f"decision-{len(ctx.decisions)}"), ctx.set_status(next_status))
        return decision

    def validate(self, inp: DecisionInput) -> None:
        """The `decide` validator: an invalid or late decision is refused and nothing is recorded."""
        review.validate(inp)  # InvalidDecision
        if not self._ctx.in_(ApplicationStatus.AWAITING_REVIEW):
            raise ApplicationError(self._not_awaiting_review(), self._last_decision_dict(), type="NotAwaitingReview")

    def _not_awaiting_review(self) -> str:
        ctx = self._ctx
        last = ctx.decisions[-1] if ctx.decisions else None
        if last is not None and not ctx.in_(ApplicationStatus.AWAITING_REVIEW):
            who = last.clerk_name or last.clerk_login
            return f"not awaiting review: {ctx.status.value}, decided by {who} at {last.decided_at}"
        return f"not awaiting review: {ctx.status.value}"

    def _last_decision_dict(self) -> dict[str, str]:
        last = self._ctx.decisions[-1] if self._ctx.decisions else None
        info = {"status": self._ctx.status.value}
        if last is not None:
            info.update(
                decision=last.decision,
                clerk_login=last.clerk_login,
                clerk_name=last.clerk_name,
                decided_at=last.decided_at,
            )
        return info
