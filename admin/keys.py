"""Fresh keys and key rotation for BLOB_KEYS, PAYLOAD_KEYS and CERT_SIGNING_KEYS; nothing is written anywhere.

Not here: re-encrypting blobs after a BLOB_KEYS rotation. Rewriting a photo races with its deletion by the
worker (retention, withdrawal) and could bring a deleted photo back; photos live at most the retention period,
so the old key simply stays in the ring that long (README, Operations, Key rotation).
"""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from admin.common import fail, settings
from certificates.signing import SigningKeys
from config.keys import Keyring, parse_key_ring
from config.settings import DEV_KEY_MATERIAL

PANEL = "Keys"
app = typer.Typer()


class KeyKind(StrEnum):
    blob = "blob"
    payload = "payload"
    cert = "cert"


class KeySetting(StrEnum):
    BLOB_KEYS = "BLOB_KEYS"
    PAYLOAD_KEYS = "PAYLOAD_KEYS"
    CERT_SIGNING_KEYS = "CERT_SIGNING_KEYS"


_KIND_OF_SETTING = {
    KeySetting.BLOB_KEYS: KeyKind.blob,
    KeySetting.PAYLOAD_KEYS: KeyKind.payload,
    KeySetting.CERT_SIGNING_KEYS: KeyKind.cert,
}


def _ring_ids(kind: KeyKind, spec: str) -> list[str]:
    """Key ids of a ring, current first, parsed by the same code as the settings (ValueError: malformed)."""
    if kind is KeyKind.cert:
        return list(SigningKeys.parse(spec).keys)
    return list(Keyring.parse(spec).keys)


def _fresh_entry(kind: KeyKind, key_id: str) -> str:
    """`keyid:base64`: 32 random bytes (AES-256) or a new Ed25519 private key's 32-byte seed."""
    raw = Ed25519PrivateKey.generate().private_bytes_raw() if kind is KeyKind.cert else os.urandom(32)
    entry = f"{key_id}:{base64.b64encode(raw).decode('ascii')}"
    try:
        _ring_ids(kind, entry)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--key-id") from None
    return entry


def _default_key_id(kind: KeyKind, taken: list[str]) -> str:
    base = f"{kind.value}-{datetime.now(UTC):%Y%m%d}"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


KeyIdOption = Annotated[str | None, typer.Option(help="the new key's id (default: KIND-YYYYMMDD)")]


@app.command("new-key", rich_help_panel=PANEL)
def new_key(
    kind: Annotated[KeyKind, typer.Option(help="blob / payload: AES-256 key; cert: Ed25519 seed")] = KeyKind.blob,
    key_id: KeyIdOption = None,
) -> None:
    """Print a fresh key "keyid:base64" for BLOB_KEYS or PAYLOAD_KEYS, or (--kind cert) for CERT_SIGNING_KEYS."""
    typer.echo(_fresh_entry(kind, key_id or _default_key_id(kind, [])))


@app.command("rotate-keys", rich_help_panel=PANEL)
def rotate_keys(
    setting: Annotated[KeySetting, typer.Option(case_sensitive=False, help="the key ring to rotate")],
    key_id: KeyIdOption = None,
) -> None:
    """Print a key ring's new value: a fresh key first, the old ones kept, development keys left out.

    The fresh key encrypts or signs from now on; the current keys stay after it (they still decrypt or verify),
    except the published development keys. Set it, restart the API and the workers; drop an old key only when
    nothing needs it any more (README, Operations, Key rotation)."""
    kind = _KIND_OF_SETTING[setting]
    current = str(getattr(settings(), setting.value.lower()))
    try:
        taken = _ring_ids(kind, current)
    except ValueError as exc:
        fail(f"{setting.value} is malformed: {exc}")
    if key_id in taken:
        raise typer.BadParameter(f"{setting.value} already has a key {key_id!r}", param_hint="--key-id")
    entry = _fresh_entry(kind, key_id or _default_key_id(kind, taken))
    kept, dropped = _without_development_keys(current, setting.value)
    ring = ",".join([entry, *kept])
    new_ids = _ring_ids(kind, ring)
    assert new_ids[1:] == [kid for kid in taken if kid not in dropped], "the old keys must follow the new one unchanged"
    typer.echo(ring)
    typer.echo(f"{setting.value}: new key {new_ids[0]!r} first, {len(kept)} old key(s) kept after it.", err=True)
    if dropped:
        typer.echo(
            f"note: left out the published development key ({', '.join(map(repr, dropped))}): production refuses it; "
            "what it encrypted or signed (development data only) is unreadable or unverifiable with the new ring.",
            err=True,
        )


def _without_development_keys(spec: str, setting: str) -> tuple[list[str], list[str]]:
    """The ring's entries (as written) without those whose key is a development key, and the ids left out.

    The development keys are published: an old key is kept so that it still decrypts or verifies, but one everybody
    knows protects nothing, and a certificate key kept in the ring would be published at /verify/keys as valid."""
    kept: list[str] = []
    dropped: list[str] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        [(key_id, raw)] = parse_key_ring(part, setting).items()
        if raw in DEV_KEY_MATERIAL:
            dropped.append(key_id)
        else:
            kept.append(part)
    return kept, dropped
