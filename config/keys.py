"""Key rings from settings: "keyid:base64(32 bytes)[,keyid:base64...]", the first key current.

One format for every ring (BLOB_KEYS and PAYLOAD_KEYS: AES-256 keys; CERT_SIGNING_KEYS: Ed25519 seeds), so
rotation works the same everywhere: put a new key first, keep the old ones after it while anything sealed or
signed with them is still read.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

__all__ = ["Keyring", "parse_key_ring"]

_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def parse_key_ring(spec: str, setting: str, what: str = "key") -> dict[str, bytes]:
    """The 32-byte keys of a "keyid:base64[,keyid:base64...]" setting, in order (the first is current).

    Errors name the setting and the key id, never the key.
    """
    keys: dict[str, bytes] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        key_id, sep, encoded = part.partition(":")
        if not sep or not _KEY_ID.match(key_id):
            raise ValueError(f"{setting} entries must look like 'keyid:base64{what}' (id: letters, digits, _.-)")
        try:
            raw = base64.b64decode(encoded.strip(), validate=True)
        except ValueError:
            raise ValueError(f"{setting} key {key_id!r} is not valid base64") from None
        if len(raw) != 32:
            raise ValueError(f"{setting} key {key_id!r} must be 32 bytes ({what}), got {len(raw)}")
        if key_id in keys:
            raise ValueError(f"{setting} names key {key_id!r} twice")
        keys[key_id] = raw
    if not keys:
        raise ValueError(f"{setting} needs at least one key")
    return keys


@dataclass(frozen=True)
class Keyring:
    """32-byte keys by id; `current` (the first of the setting) seals or signs, all open or verify."""

    current: str
    keys: dict[str, bytes]

    @classmethod
    def parse(cls, spec: str, setting: str = "BLOB_KEYS", what: str = "key") -> Keyring:
        keys = parse_key_ring(spec, setting, what)
        return cls(current=next(iter(keys)), keys=keys)
