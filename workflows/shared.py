"""Names and activity options shared by the workflows, the activities, the API and the admin commands.

Every workflow type, signal, update, query and activity is named here once: a name is part of the recorded
histories and of every running workflow, so it never changes and is never spelt out at a call site.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

CONVERSATION_WORKFLOW = "ConversationWorkflow"
APPLICATION_WORKFLOW = "ApplicationWorkflow"

# Signals
LINE_EVENT_SIGNAL = "line_event"  # webhook -> conversation
APPLICATION_STATUS_CHANGED_SIGNAL = "application_status_changed"  # application -> conversation
WITHDRAW_SIGNAL = "withdraw"  # conversation or operator -> application
ID_PHOTO_SIGNAL = "id_photo"  # conversation -> application
PAYMENT_AUTHORIZED_SIGNAL = "payment_authorized"  # payment redirect (API) -> application
PAYMENT_CANCELLED_SIGNAL = "payment_cancelled"  # payment redirect (API) -> application

# Updates (clerks, through the API)
DECIDE_UPDATE = "decide"
MARK_MAILED_UPDATE = "mark_mailed"

# Queries
STATUS_QUERY = "status"
ID_PHOTO_RECORD_QUERY = "id_photo_record"
PAYMENT_QUERY = "payment"
VIEW_QUERY = "view"
PHASE_QUERY = "phase"  # conversation
APPLICATIONS_QUERY = "applications"  # conversation

# Activities
SEND_MESSAGES_ACTIVITY = "send_messages"
GET_PROFILE_ACTIVITY = "get_profile"
FREEZE_APPLICATION_POLICY_ACTIVITY = "freeze_application_policy"
RECEIVE_ID_PHOTO_ACTIVITY = "receive_id_photo"
DELETE_ID_PHOTOS_ACTIVITY = "delete_id_photos"
MATCH_REGISTRY_ACTIVITY = "match_registry"
REQUEST_PAYMENT_ACTIVITY = "request_payment"
CONFIRM_PAYMENT_ACTIVITY = "confirm_payment"
REFUND_PAYMENT_ACTIVITY = "refund_payment"
ISSUE_CERTIFICATE_ACTIVITY = "issue_certificate"
REVOKE_CERTIFICATE_ACTIVITY = "revoke_certificate"
DOWNLOAD_LINK_ACTIVITY = "download_link"

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
