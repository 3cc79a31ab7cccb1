"""Driver API for tests (/_emulator/linepay): what the resident does on the pay page, forced outcomes (expired,
failed), the ledger, injected faults, the expiry time, stats and a reset."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, field_validator

from line_emulator.deps import LineApiError
from line_emulator.linepay.page import with_params
from line_emulator.linepay.sandbox import ENDPOINTS, LinePaySandbox, Transaction, TxState, get_sandbox
from line_emulator.payments_common import follow
from line_emulator.state import JsonObject

router = APIRouter(prefix="/_emulator/linepay")


class ResidentActionIn(BaseModel):
    # False: only change the state; True: also follow the redirect like the resident's browser.
    redirect: bool = True


class PayFaultsIn(BaseModel):
    rate: float | None = Field(default=None, ge=0.0, le=1.0)
    statuses: list[int] | None = None
    return_codes: list[str] | None = None
    latency_ms: int | None = Field(default=None, ge=0, le=120_000)
    endpoints: list[str] | None = None
    after_commit: bool | None = None
    count: int | None = Field(default=None, ge=0)

    @field_validator("statuses")
    @classmethod
    def _error_statuses(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and any(not 400 <= s <= 599 for s in value):
            raise ValueError("statuses must be HTTP error statuses (400-599)")
        return value

    @field_validator("endpoints")
    @classmethod
    def _known_endpoints(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(e not in ENDPOINTS for e in value):
            raise ValueError(f"endpoints must be among {', '.join(ENDPOINTS)}")
        return value

    @field_validator("return_codes")
    @classmethod
    def _codes(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(len(c) != 4 or not c.isdigit() for c in value):
            raise ValueError("return_codes must be 4-digit LINE Pay codes")
        return value


class ConfigIn(BaseModel):
    expire_after_seconds: float | None = Field(default=None, gt=0)


def _driver_tx(sandbox: LinePaySandbox, transaction_id: str) -> Transaction:
    tx = sandbox.get(transaction_id)
    if tx is None:
        raise LineApiError(404, {"message": f"Unknown transaction {transaction_id}"})
    return tx


async def _resident_action(
    sandbox: LinePaySandbox, transaction_id: str, body: ResidentActionIn | None, approve: bool
) -> JsonObject:
    tx = _driver_tx(sandbox, transaction_id)
    if tx.state is not TxState.WAITING:
        raise LineApiError(409, {"message": f"Transaction {transaction_id} is {tx.state.value}, not waiting"})
    tx.state = TxState.AUTHORIZED if approve else TxState.CANCELLED
    location = with_params(tx.confirm_url if approve else tx.cancel_url, tx)
    result: JsonObject = {
        "transactionId": tx.transaction_id,
        "orderId": tx.order_id,
        "state": tx.state.value,
        "location": location,
        "status": None,
    }
    if body is None or body.redirect:
        result.update(await follow(sandbox.redirect_transport, location))
    return result


@router.post("/{transaction_id}/approve")
async def drive_approve(request: Request, transaction_id: str, body: ResidentActionIn | None = None) -> JsonObject:
    """The resident presses "Pay": authorized, then their browser goes to confirmUrl (unless redirect=false)."""
    return await _resident_action(get_sandbox(request), transaction_id, body, approve=True)


@router.post("/{transaction_id}/cancel")
async def drive_cancel(request: Request, transaction_id: str, body: ResidentActionIn | None = None) -> JsonObject:
    """The resident presses "Cancel": cancelled, then their browser goes to cancelUrl (unless redirect=false)."""
    return await _resident_action(get_sandbox(request), transaction_id, body, approve=False)


def _force(request: Request, transaction_id: str, state: TxState) -> JsonObject:
    tx = _driver_tx(get_sandbox(request), transaction_id)
    if tx.state not in (TxState.WAITING, TxState.AUTHORIZED):
        raise LineApiError(409, {"message": f"Transaction {transaction_id} is {tx.state.value}"})
    tx.state = state
    return tx.as_dict()


@router.post("/{transaction_id}/expire")
async def drive_expire(request: Request, transaction_id: str) -> JsonObject:
    """Expire a waiting or authorized payment now (as after 20 minutes)."""
    return _force(request, transaction_id, TxState.EXPIRED)


@router.post("/{transaction_id}/fail")
async def drive_fail(request: Request, transaction_id: str) -> JsonObject:
    """The payment fails at LINE Pay (check: 0122)."""
    return _force(request, transaction_id, TxState.FAILED)


@router.get("/transactions")
async def list_transactions(request: Request) -> list[JsonObject]:
    sandbox = get_sandbox(request)
    return [tx.as_dict() for tx in (sandbox.get(t) for t in list(sandbox.transactions)) if tx is not None]


@router.get("/transactions/{transaction_id}")
async def one_transaction(request: Request, transaction_id: str) -> JsonObject:
    return _driver_tx(get_sandbox(request), transaction_id).as_dict()


@router.get("/faults")
async def get_faults(request: Request) -> JsonObject:
    return get_sandbox(request).faults.as_dict()


@router.post("/faults")
async def set_faults(request: Request, body: PayFaultsIn) -> JsonObject:
    """Change only the fields given (count: null is "no limit" only when given explicitly)."""
    faults = get_sandbox(request).faults
    for name in body.model_fields_set:
        value = getattr(body, name)
        if value is not None or name == "count":
            setattr(faults, name, list(value) if isinstance(value, list) else value)
    return faults.as_dict()


@router.get("/config")
async def get_config(request: Request) -> JsonObject:
    return {"expire_after_seconds": get_sandbox(request).expire_after}


@router.post("/config")
async def set_config(request: Request, body: ConfigIn) -> JsonObject:
    sandbox = get_sandbox(request)
    if body.expire_after_seconds is not None:
        sandbox.expire_after = body.expire_after_seconds
    return {"expire_after_seconds": sandbox.expire_after}


@router.get("/stats")
async def stats(request: Request) -> JsonObject:
    return get_sandbox(request).stats.as_dict()


@router.post("/reset")
async def reset(request: Request) -> JsonObject:
    """Forget transactions, order ids and nonces; restore faults and stats."""
    get_sandbox(request).reset()
    return {"status": "ok"}
