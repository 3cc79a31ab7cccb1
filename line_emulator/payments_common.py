"""What any payment-provider sandbox in the emulator can share: injected faults, a nonce replay guard, the
exact-number JSON answer, the pay page's shell and the resident's browser following a redirect."""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass, field

import httpx
from fastapi import Response
from fastapi.responses import HTMLResponse

from line_emulator.state import JsonObject

MAX_NONCES = 10_000
REDIRECT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def json_response(body: JsonObject) -> Response:
    # json.dumps writes Python ints exactly: 19-digit ids stay numbers, like LINE Pay's.
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")


@dataclass
class PayFaults:
    """Injected failures. `endpoints`: the provider's endpoints that may fail (a provider starts with all of its
    own). `statuses` answer that HTTP status; `return_codes` (if any) answer HTTP 200 with one of those codes
    instead. `after_commit`: the operation is applied first, then the fault is answered (e.g. captured, then 500:
    the "timeout after confirm" case). `count`: how many faults are left (None: no limit). Latency applies to
    every call of the chosen endpoints."""

    endpoints: list[str]
    rate: float = 0.0
    statuses: list[int] = field(default_factory=lambda: [500, 503])
    return_codes: list[str] = field(default_factory=list)
    latency_ms: int = 0
    after_commit: bool = False
    count: int | None = None

    def as_dict(self) -> JsonObject:
        return {
            "rate": self.rate,
            "statuses": list(self.statuses),
            "return_codes": list(self.return_codes),
            "latency_ms": self.latency_ms,
            "endpoints": list(self.endpoints),
            "after_commit": self.after_commit,
            "count": self.count,
        }

    async def draw(self, rng: random.Random, endpoint: str) -> Fault | None:
        """Sleep the latency of `endpoint`, then maybe a fault (one of `count` used up)."""
        if endpoint not in self.endpoints:
            return None
        if self.latency_ms > 0:
            await asyncio.sleep(self.latency_ms / 1000)
        if self.rate <= 0 or self.count == 0 or rng.random() >= self.rate:
            return None
        if self.count is not None:
            self.count -= 1
        if self.return_codes:
            return Fault(None, rng.choice(self.return_codes), self.after_commit)
        return Fault(rng.choice(self.statuses or [500]), None, self.after_commit)


@dataclass
class Fault:
    """One drawn fault: an HTTP error `status`, or a provider return `code` answered in the provider's body."""

    status: int | None
    code: str | None
    after_commit: bool

    def error_page(self, sandbox_name: str) -> HTMLResponse:
        status = self.status or 500
        page = f"<html><body><h1>{status} Error</h1><p>{sandbox_name}: injected fault</p></body></html>"
        return HTMLResponse(page, status_code=status)


class NonceGuard:
    """The nonces seen lately (at most MAX_NONCES, oldest forgotten first): each is accepted once."""

    def __init__(self) -> None:
        self.seen: dict[str, None] = {}

    def use(self, nonce: str) -> bool:
        """True the first time `nonce` comes; False if it was used before (a replay)."""
        if nonce in self.seen:
            return False
        self.seen[nonce] = None
        while len(self.seen) > MAX_NONCES:
            del self.seen[next(iter(self.seen))]
        return True

    def clear(self) -> None:
        self.seen.clear()


# the resident's payment page
def price(amount: int, currency: str) -> str:
    return {"JPY": f"¥{amount:,}", "USD": f"${amount:,}"}.get(currency, f"{amount:,} {currency}")


PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{brand} (sandbox)</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#111}}
.brand{{color:{color};font-weight:bold}} table{{width:100%;border-collapse:collapse}}
td{{padding:.4rem 0;border-bottom:1px solid #ddd}} td.n{{text-align:right}}
.total{{font-size:1.6rem;font-weight:bold}} form{{margin:.5rem 0}}
button{{width:100%;padding:.9rem;font-size:1rem;border:0;border-radius:.5rem;cursor:pointer}}
.pay{{background:{color};color:#fff}} .cancel{{background:#e8e8e8;color:#111}}
</style></head>
<body>
<p class="brand">{brand} <small>sandbox / テスト環境</small></p>
{content}
</body></html>
"""


def page_shell(brand: str, color: str, lang: str, content: str, status: int = 200) -> HTMLResponse:
    """The page around `content` (HTML), in the provider's `brand` name and `color`."""
    return HTMLResponse(PAGE.format(brand=brand, color=color, lang=lang, content=content), status_code=status)


async def follow(transport: httpx.AsyncBaseTransport | None, location: str) -> JsonObject:
    """GET the merchant's page as the resident's browser would (one hop). status 0 + error if unreachable."""
    try:
        async with httpx.AsyncClient(
            transport=transport, trust_env=False, timeout=REDIRECT_TIMEOUT, follow_redirects=False
        ) as client:
            response = await client.get(location)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return {"status": 0, "error": f"{type(exc).__name__}: {exc}"}
    return {"status": response.status_code, "redirect": response.headers.get("location")}
