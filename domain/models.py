"""Message types that cross the Temporal boundary (workflow, signal, activity inputs and outputs).

Plain dataclasses so the default data converter handles them and fields can be added later
with defaults without breaking running workflows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.policy import ApplicationPolicy, IntakePolicy
from domain.policy import PaymentItem as PaymentItem  # travels in payment requests as well as in the policy
from domain.reports import IdPhotoCheck, RegistryMatch
from domain.states import ApplicationStatus as ApplicationStatus
from domain.states import ConfirmOutcome, DecisionKind, DeliveryKind, PaymentRecordState, ReceiveOutcome


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


@dataclass
class ApplicationInput:
    """Start input of the application workflow."""

    application: SubmittedApplication
    line_user_id: str
    resident_workflow_id: str
    submitted_at: str  # ISO 8601, UTC
    # What the catalog and settings decided at submission; None only in histories from before it was frozen.
    policy: ApplicationPolicy | None = None


@dataclass
class ApplicationStatusChanged:
    """Signal from an application workflow to its resident's conversation workflow."""

    application_id: str
    status: str
    payment_state: str = ""
    payment_amount: int = 0
    delivery: str = ""  # once delivered: "mail:<tracking number>" or "digital"


@dataclass
class WithdrawInput:
    reason: str = "resident"


@dataclass
class IdPhotoSubmitted:
    """Signal from the conversation to an application awaiting its ID photo: the resident sent an image."""

    webhook_event_id: str
    content_id: str  # LINE message id; the bytes are fetched from LINE's content endpoint
    reply_token: str = ""
    received_at_ms: int = 0


@dataclass
class ReceiveIdPhotoInput:
    application_id: str
    resident: str  # the resident's conversation workflow id (a keyed hash, not personal data)
    content_id: str


@dataclass
class ReceivedIdPhoto:
    """What the receive activity found. Only a blob key and the report cross into history (claim check)."""

    outcome: ReceiveOutcome
    blob_key: str = ""  # "" when nothing was stored (not a readable image)
    report: IdPhotoCheck = field(default_factory=lambda: IdPhotoCheck())
    duplicate_of: list[str] = field(default_factory=list)  # other residents' applications with this photo


@dataclass
class IdPhotoAttempt:
    number: int
    received_at: str  # ISO 8601, UTC
    blob_key: str
    report: IdPhotoCheck
    duplicate_of: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.report.accepted


@dataclass
class IdPhotoRecord:
    """The ID photo stage as the back office sees it (the `id_photo` query of an application)."""

    attempts: list[IdPhotoAttempt] = field(default_factory=list)
    chosen: int | None = None  # index in attempts of the photo handed to the clerk
    round_start: int = 0  # attempts before this index belong to earlier rounds (a clerk asked for a new photo)
    needs_attention: bool = False  # handed over without an accepted photo, or a duplicate
    photos_deleted: bool = False


@dataclass
class DeleteIdPhotosInput:
    application_id: str
    blob_keys: list[str]


@dataclass
class DecisionInput:
    """A clerk's decision (the `decide` update of an application)."""

    # A DecisionKind value. Typed str: the update's validator must receive an unknown kind to refuse it with
    # a message (a DecisionKind field would fail to decode first).
    decision: str
    reason_code: str = ""  # required for reject (REJECT_REASONS) and request_photo (PHOTO_REASONS)
    reason_text: str = ""  # the clerk's note to the resident; required with reason "other"
    clerk_login: str = ""
    clerk_name: str = ""


@dataclass
class Decision:
    decision: DecisionKind
    reason_code: str
    reason_text: str
    clerk_login: str
    clerk_name: str
    decided_at: str  # ISO 8601, UTC


@dataclass
class TimelineEntry:
    at: str  # ISO 8601, UTC
    event: str  # submitted, photo_checked, to_review, registry_checked, escalated, reminded, decided, ...
    actor: str = "system"  # "resident", "system" or a clerk's login
    detail: str = ""


@dataclass
class MatchRegistryInput:
    application_id: str
    answers: dict[str, str]


@dataclass
class ApplicationView:
    """Everything the back office shows about one application (the `view` query)."""

    application_id: str
    procedure_code: str
    language: str
    answers: dict[str, str]
    copies: int
    fee_per_copy: int
    fee_total: int
    submitted_at: str
    status: str
    id_photo: IdPhotoRecord
    registry_match: RegistryMatch | None = None
    review_due_at: str = ""
    escalated: bool = False
    decisions: list[Decision] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    payment: PaymentRecord | None = None
    certificate: CertificateRecord | None = None
    policy: ApplicationPolicy | None = None  # what the catalog and the settings decided at submission


@dataclass
class RequestPaymentInput:
    application_id: str
    order_id: str
    amount: int
    currency: str
    items: list[PaymentItem]
    language: str
    confirm_url: str
    cancel_url: str


@dataclass
class RequestedPaymentResult:
    transaction_id: str
    payment_url: str


@dataclass
class ConfirmPaymentInput:
    transaction_id: str
    amount: int
    currency: str


@dataclass
class ConfirmPaymentResult:
    outcome: ConfirmOutcome
    already: bool = False  # captured before this call (a retry, or a confirm that timed out after capturing)


@dataclass
class RefundPaymentInput:
    transaction_id: str
    amount: int


@dataclass
class RefundPaymentResult:
    refund_transaction_id: str
    already: bool = False


@dataclass
class PaymentRedirect:
    """The provider sent the resident's browser back (confirmUrl or cancelUrl), checked by the API."""

    transaction_id: str
    order_id: str


@dataclass
class PaymentRecord:
    """The fee payment of an application, for the clerk's page and the resident's status answer."""

    order_id: str
    transaction_id: str
    amount: int
    currency: str
    state: PaymentRecordState
    payment_url: str = ""
    requested_at: str = ""
    captured_at: str = ""
    refunded_at: str = ""
    refund_transaction_id: str = ""


@dataclass
class IssueCertificateInput:
    application_id: str
    procedure_code: str
    answers: dict[str, str]
    person_id: str


@dataclass
class DownloadLinkInput:
    certificate_id: str
    expires_at: str  # ISO 8601
    public_url: str  # the base the application's policy froze


@dataclass
class RevokeCertificateInput:
    certificate_id: str
    reason: str  # internal (staff see it; the public verify page does not)


@dataclass
class IssuedCertificateResult:
    certificate_id: str
    number: str
    pdf_blob_key: str
    preview_blob_key: str
    pages: int


@dataclass
class CertificateRecord:
    """The issued certificate of an application and how it reached the resident."""

    certificate_id: str
    number: str
    pdf_blob_key: str
    preview_blob_key: str
    pages: int
    delivery: DeliveryKind
    issued_at: str
    mailed_at: str = ""
    tracking_number: str = ""
    mailed_by: str = ""
    link_sent_at: str = ""
    link_expires_at: str = ""
    revoked_at: str = ""  # the application was withdrawn while it was being issued: never delivered


@dataclass
class MarkMailedInput:
    """A clerk printed the certificate and posted it (the `mark_mailed` update)."""

    tracking_number: str
    clerk_login: str
    clerk_name: str = ""
