"""Payload encryption for Temporal: every payload (inputs, results, signals, queries, memos' values) is
AES-256-GCM encrypted before it leaves the process, so resident data is never stored in clear by the
server. Operators read it in the Web UI through the API's codec endpoint (api/codec.py).

Each encrypted payload names its key id; `PAYLOAD_KEYS` is a ring (the first key encrypts, all decrypt),
so keys rotate without re-encrypting history. Payloads without our encoding pass through unchanged
(histories recorded before encryption still replay).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from storage.blobs import Keyring

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12


class EncryptionCodec(PayloadCodec):
    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._ciphers = {kid: AESGCM(key) for kid, key in keyring.keys.items()}

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
            return payload
        kid = payload.metadata.get(KEY_ID, b"").decode()
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise ValueError(f"payload encrypted with unknown key id {kid!r}: add it to PAYLOAD_KEYS")
        plain = cipher.decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], kid.encode())
        return Payload.FromString(plain)
