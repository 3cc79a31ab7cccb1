"""The application workflow's input, its status signal to the conversation, withdrawal, and what clerks see."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.models.certificate import CertificateRecord
from domain.models.chat import SubmittedApplication
from domain.models.id_photo import IdPhotoRecord
from domain.models.payment import PaymentRecord
from domain.models.review import Decision
from domain.policy import ApplicationPolicy
from domain.reports import RegistryMatch


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
class TimelineEntry:
    at: str  # ISO 8601, UTC
    event: str  # submitted, photo_checked, to_review, registry_checked, escalated, reminded, decided, ...
    actor: str = "system"  # "resident", "system" or a clerk's login
    detail: str = ""


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
