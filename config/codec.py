"""Payload encryption for Temporal: every payload (inputs, results, signals, queries, memos' values, failure
messages and stack traces) is AES-256-GCM encrypted before it leaves the process, so resident data is never stored
in clear by the server. Operators read it in the Web UI through the API's codec endpoint (api/codec.py).

Each encrypted payload names its key id; `PAYLOAD_KEYS` is a ring (the first key encrypts, all decrypt),
so keys rotate without re-encrypting history.

A payload without our encoding was not written by a holder of the keys. In development it passes through unchanged
(histories recorded before encryption still replay). In production (`accept_plaintext=False`) anyone who reaches the
Temporal frontend could send one, for example a forged `withdraw` or `line_event` signal, so it is refused: decoding
does not raise (a codec error fails the whole workflow activation, and since the payload stays in the history, every
retry of the workflow task fails again and the workflow is stuck for good, its legitimate signals unhandled). It turns
the payload into one of the encoding `binary/refused-unencrypted`, which `RefusedPayloadConverter` reads as an
ApplicationError, so only the forged message fails, as a conversion error the worker surfaces: a signal is dropped
(the SDK logs it, the workflow carries on, and the drop replays the same way), an update or a query is rejected
before anything is recorded, and a workflow started with such input fails at once.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from prometheus_client import Counter
from temporalio.api.common.v1 import Payload
from temporalio.converter import EncodingPayloadConverter, PayloadCodec
from temporalio.exceptions import ApplicationError

from config.keys import Keyring

ENCODING = b"binary/encrypted"
REFUSED_ENCODING = b"binary/refused-unencrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12

log = logging.getLogger(__name__)
REFUSED = Counter(
    "madoguchi_unencrypted_payloads_refused_total", "Temporal payloads refused because they were not encrypted"
)


class EncryptionCodec(PayloadCodec):
    def __init__(self, keyring: Keyring, *, accept_plaintext: bool = True) -> None:
        self._keyring = keyring
        self._ciphers = {kid: AESGCM(key) for kid, key in keyring.keys.items()}
        self._accept_plaintext = accept_plaintext

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        kid = self._keyring.current
        nonce = os.urandom(NONCE_BYTES)
        data = nonce + self._ciphers[kid].encrypt(nonce, payload.SerializeToString(), kid.encode())
        return Payload(metadata={"encoding": ENCODING, KEY_ID: kid.encode()}, data=data)

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            if self._accept_plaintext:
                return payload
            REFUSED.inc()
            # Neither the data nor the sender's metadata: they are whatever the sender chose to write.
            log.warning(
                "refused an unencrypted Temporal payload: production reads only payloads sealed with PAYLOAD_KEYS"
            )
            return Payload(metadata={"encoding": REFUSED_ENCODING})
        kid = payload.metadata.get(KEY_ID, b"").decode()
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise ValueError(f"payload encrypted with unknown key id {kid!r}: add it to PAYLOAD_KEYS")
        plain = cipher.decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], kid.encode())
        return Payload.FromString(plain)


class RefusedPayloadConverter(EncodingPayloadConverter):
    """Reads a payload the codec refused as an ApplicationError, which the SDK treats as a workflow's own failure:
    a workflow started with unencrypted input fails at once (its id free again for a real start) instead of failing
    its workflow task on every retry. A refused signal is still only dropped, an update rejected."""

    @property
    def encoding(self) -> str:
        return REFUSED_ENCODING.decode()

    def to_payload(self, value: object) -> Payload | None:
        return None  # never writes one

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> object:
        raise ApplicationError(
            "refused an unencrypted payload: production reads only payloads sealed with PAYLOAD_KEYS",
            type="UnencryptedPayload",
            non_retryable=True,
        )
