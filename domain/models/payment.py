"""The fee payment stage: requests, confirmation, refunds, redirects and the payment record."""

from __future__ import annotations

from dataclasses import dataclass

from domain.policy import PaymentItem
from domain.states import ConfirmOutcome, PaymentRecordState


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
