"""The payment provider port: what the application needs from a fee-payment provider (LINE Pay first).

Pure (no I/O, no third-party imports), so workflow code may import it.

Flow, for a provider with a redirect page (LINE Pay):

1. `request(PaymentRequest)` -> `RequestedPayment(transaction_id, payment_url)`; send the resident to `payment_url`.
2. The resident approves at the provider; their browser comes back to `confirm_url?transactionId=...&orderId=...`
   (or to `cancel_url` with the same parameters when they cancel).
3. `confirm(transaction_id, amount, currency)` captures the money. Safe to repeat: a confirm of a payment the
   provider already captured returns `ConfirmedPayment(already=True)` (verified with the provider's status API,
   never assumed from an error code alone).
4. Compensation: `refund(transaction_id)` (full) -> `RefundedPayment`; a repeated full refund returns
   `already=True`. Partial refunds (`amount=`) are NOT idempotent: a repeated partial refund refunds again.
5. `status(transaction_id)` -> `PaymentState`, at any time (polling, recovery after a timeout).

Errors are `PaymentError`s with `code` (the provider's return code, or one of the adapter's codes below),
`message` and `retryable`:

- `PaymentDeclined` (retryable=False): the provider refused for good (expired, cancelled, amount mismatch,
  card refused, unknown transaction, malformed request...). Subclasses: `PaymentNotApproved` (confirm before the
  resident approved: wait for the redirect or poll `status`), `PaymentDuplicateOrder` (`request` with an
  order id used before: use a new order id per attempt).
- `PaymentUnavailable` (retryable=True): network errors, timeouts, HTTP 5xx/429, the provider's "busy / internal
  error" codes. After a timeout on `confirm` the money may or may not have been taken: retrying `confirm` is safe.
  Subclass `PaymentMisconfigured`: the provider refuses our credentials or headers (channel id/secret, IP
  allow-list); retrying helps only once an operator fixes the settings, so alert on it.
- `PaymentProtocolError` (retryable=True): an answer the adapter does not understand (not JSON, missing fields,
  unknown return code, unexpected HTTP status). Never treated as success.

Adapter codes (besides the provider's own): "timeout", "network", "http_<status>", "bad_response",
"invalid_request" (the PaymentRequest itself is inconsistent), "invalid_transaction_id".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class PaymentState(StrEnum):
    WAITING = "waiting"  # requested, the resident has not approved yet
    AUTHORIZED = "authorized"  # the resident approved at the provider: ready to confirm (capture)
    CAPTURED = "captured"  # confirmed: the money is taken
    CANCELLED = "cancelled"  # cancelled by the resident or expired before approval
    FAILED = "failed"
    REFUNDED = "refunded"  # fully refunded (a partly refunded payment stays CAPTURED)
    UNKNOWN = "unknown"  # the provider has no such transaction


@dataclass(frozen=True)
class LineItem:
    name: str
    quantity: int
    unit_price: int


@dataclass(frozen=True)
class PaymentRequest:
    order_id: str  # unique per request attempt (the provider refuses a reused one)
    amount: int  # must equal sum(quantity * unit_price) of the items
    currency: str  # ISO 4217, e.g. "JPY"
    items: tuple[LineItem, ...]
    confirm_url: str  # where the resident's browser goes after approving (+ ?transactionId=&orderId=)
    cancel_url: str  # where it goes after cancelling (same parameters)
    language: str = "ja"  # the payment page's language


@dataclass(frozen=True)
class RequestedPayment:
    transaction_id: str  # the provider's id, always a string (LINE Pay's are 19-digit numbers)
    payment_url: str  # the page where the resident approves the payment


@dataclass(frozen=True)
class ConfirmedPayment:
    transaction_id: str
    amount: int
    already: bool  # True when the provider had captured it before (idempotent success)


@dataclass(frozen=True)
class RefundedPayment:
    transaction_id: str
    refund_transaction_id: str
    amount: int  # the amount refunded (the total refunded so far when already=True)
    already: bool  # True when the payment had been refunded before (idempotent success)


class PaymentError(Exception):
    """Base of every payment failure. Picklable; str() is "code: message"."""

    retryable: bool = True

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class PaymentDeclined(PaymentError):
    """The provider refused for good: retrying the same call will not help."""

    retryable = False


class PaymentNotApproved(PaymentDeclined):
    """Confirm before the resident approved (LINE Pay 1169). Wait for the confirm redirect or poll status."""


class PaymentDuplicateOrder(PaymentDeclined):
    """The order id was used by an earlier request (LINE Pay 1172 on request). Use a new order id."""


class PaymentUnavailable(PaymentError):
    """The provider could not be reached or is busy: retry (with backoff)."""

    retryable = True


class PaymentMisconfigured(PaymentUnavailable):
    """The provider refuses our credentials or headers (LINE Pay 1104/1105/1106): fix the settings, then retry."""


class PaymentProtocolError(PaymentError):
    """An answer the adapter does not understand. Retryable, and never a silent success."""

    retryable = True


class PaymentProvider(Protocol):
    name: str

    async def request(self, req: PaymentRequest) -> RequestedPayment: ...

    async def confirm(self, transaction_id: str, amount: int, currency: str) -> ConfirmedPayment: ...

    async def refund(self, transaction_id: str, amount: int | None = None) -> RefundedPayment: ...

    async def status(self, transaction_id: str) -> PaymentState: ...
