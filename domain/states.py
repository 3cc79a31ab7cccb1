"""The states, outcomes and decisions of an application, as StrEnums.

A StrEnum is its string on the wire, so payloads recorded before these existed decode into them, and
search attributes and templates show the plain value.
"""

from __future__ import annotations

from enum import StrEnum


class ApplicationStatus(StrEnum):
    """Values of the ApplicationStatus search attribute."""

    AWAITING_ID_PHOTO = "AwaitingIdPhoto"
    AWAITING_REVIEW = "AwaitingReview"
    WITHDRAWN = "Withdrawn"
    EXPIRED = "Expired"  # no usable ID photo before the deadline
    APPROVED = "Approved"  # by a clerk: the fee is requested, the resident pays in LINE
    REJECTED = "Rejected"
    PAID = "Paid"  # the fee is captured; the certificate is being issued
    AWAITING_MAILING = "AwaitingMailing"  # issued; in the clerks' print queue
    COMPLETED = "Completed"  # delivered (mailed, or a download link sent)
    CANCELLED = "Cancelled"  # not paid in time, or the certificate could not be issued (then refunded)
    NOT_STARTED = "NotStarted"  # the application workflow could not be started (id collision)


class DecisionKind(StrEnum):
    """What a clerk decides about an application under review."""

    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_PHOTO = "request_photo"


class ReceiveOutcome(StrEnum):
    CHECKED = "checked"  # the photo was fetched and checked (the report says whether it is usable)
    GONE = "gone"  # LINE no longer has the content: the resident is asked to send it again


class PaymentRecordState(StrEnum):
    """The one vocabulary of a fee payment's state: the record, the clerk's page, the resident's status answer.

    The PaymentStatus search attribute is derived from it (`search_attribute_value`); the provider's own states
    reach it through the confirm outcome (`activities.payments.CONFIRM_OUTCOMES`, `ConfirmOutcome.record_state`).
    """

    REQUESTED = "requested"  # offered with a pay button; not paid yet
    AUTHORIZED = "authorized"  # the resident approved at the provider; being confirmed
    CAPTURED = "captured"  # the money is taken
    DECLINED = "declined"  # the provider refused the confirm: a new link is offered
    CANCELLED = "cancelled"  # cancelled at the provider's page, or by the provider: a new link is offered
    EXPIRED = "expired"  # not paid in time: the application is cancelled
    REFUNDED = "refunded"
    REFUND_REFUSED = "refund_refused"  # the provider refused the refund for good: staff refund by hand

    @property
    def search_attribute_value(self) -> str:
        """The PaymentStatus search attribute of a payment in this state. Authorised is still Requested to
        operators; after a refused refund the city still holds the money, so it stays Captured."""
        return _PAYMENT_STATUS[self]


_PAYMENT_STATUS = {
    PaymentRecordState.REQUESTED: "Requested",
    PaymentRecordState.AUTHORIZED: "Requested",
    PaymentRecordState.CAPTURED: "Captured",
    PaymentRecordState.REFUND_REFUSED: "Captured",
    PaymentRecordState.DECLINED: "Cancelled",
    PaymentRecordState.CANCELLED: "Cancelled",
    PaymentRecordState.EXPIRED: "Expired",
    PaymentRecordState.REFUNDED: "Refunded",
}


class ConfirmOutcome(StrEnum):
    """What confirming a payment with the provider found (the result of the confirm activity)."""

    CAPTURED = "captured"
    NOT_AUTHORIZED = "not_authorized"  # the resident has not approved at the provider (yet)
    CANCELLED = "cancelled"
    FAILED = "failed"
    REFUNDED = "refunded"

    @property
    def record_state(self) -> PaymentRecordState:
        """The payment's state after this outcome: not authorised keeps it open; anything but a capture ends it."""
        if self is ConfirmOutcome.CAPTURED:
            return PaymentRecordState.CAPTURED
        if self is ConfirmOutcome.NOT_AUTHORIZED:
            return PaymentRecordState.REQUESTED
        return PaymentRecordState.CANCELLED


class DeliveryKind(StrEnum):
    MAIL = "mail"  # printed and posted by a clerk from the print queue
    DIGITAL = "digital"  # a signed download link
