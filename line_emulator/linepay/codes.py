"""LINE Pay's return codes and messages, and the Answer raised for any of them but success."""

from __future__ import annotations

from typing import Any

from line_emulator.state import JsonObject

MESSAGES = {
    "0000": "Success.",
    "0110": "Authorization completed.",
    "0121": "Payment canceled by user or timeout.",
    "0122": "Payment failed.",
    "0123": "Payment completed.",
    "1106": "Header information error.",
    "1124": "Amount info error.",
    "1150": "Transaction record not found.",
    "1153": "The payment amount is different than the requested amount.",
    "1155": "Transaction number of a transaction type that cannot be refunded.",
    "1164": "Exceeded refundable amount.",
    "1165": "Transaction already refunded.",
    "1169": "Payment information is not available. Must select a payment method and authorize at LINE Pay.",
    "1172": "Existing same orderId.",
    "1178": "The currency is not supported by the merchant.",
    "1179": "Unable to proceed the transaction.",
    "1180": "The payment has expired.",
    "1183": "The payment amount should be greater than 0.",
    "1198": "Processing the request.",
    "1199": "Internal request error.",
    "2101": "Parameter error.",
    "2102": "JSON data format error.",
    "9000": "Internal error.",
}


class Answer(Exception):
    """A LINE Pay answer other than success, raised from deep inside a handler."""

    def __init__(self, code: str, detail: str = "") -> None:
        message = MESSAGES.get(code, "-")
        super().__init__(f"{message} {detail}".strip())
        self.code, self.message = code, f"{message} {detail}".strip()

    def body(self) -> JsonObject:
        return {"returnCode": self.code, "returnMessage": self.message}


def success(info: Any = None) -> JsonObject:
    body: JsonObject = {"returnCode": "0000", "returnMessage": MESSAGES["0000"]}
    if info is not None:
        body["info"] = info
    return body
