"""Names and activity options shared by the workflows."""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

CONVERSATION_WORKFLOW = "ConversationWorkflow"
APPLICATION_WORKFLOW = "ApplicationWorkflow"
LINE_EVENT_SIGNAL = "line_event"

SEND_TIMEOUT = timedelta(seconds=15)
# Push retry keys are honoured by LINE for 24 hours; past that a retry could double-send.
SEND_SCHEDULE_TO_CLOSE = timedelta(hours=23)
SEND_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=500),
    maximum_interval=timedelta(seconds=60),
    non_retryable_error_types=["LineBadRequest"],
)
PROFILE_TIMEOUT = timedelta(seconds=10)
PROFILE_RETRY = RetryPolicy(maximum_attempts=5, maximum_interval=timedelta(seconds=10))
