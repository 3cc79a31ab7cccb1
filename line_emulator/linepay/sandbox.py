"""The LINE Pay sandbox's state: its transactions (the ledger), their states, refunds, faults and stats.

Transaction ids are 19-digit numbers written as JSON numbers (like LINE Pay: too large for a JavaScript double);
they are always odd, so a float round trip always changes them and precision loss cannot go unnoticed.
Requests not approved within `expire_after` (20 minutes by default) expire.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

import httpx
from fastapi import Request

from config import Settings
from line_emulator.payments_common import Fault, NonceGuard, PayFaults
from line_emulator.state import JsonObject

MAX_TRANSACTIONS = 10_000
DEFAULT_EXPIRE_AFTER_SECONDS = 20 * 60
ENDPOINTS = ("request", "confirm", "refund", "check", "details")


class TxState(StrEnum):
    WAITING = "waiting"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"
    REFUNDED = "refunded"


def iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Refund:
    refund_transaction_id: str
    amount: int
    date: str


@dataclass
class Transaction:
    transaction_id: str
    order_id: str
    amount: int
    currency: str
    packages: list[JsonObject]
    confirm_url: str
    cancel_url: str
    locale: str
    payment_access_token: str
    created_at: float  # sandbox clock, for expiry
    created: str = field(default_factory=iso_now)
    state: TxState = TxState.WAITING
    confirm_calls: int = 0
    captures: int = 0
    captured: str | None = None
    refunds: list[Refund] = field(default_factory=list)

    @property
    def refunded_amount(self) -> int:
        return sum(r.amount for r in self.refunds)

    def items(self) -> list[JsonObject]:
        return [p for package in self.packages for p in package.get("products", [])]

    def as_dict(self) -> JsonObject:
        return {
            "transactionId": self.transaction_id,
            "orderId": self.order_id,
            "state": self.state.value,
            "amount": self.amount,
            "currency": self.currency,
            "confirmCalls": self.confirm_calls,
            "captures": self.captures,
            "refundedAmount": self.refunded_amount,
            "refunds": [
                {"refundTransactionId": r.refund_transaction_id, "amount": r.amount, "date": r.date}
                for r in self.refunds
            ],
            "confirmUrl": self.confirm_url,
            "cancelUrl": self.cancel_url,
            "items": self.items(),
            "created": self.created,
        }

    def details(self) -> JsonObject:
        """The payment-details entry, LINE Pay style (ids as JSON numbers, refund amounts negative)."""
        entry: JsonObject = {
            "transactionId": int(self.transaction_id),
            "transactionDate": self.captured or self.created,
            "transactionType": "PAYMENT",
            "payInfo": [{"method": "BALANCE", "amount": self.amount}],
            "productName": ", ".join(str(p.get("name", "")) for p in self.packages),
            "currency": self.currency,
            "orderId": self.order_id,
        }
        if self.refunds:
            entry["refundList"] = [
                {
                    "refundTransactionId": int(r.refund_transaction_id),
                    "transactionType": "PAYMENT_REFUND" if r.amount == self.amount else "PARTIAL_REFUND",
                    "refundAmount": -r.amount,
                    "refundTransactionDate": r.date,
                }
                for r in self.refunds
            ]
        return entry


@dataclass
class PayStats:
    requests: int = 0
    confirms: int = 0
    captures: int = 0
    refunds: int = 0
    checks: int = 0
    details: int = 0
    header_errors: int = 0
    faults: int = 0

    def as_dict(self) -> JsonObject:
        return dict(self.__dict__)


class LinePaySandbox:
    """All the sandbox remembers (in memory, bounded). Only touched from the event loop."""

    def __init__(
        self,
        channel_id: str,
        channel_secret: str,
        *,
        expire_after: float = DEFAULT_EXPIRE_AFTER_SECONDS,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.channel_id = channel_id
        self.channel_secret = channel_secret
        self.expire_after = expire_after
        self.rng = rng or random.Random()
        self.clock = clock
        # The resident's browser for driver-made redirects (tests may put an httpx.MockTransport here).
        self.redirect_transport: httpx.AsyncBaseTransport | None = None
        self.transactions: dict[str, Transaction] = {}
        self.order_ids: dict[str, str] = {}
        self.nonces = NonceGuard()
        self.faults = PayFaults(list(ENDPOINTS))
        self.stats = PayStats()
        self._sequence = itertools.count(self.rng.randrange(10**9))

    @classmethod
    def from_settings(cls, settings: Settings, *, rng: random.Random | None = None) -> LinePaySandbox:
        return cls(settings.linepay_channel_id, settings.linepay_channel_secret, rng=rng)

    def reset(self) -> None:
        self.transactions.clear()
        self.order_ids.clear()
        self.nonces.clear()
        self.faults = PayFaults(list(ENDPOINTS))
        self.stats = PayStats()

    def new_id(self) -> str:
        """19 digits: date, a 10-digit sequence, an odd last digit."""
        return f"{datetime.now(UTC):%Y%m%d}{next(self._sequence) % 10**10:010d}{self.rng.choice('13579')}"

    def add(self, tx: Transaction) -> None:
        self.transactions[tx.transaction_id] = tx
        self.order_ids[tx.order_id] = tx.transaction_id
        while len(self.transactions) > MAX_TRANSACTIONS:
            oldest = self.transactions.pop(next(iter(self.transactions)))
            self.order_ids.pop(oldest.order_id, None)

    def get(self, transaction_id: str) -> Transaction | None:
        """The transaction, expired first if its time is up."""
        tx = self.transactions.get(transaction_id)
        if (
            tx is not None
            and tx.state in (TxState.WAITING, TxState.AUTHORIZED)
            and self.clock() - tx.created_at > self.expire_after
        ):
            tx.state = TxState.EXPIRED
        return tx

    async def draw_fault(self, endpoint: str) -> Fault | None:
        fault = await self.faults.draw(self.rng, endpoint)
        if fault is not None:
            self.stats.faults += 1
        return fault


def get_sandbox(request: Request) -> LinePaySandbox:
    sandbox: LinePaySandbox = request.app.state.linepay
    return sandbox
