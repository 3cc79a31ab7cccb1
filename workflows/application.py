"""One durable workflow per submitted application.

Stages so far: submitted -> awaiting ID photo. The ID photo check, clerk review, payment and
certificate stages are built on top of this state (issues B-E); until then the application waits
here, visible to operators by its ApplicationStatus search attribute, and can be withdrawn.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from config.temporal import APPLICATION_STATUS
    from domain.models import (
        ApplicationInput,
        ApplicationStatus,
        ApplicationStatusChanged,
        WithdrawInput,
    )
    from workflows.shared import APPLICATION_WORKFLOW


@workflow.defn(name=APPLICATION_WORKFLOW)
class ApplicationWorkflow:
    @workflow.init
    def __init__(self, inp: ApplicationInput) -> None:
        self._status = ApplicationStatus.AWAITING_ID_PHOTO
        self._withdraw: WithdrawInput | None = None

    @workflow.run
    async def run(self, inp: ApplicationInput) -> str:
        # Its search attributes were set when the conversation started it.
        # The ID photo stage (issue B) continues from here.
        await workflow.wait_condition(lambda: self._withdraw is not None)
        await self._set_status(ApplicationStatus.WITHDRAWN, inp)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._status.value

    async def _set_status(self, status: ApplicationStatus, inp: ApplicationInput) -> None:
        self._status = status
        workflow.upsert_search_attributes([APPLICATION_STATUS.value_set(status.value)])
        resident = workflow.get_external_workflow_handle(inp.resident_workflow_id)
        try:
            await resident.signal(
                "application_status_changed",
                ApplicationStatusChanged(application_id=inp.application.application_id, status=status.value),
            )
        except ApplicationError:
            # The resident's conversation is gone (e.g. terminated by an operator): the status
            # is still recorded here and in the search attribute.
            workflow.logger.warning("resident workflow not reachable for a status update")

    @workflow.signal
    def withdraw(self, inp: WithdrawInput) -> None:
        if self._status == ApplicationStatus.AWAITING_ID_PHOTO:
            self._withdraw = inp

    @workflow.query
    def status(self) -> str:
        return self._status.value
