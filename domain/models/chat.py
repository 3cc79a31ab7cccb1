"""The resident's chat: LINE events, the conversation's input, messages sent, profiles, submitted applications."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.policy import IntakePolicy


@dataclass
class Inbound:
    """What the resident did, reduced from a LINE webhook event (no reply token, no ids)."""

    kind: str  # "follow" | "unfollow" | "text" | "postback" | "image" | "unsupported"
    text: str = ""
    data: str = ""  # postback data
    params: dict[str, str] = field(default_factory=dict)  # postback params (datetimepicker "date")
    message_type: str = ""  # LINE message type for "unsupported" (sticker, location, video, ...)
    content_id: str = ""  # LINE message id of an image


@dataclass
class ApplicationSummary:
    """What the resident's conversation knows about one submitted application."""

    application_id: str
    procedure_code: str
    status: str  # an ApplicationStatus value
    submitted_at: str  # ISO 8601, UTC
    payment_state: str = ""  # a PaymentRecordState value, once a fee was requested
    payment_amount: int = 0
    delivery: str = ""  # once delivered: "mail:<tracking number>" or "digital"
    identity_method: str = ""  # as frozen at submission ("" in histories from before it was)


@dataclass
class SubmittedApplication:
    """A confirmed intake, handed from the conversation to a new application workflow."""

    application_id: str
    procedure_code: str
    language: str
    answers: dict[str, str]
    copies: int
    fee_per_copy: int
    fee_total: int


@dataclass
class LineEventInput:
    """Signal from the webhook to the resident's conversation workflow: one LINE event."""

    webhook_event_id: str
    timestamp_ms: int
    line_user_id: str
    inbound: Inbound
    reply_token: str = ""
    is_redelivery: bool = False
    received_at_ms: int = 0  # when our API received it; the reply token's age counts from here
    # A follow's LINE profile, fetched by the API while it handles the webhook (None: not fetched or
    # unavailable; the workflow then fetches it itself). Encrypted like every payload.
    profile: Profile | None = None
    # The intake settings in force when the API received the event; an intake this event starts keeps them.
    intake_policy: IntakePolicy | None = None


@dataclass
class ConversationInput:
    """Start input of the conversation workflow; carried across continue-as-new."""

    line_user_id: str
    state: dict[str, Any] | None = None  # ConversationState as a dict
    applications: list[ApplicationSummary] = field(default_factory=list)
    seen_event_ids: list[str] = field(default_factory=list)
    pending_events: list[LineEventInput] = field(default_factory=list)
    language_from_profile: str | None = None
    display_name: str | None = None
    # Continue-as-new well before Temporal's 51,200-event history limit (lower in tests).
    max_history_events: int = 10_000
    intake_policy: IntakePolicy | None = None  # the running intake's settings, carried across continue-as-new


@dataclass
class SendMessagesInput:
    line_user_id: str
    messages: list[dict[str, Any]]  # LINE message objects, at most 5
    reply_token: str = ""
    reply_token_received_at_ms: int = 0
    retry_key: str = ""  # X-Line-Retry-Key for the push fallback


@dataclass
class SendMessagesResult:
    via: str  # "reply" | "push" | "none"


@dataclass
class GetProfileInput:
    line_user_id: str


@dataclass
class Profile:
    display_name: str
    language: str | None
