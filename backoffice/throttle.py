"""How many sign-in attempts may reach a password hash, decided before any hash runs.

Every attempt that gets past this module costs one argon2 hash (64 MiB of memory and tens of milliseconds of
both cores with argon2-cffi's defaults), whether the login id exists or not. So, per API process:

- per client address (IPv4 address, IPv6 /64): a token bucket of `address_attempts` attempts, one more every
  `address_refill`; an attempt takes a token before its hash, a successful one gives it back;
- per login id, known or not, from browsers not known for it: after `max_failures` failures in a row, each
  further attempt waits 1, 2, 4 ... minutes, at most `lockout`; success starts the count again. The login id
  typed is the key whether an account has it or not, so the answers never tell which accounts exist;
- a browser where that person signed in before (a signed "device" cookie, see backoffice/session.py) is not held
  back by the two limits above, so an attacker cannot lock a clerk out; it has a failure budget of its own
  (the same `max_failures` and backoff), after which it counts as unknown again;
- `concurrent_hashes` hashes run at once (an anyio CapacityLimiter; the others wait without a thread, at most
  `HASH_QUEUE_TIMEOUT`), so memory stays bounded whatever the rate or the number of addresses.

State is in memory: a restart forgets it, and several API processes each keep their own. The number of keys is
bounded (least recently used forgotten first).
"""

from __future__ import annotations

import ipaddress
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, Literal

import anyio

if TYPE_CHECKING:
    from config.settings import Settings

# The first wait once a login id's (or a browser's) failure budget is spent; it doubles up to the policy's lockout.
FIRST_BACKOFF: Final = timedelta(minutes=1)
# A login id's failures are forgotten after this long without an attempt.
FORGET_AFTER: Final = timedelta(hours=24)
# Longest wait for a free hashing slot before the answer is "busy, try again".
HASH_QUEUE_TIMEOUT: Final = 10.0
MAX_KEYS: Final = 100_000


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    address_attempts: int = 10
    address_refill: timedelta = timedelta(minutes=1)
    device_trust: timedelta = timedelta(days=30)
    concurrent_hashes: int = 1

    @classmethod
    def from_settings(cls, settings: Settings) -> LockoutPolicy:
        return cls(
            max_failures=settings.login_max_failures,
            lockout=settings.login_lockout,
            address_attempts=settings.login_address_attempts,
            address_refill=settings.login_address_refill,
            device_trust=settings.login_device_trust,
            concurrent_hashes=settings.login_concurrent_hashes,
        )


def address_key(host: str | None) -> str:
    """The client's address as a throttle key: IPv6 by /64 (one host usually has the whole /64)."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped
        if mapped is not None:
            return str(mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class _Failures:
    count: int = 0
    blocked_until: float = 0.0
    last: float = 0.0


@dataclass(frozen=True)
class Refused:
    reason: Literal["address", "login"]
    retry_after: float  # seconds

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


@dataclass
class Ticket:
    """One attempt let through: hand it back to `finish` with the outcome."""

    address: str
    login: str
    device: str | None  # the key of a known browser's own budget, when the browser is known for this login
    settled: bool = field(default=False)


class SignInThrottle:
    def __init__(self, policy: LockoutPolicy, *, max_keys: int = MAX_KEYS) -> None:
        self.policy = policy
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._failures: OrderedDict[str, _Failures] = OrderedDict()
        self.hashing = anyio.CapacityLimiter(policy.concurrent_hashes)

    # -- the two budgets ---------------------------------------------------------------------------------------

    def _bucket(self, key: str, now: float) -> _Bucket:
        capacity = float(self.policy.address_attempts)
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(tokens=capacity, at=now)
        refill = self.policy.address_refill.total_seconds()
        bucket.tokens = min(capacity, bucket.tokens + max(0.0, now - bucket.at) / refill)
        bucket.at = now
        self._buckets[key] = bucket
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return bucket

    def _failure_state(self, key: str, now: float) -> _Failures:
        state = self._failures.pop(key, None)
        if state is None or now - state.last > FORGET_AFTER.total_seconds():
            state = _Failures()
        self._failures[key] = state
        if len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)
        return state

    def _count_failure(self, state: _Failures, now: float) -> None:
        """Counted when the attempt starts, so parallel attempts cannot all slip through one budget."""
        state.count += 1
        state.last = now
        excess = state.count - self.policy.max_failures
        if excess >= 0:
            wait = min(FIRST_BACKOFF.total_seconds() * 2 ** min(excess, 30), self.policy.lockout.total_seconds())
            state.blocked_until = now + wait

    # -- an attempt --------------------------------------------------------------------------------------------

    def begin(self, *, address: str, login: str, device: str | None, now: datetime) -> Ticket | Refused:
        """Let one attempt through (taking from its budgets) or refuse it, before any hash.

        `login`: the normalised login id typed; `device`: an id of the browser if it holds a device cookie that
        names this login id (a known browser), else None.
        """
        moment = now.timestamp()
        with self._lock:
            if device is not None:
                state = self._failure_state(f"device:{device}:{login}", moment)
                if state.blocked_until <= moment:
                    self._count_failure(state, moment)
                    return Ticket(address=address, login=login, device=device)
                # A known browser that used up its own budget is treated like any other.
            bucket = self._bucket(f"address:{address}", moment)
            if bucket.tokens < 1.0:
                return Refused("address", (1.0 - bucket.tokens) * self.policy.address_refill.total_seconds())
            state = self._failure_state(f"login:{login}", moment)
            if state.blocked_until > moment:
                return Refused("login", state.blocked_until - moment)
            bucket.tokens -= 1.0
            self._count_failure(state, moment)
            return Ticket(address=address, login=login, device=None)

    def finish(self, ticket: Ticket, *, success: bool | None) -> None:
        """The attempt's outcome: True signed in, False refused, None no password was checked (gives it all back)."""
        with self._lock:
            if ticket.settled:
                return
            ticket.settled = True
            if not success and success is not None:
                return
            if ticket.device is not None:
                state = self._failures.get(f"device:{ticket.device}:{ticket.login}")
                if state is not None:
                    self._forgive(state, success)
                return
            bucket = self._buckets.get(f"address:{ticket.address}")
            if bucket is not None:
                bucket.tokens = min(float(self.policy.address_attempts), bucket.tokens + 1.0)
            state = self._failures.get(f"login:{ticket.login}")
            if state is not None:
                self._forgive(state, success)

    def _forgive(self, state: _Failures, success: bool | None) -> None:
        if success:
            state.count = 0
            state.blocked_until = 0.0
        else:  # not checked: the attempt does not count
            state.count = max(0, state.count - 1)
            if state.count < self.policy.max_failures:
                state.blocked_until = 0.0
