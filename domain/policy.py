"""What the catalog and the settings decide for one application or one intake, frozen when it starts.

Workflow code replays its history against today's code: a decision read from the live catalog or settings
while a workflow runs (the identity method, a deadline, a retry count) could take another branch on
replay after a city edits `catalog/procedures.yaml` or a setting, and fail with a non-determinism error.
So the decisions are copied into the workflow's input once, when the application is submitted (or the
intake starts), and the workflow reads only that copy: running applications keep their behaviour, new
ones get the new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from domain.catalog import Procedure

__all__ = [
    "ApplicationPolicy",
    "ApplicationPolicyInput",
    "IntakePolicy",
    "PaymentItem",
    "PolicySettings",
    "application_policy",
    "intake_policy",
]


class PolicySettings(Protocol):
    """The settings a policy is made from (`config.settings.Settings` has them all)."""

    @property
    def payment_currency(self) -> str: ...
    @property
    def public_url(self) -> str: ...
    @property
    def id_photo_max_attempts(self) -> int: ...
    @property
    def id_photo_reminder_after(self) -> timedelta: ...
    @property
    def id_photo_expire_after(self) -> timedelta: ...
    @property
    def id_photo_retention_days(self) -> int: ...
    @property
    def review_deadline_business_days(self) -> int: ...
    @property
    def review_still_reviewing_after_days(self) -> int: ...
    @property
    def payment_reminder_after(self) -> timedelta: ...
    @property
    def payment_expire_after(self) -> timedelta: ...
    @property
    def digital_copy_link_valid_for(self) -> timedelta: ...
    @property
    def intake_reminder_after(self) -> timedelta: ...
    @property
    def intake_expire_after(self) -> timedelta: ...


@dataclass
class PaymentItem:
    name: str
    quantity: int
    unit_price: int


@dataclass
class ApplicationPolicyInput:
    """Input of the activity that freezes an application's policy."""

    procedure_code: str
    language: str
    copies: int
    fee_per_copy: int


@dataclass
class ApplicationPolicy:
    """One application's frozen decisions. Durations are seconds (plain JSON in the history)."""

    identity_method: str  # "id_photo" | "jpki"
    delivery: list[str]  # the delivery ways the procedure allows; the first is the default
    fee_items: list[PaymentItem]  # itemised in the application's language
    currency: str
    public_url: str  # the API as residents' browsers reach it (payment redirects, download links)
    id_photo_max_attempts: int
    id_photo_reminder_after_s: float
    id_photo_expire_after_s: float
    id_photo_retention_days: int
    review_deadline_business_days: int
    review_still_reviewing_after_days: int
    payment_reminder_after_s: float
    payment_expire_after_s: float
    digital_copy_link_valid_for_s: float

    @property
    def id_photo_reminder_after(self) -> timedelta:
        return timedelta(seconds=self.id_photo_reminder_after_s)

    @property
    def id_photo_expire_after(self) -> timedelta:
        return timedelta(seconds=self.id_photo_expire_after_s)

    @property
    def payment_reminder_after(self) -> timedelta:
        return timedelta(seconds=self.payment_reminder_after_s)

    @property
    def payment_expire_after(self) -> timedelta:
        return timedelta(seconds=self.payment_expire_after_s)

    @property
    def digital_copy_link_valid_for(self) -> timedelta:
        return timedelta(seconds=self.digital_copy_link_valid_for_s)

    @property
    def id_photo_retention(self) -> timedelta:
        return timedelta(days=self.id_photo_retention_days)

    def delivery_for(self, answer: str | None) -> str:
        """The resident's choice when the procedure allows it, else the procedure's default."""
        return answer if answer in self.delivery else self.delivery[0]


@dataclass
class IntakePolicy:
    """The settings an intake in the chat runs by, as they were when the event that started it arrived."""

    reminder_after_s: float
    expire_after_s: float

    @property
    def reminder_after(self) -> timedelta:
        return timedelta(seconds=self.reminder_after_s)

    @property
    def expire_after(self) -> timedelta:
        return timedelta(seconds=self.expire_after_s)

    @property
    def hours_between_reminder_and_expiry(self) -> int:
        return int((self.expire_after_s - self.reminder_after_s) // 3600)


def application_policy(
    inp: ApplicationPolicyInput, procedure: Procedure | None, settings: PolicySettings
) -> ApplicationPolicy:
    """The policy of a submitted application. A procedure gone from the catalog since the intake (rare: the
    conversation repairs its state against the same catalog) keeps the submitted fee, by ID photo and mail."""
    name = procedure.name.get(inp.language) if procedure else inp.procedure_code
    return ApplicationPolicy(
        identity_method=procedure.identity_method if procedure else "id_photo",
        delivery=list(procedure.delivery) if procedure else ["mail"],
        fee_items=[PaymentItem(name=name, quantity=inp.copies, unit_price=inp.fee_per_copy)],
        currency=settings.payment_currency,
        public_url=settings.public_url,
        id_photo_max_attempts=settings.id_photo_max_attempts,
        id_photo_reminder_after_s=settings.id_photo_reminder_after.total_seconds(),
        id_photo_expire_after_s=settings.id_photo_expire_after.total_seconds(),
        id_photo_retention_days=settings.id_photo_retention_days,
        review_deadline_business_days=settings.review_deadline_business_days,
        review_still_reviewing_after_days=settings.review_still_reviewing_after_days,
        payment_reminder_after_s=settings.payment_reminder_after.total_seconds(),
        payment_expire_after_s=settings.payment_expire_after.total_seconds(),
        digital_copy_link_valid_for_s=settings.digital_copy_link_valid_for.total_seconds(),
    )


def intake_policy(settings: PolicySettings) -> IntakePolicy:
    return IntakePolicy(
        reminder_after_s=settings.intake_reminder_after.total_seconds(),
        expire_after_s=settings.intake_expire_after.total_seconds(),
    )
