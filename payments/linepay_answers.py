"""What LINE Pay online API v3 answers: return codes, the typed error of each, and the fields read from answers.

Transaction ids are 19-digit numbers, sent by LINE Pay as JSON *numbers* (too large for a JavaScript double).
Python's json module parses integers exactly (arbitrary precision), so the number arrives intact and is turned into
a `str` at once; a float in that place (precision already lost upstream) is refused as a protocol error. Ids are
kept as strings everywhere, including in request paths.

Return codes (LINE Pay answers HTTP 200 with `returnCode` for business errors):

==========================================  ==============================================================
code                                        outcome
==========================================  ==============================================================
0000                                        success
1169                                        PaymentNotApproved (a PaymentDeclined): confirm before approval
1172 on request                             PaymentDuplicateOrder (a PaymentDeclined): order id reused
1152, 1172, 1179 on confirm                 check the status: CAPTURED -> ConfirmedPayment(already=True);
                                            AUTHORIZED -> PaymentUnavailable (retry); else PaymentDeclined
1165 on refund                              RefundedPayment(already=True) (from the payment details)
1145, 1198, 1199, 1280, 1284, 9000          PaymentUnavailable (in process / duplicated call / internal)
1104, 1105, 1106                            PaymentMisconfigured (a PaymentUnavailable): merchant, headers
1101 1102 1110 1124 1141 1142 1150 1152     PaymentDeclined
1153 1154 1155 1159 1163 1164 1165 1170
1172 1177 1178 1179 1180 1183 1184
1281-1283 1285-1298 2101 2102 2103
any other code                              PaymentProtocolError
check API: 0000 WAITING, 0110 AUTHORIZED, 0121 CANCELLED, 0122 FAILED, 0123 CAPTURED (REFUNDED when the
payment details show the whole amount refunded); 1150/1159 UNKNOWN
==========================================  ==============================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from payments.port import (
    PaymentDeclined,
    PaymentError,
    PaymentMisconfigured,
    PaymentNotApproved,
    PaymentProtocolError,
    PaymentState,
    PaymentUnavailable,
)

SUCCESS = "0000"
UNAVAILABLE_CODES = frozenset({"1145", "1198", "1199", "1280", "1284", "9000"})
MISCONFIGURED_CODES = frozenset({"1104", "1105", "1106"})
DECLINED_CODES = frozenset(
    {"1101", "1102", "1110", "1124", "1141", "1142", "1150", "1152", "1153", "1154", "1155", "1159", "1163"}
    | {"1164", "1165", "1169", "1170", "1172", "1177", "1178", "1179", "1180", "1183", "1184"}
    | {str(code) for code in range(1281, 1299) if code != 1284}
    | {"2101", "2102", "2103"}
)
NOT_FOUND_CODES = frozenset({"1150", "1159"})
# What a confirm of an already captured payment may answer: verified with the check API before trusting it.
ALREADY_CONFIRMED_CODES = frozenset({"1152", "1172", "1179"})
ALREADY_REFUNDED = "1165"
NOT_APPROVED = "1169"
DUPLICATE_ORDER = "1172"
CHECK_STATES = {
    "0000": PaymentState.WAITING,
    "0110": PaymentState.AUTHORIZED,
    "0121": PaymentState.CANCELLED,
    "0122": PaymentState.FAILED,
    "0123": PaymentState.CAPTURED,
}
TRANSACTION_ID_RE = re.compile(r"[0-9]{1,32}")
EXCERPT_CHARS = 200


def error_for(code: str, message: str) -> PaymentError:
    """The typed error for a LINE Pay return code that is not a success of the call at hand."""
    text = f"LINE Pay {code}: {message}" if message else f"LINE Pay {code}"
    if code in UNAVAILABLE_CODES:
        return PaymentUnavailable(code, text)
    if code in MISCONFIGURED_CODES:
        return PaymentMisconfigured(code, text)
    if code == NOT_APPROVED:
        return PaymentNotApproved(code, text)
    if code in DECLINED_CODES:
        return PaymentDeclined(code, text)
    return PaymentProtocolError(code, f"unknown LINE Pay return code {code!r}: {message}")


@dataclass(frozen=True)
class Answer:
    """One parsed answer: its returnCode, its returnMessage ("" if missing) and the whole JSON object."""

    code: str
    message: str
    body: dict[str, Any]

    def info(self) -> dict[str, Any]:
        info = self.body.get("info")
        if not isinstance(info, dict):
            raise PaymentProtocolError("bad_response", f"LINE Pay {self.code} answer without an info object")
        return info


def parse_transaction_id(value: object, field: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and TRANSACTION_ID_RE.fullmatch(value):
        return value
    raise PaymentProtocolError("bad_response", f"{field} is not a transaction id: {value!r}")


def parse_amount(value: object, field: str) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise PaymentProtocolError("bad_response", f"{field} is not an amount: {value!r}")


def excerpt(content: bytes) -> str:
    text = content[:EXCERPT_CHARS].decode("utf-8", "replace")
    return text + ("..." if len(content) > EXCERPT_CHARS else "")


def refund_list(details: dict[str, Any]) -> dict[str, int]:
    """Refund transaction id -> amount refunded (positive), in LINE Pay's order."""
    refunds: dict[str, int] = {}
    listed = details.get("refundList") or []
    if not isinstance(listed, list):
        raise PaymentProtocolError("bad_response", "refundList is not a list")
    for item in listed:
        if not isinstance(item, dict):
            raise PaymentProtocolError("bad_response", "refundList holds a non-object")
        refund_id = parse_transaction_id(item.get("refundTransactionId"), "refundList[].refundTransactionId")
        refunds[refund_id] = abs(parse_amount(item.get("refundAmount"), "refundList[].refundAmount"))
    return refunds
