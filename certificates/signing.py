"""Signing certificates so that anyone can verify them: Ed25519 over canonical JSON, and over the PDF file.

Two signatures, both by the current key of the CERT_SIGNING_KEYS ring ("keyid:base64(32-byte seed)[,...]", the
first signs, all verify, so rotating = putting the new key first and keeping the old ones listed):

1. The **payload signature**: Ed25519 over the UTF-8 bytes of the canonical JSON of the certificate's content
   (`CertificateData.to_payload()`; keys sorted, no spaces, non-ASCII kept as is). It proves what the
   certificate says; it is stored with the certificate and travels in the PDF and in a ``.json`` document
   ``{"payload": "<canonical JSON>", "signature": "<base64>", "key_id": "<kid>"}``.
2. The **PDF signature**: Ed25519 over ``b"madoguchi-certificate-pdf/1\\n" + SHA-256(the PDF file without the
   88 characters of its own slot)``, the way PDF signatures exclude their /Contents. Any changed byte of the
   file (an image, an added page or overlay, the payload) makes it fail, offline.

How a PDF carries them: entries of its document information dictionary (the trailer's /Info), all ASCII:

    /MadoguchiFormat (madoguchi-certificate-pdf/1)
    /MadoguchiKeyId (dev-2026)
    /MadoguchiPayload (<base64 of the canonical JSON, UTF-8>)
    /MadoguchiSignature (<base64 of the payload signature>)
    /MadoguchiVerifyUrl (<the verification page printed as a QR code>)
    /MadoguchiPdfSignature (<base64 of the PDF signature, 88 characters>)

Public keys are published as JWKs (RFC 8037: {"kty": "OKP", "crv": "Ed25519", "x": ..., "kid": ...}) in the
document ``{"keys": [...]}`` served at /verify/keys; `verify` accepts that document or its list of keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from certificates.model import CertificateData
from config.keys import Keyring

__all__ = [
    "PDF_FORMAT",
    "PDF_SIGNATURE_LENGTH",
    "PublicKeys",
    "SignedCertificate",
    "SigningKeys",
    "Verification",
    "canonical_json",
    "load_public_keys",
    "pdf_info_entries",
    "read_pdf",
    "seal_pdf",
    "sign",
    "verify",
    "verify_document",
    "verify_pdf",
]

PDF_FORMAT = "madoguchi-certificate-pdf/1"
PDF_MESSAGE_PREFIX = b"madoguchi-certificate-pdf/1\n"
PDF_SIGNATURE_LENGTH = 88  # base64 of a 64-byte Ed25519 signature
PDF_SIGNATURE_PLACEHOLDER = "0" * PDF_SIGNATURE_LENGTH
_KEY_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_B64 = rb"[A-Za-z0-9+/=]*"
_PDF_ENTRIES: dict[str, bytes] = {
    "format": rb"/MadoguchiFormat \(([A-Za-z0-9_./-]*)\)",
    "key_id": rb"/MadoguchiKeyId \(([A-Za-z0-9_.-]*)\)",
    "payload": rb"/MadoguchiPayload \((" + _B64 + rb")\)",
    "signature": rb"/MadoguchiSignature \((" + _B64 + rb")\)",
    "verify_url": rb"/MadoguchiVerifyUrl \(((?:[^\\()]|\\.)*)\)",
    "pdf_signature": rb"/MadoguchiPdfSignature \((" + _B64 + rb")\)",
}

PublicKeys = Mapping[str, Any] | Sequence[Mapping[str, Any]]


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 characters as they are (ensure_ascii off). No floats in certificates."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str, *, url: bool = False) -> bytes | None:
    try:
        if url:
            return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


@dataclass(frozen=True)
class SignedCertificate:
    """A payload (canonical JSON), its Ed25519 signature (base64) and the id of the key that made it."""

    payload: str
    signature_b64: str
    key_id: str

    def to_document(self) -> dict[str, str]:
        """The ``.json`` form that `python -m certificates verify` checks offline."""
        return {"payload": self.payload, "signature": self.signature_b64, "key_id": self.key_id}

    def content(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.payload)
        return value

    def data(self) -> CertificateData:
        return CertificateData.from_payload(self.content())


@dataclass(frozen=True)
class SigningKeys:
    """The Ed25519 keys of a key ring of seeds (CERT_SIGNING_KEYS); `current` (the first) signs."""

    current: str
    keys: dict[str, Ed25519PrivateKey]

    @classmethod
    def from_keyring(cls, ring: Keyring) -> SigningKeys:
        keys = {kid: Ed25519PrivateKey.from_private_bytes(raw) for kid, raw in ring.keys.items()}
        return cls(current=ring.current, keys=keys)

    @classmethod
    def parse(cls, spec: str) -> SigningKeys:
        """From "keyid:base64(32-byte seed)[,keyid:base64...]" (the CERT_SIGNING_KEYS setting)."""
        return cls.from_keyring(Keyring.parse(spec, "CERT_SIGNING_KEYS", "seed"))

    def sign(self, data: CertificateData | str) -> SignedCertificate:
        """Sign a certificate (or an already canonical payload string) with the current key."""
        payload = data if isinstance(data, str) else canonical_json(data.to_payload())
        return SignedCertificate(payload=payload, signature_b64=self.sign_bytes(payload.encode()), key_id=self.current)

    def sign_bytes(self, message: bytes) -> str:
        return base64.b64encode(self.keys[self.current].sign(message)).decode("ascii")

    def public_keys(self) -> list[dict[str, str]]:
        """The JWKs of every key, the current one first."""
        return [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": _b64url(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)),
                "kid": key_id,
                "use": "sig",
                "alg": "EdDSA",
            }
            for key_id, key in self.keys.items()
        ]

    def keys_document(self) -> dict[str, Any]:
        """What /verify/keys serves and `--keys keys.json` reads: {"keys": [JWK, ...]}."""
        return {"keys": self.public_keys()}


def sign(data: CertificateData | str, keyring: SigningKeys) -> SignedCertificate:
    return keyring.sign(data)


def load_public_keys(keys: PublicKeys) -> dict[str, Ed25519PublicKey]:
    """Ed25519 public keys by id from a {"keys": [...]} document or a list of JWKs; other keys are skipped."""
    items: Any = keys.get("keys", []) if isinstance(keys, Mapping) else keys
    found: dict[str, Ed25519PublicKey] = {}
    if not isinstance(items, Sequence) or isinstance(items, str | bytes):
        return found
    for jwk in items:
        if not isinstance(jwk, Mapping) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            continue
        kid, x = jwk.get("kid"), jwk.get("x")
        raw = _b64decode(x, url=True) if isinstance(x, str) else None
        if isinstance(kid, str) and raw is not None and len(raw) == 32:
            found.setdefault(kid, Ed25519PublicKey.from_public_bytes(raw))
    return found


def _verify_message(message: bytes, signature_b64: str, key: Ed25519PublicKey) -> bool:
    raw = _b64decode(signature_b64)
    if raw is None or len(raw) != 64:
        return False
    try:
        key.verify(raw, message)
    except InvalidSignature:
        return False
    return True


def verify(payload: str, signature: str, key_id: str, public_keys: PublicKeys) -> bool:
    """True if `signature` (base64) is the Ed25519 signature of `payload` by the key `key_id`. Never raises."""
    key = load_public_keys(public_keys).get(key_id)
    return key is not None and _verify_message(payload.encode("utf-8"), signature, key)


# -- verification results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """The outcome of an offline check. `reason` is "ok" or what failed; `data` is set once the payload verified."""

    valid: bool
    reason: str
    signed: SignedCertificate | None = None
    data: CertificateData | None = None
    pdf_sha256: str | None = None
    verify_url: str | None = None


def _check_signed(signed: SignedCertificate, keys: Mapping[str, Ed25519PublicKey]) -> Verification:
    key = keys.get(signed.key_id)
    if key is None:
        return Verification(False, f"unknown key id {signed.key_id!r}", signed)
    if not _verify_message(signed.payload.encode("utf-8"), signed.signature_b64, key):
        return Verification(False, "payload signature does not match (content changed or not ours)", signed)
    try:
        data = signed.data()
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return Verification(False, f"payload is not a certificate: {exc}", signed)
    return Verification(True, "ok", signed, data)


def verify_document(document: Any, public_keys: PublicKeys) -> Verification:
    """Check a ``.json`` certificate document {"payload", "signature", "key_id"} (the payload may be an object)."""
    if not isinstance(document, Mapping):
        return Verification(False, "not a certificate document (expected a JSON object)")
    payload, signature, key_id = document.get("payload"), document.get("signature"), document.get("key_id")
    if isinstance(payload, Mapping):
        payload = canonical_json(payload)
    if not (isinstance(payload, str) and isinstance(signature, str) and isinstance(key_id, str)):
        return Verification(False, "not a certificate document (needs payload, signature and key_id)")
    return _check_signed(SignedCertificate(payload, signature, key_id), load_public_keys(public_keys))


# -- PDF -------------------------------------------------------------------------------------------------


def _pdf_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_info_entries(signed: SignedCertificate, verify_url: str) -> list[tuple[str, str]]:
    """The Info dictionary entries (name, PDF literal string body) a signed certificate PDF carries.

    The PDF signature's slot holds a placeholder; `seal_pdf` fills it once the file is complete.
    """
    if not verify_url.isascii():
        raise ValueError("the verification URL must be ASCII")
    payload_b64 = base64.b64encode(signed.payload.encode("utf-8")).decode("ascii")
    return [
        ("MadoguchiFormat", PDF_FORMAT),
        ("MadoguchiKeyId", signed.key_id),
        ("MadoguchiPayload", payload_b64),
        ("MadoguchiSignature", signed.signature_b64),
        ("MadoguchiVerifyUrl", _pdf_literal(verify_url)),
        ("MadoguchiPdfSignature", PDF_SIGNATURE_PLACEHOLDER),
    ]


def _single(pdf: bytes, pattern: bytes) -> re.Match[bytes] | None:
    matches = list(re.finditer(pattern, pdf))
    return matches[0] if len(matches) == 1 else None


def _pdf_message(pdf: bytes, start: int, end: int) -> bytes:
    digest = hashlib.sha256()
    digest.update(pdf[:start])
    digest.update(pdf[end:])
    return PDF_MESSAGE_PREFIX + digest.digest()


def seal_pdf(pdf: bytes, keyring: SigningKeys) -> bytes:
    """Fill the PDF signature slot of a PDF written with `pdf_info_entries` (same length: offsets stay valid)."""
    match = _single(pdf, _PDF_ENTRIES["pdf_signature"])
    if match is None or match.group(1).decode() != PDF_SIGNATURE_PLACEHOLDER:
        raise ValueError("the PDF has no (single, empty) Madoguchi signature slot")
    start, end = match.span(1)
    signature = keyring.sign_bytes(_pdf_message(pdf, start, end)).encode("ascii")
    assert len(signature) == PDF_SIGNATURE_LENGTH
    return pdf[:start] + signature + pdf[end:]


def read_pdf(pdf: bytes) -> dict[str, str] | None:
    """The Madoguchi entries of a PDF's Info dictionary (each must occur exactly once), or None."""
    found: dict[str, str] = {}
    for name, pattern in _PDF_ENTRIES.items():
        match = _single(pdf, pattern)
        if match is None:
            return None
        value = match.group(1).decode("ascii", "replace")
        found[name] = re.sub(r"\\(.)", r"\1", value) if name == "verify_url" else value
    return found


def verify_pdf(pdf: bytes, public_keys: PublicKeys) -> Verification:
    """Check a certificate PDF offline: the payload signature, then the signature over the file's bytes."""
    sha = hashlib.sha256(pdf).hexdigest()
    if not pdf.startswith(b"%PDF-"):
        return Verification(False, "not a PDF file", pdf_sha256=sha)
    entries = read_pdf(pdf)
    if entries is None or entries["format"] != PDF_FORMAT:
        return Verification(False, "no (single) Madoguchi signature in this PDF", pdf_sha256=sha)
    payload_raw = _b64decode(entries["payload"])
    try:
        payload = payload_raw.decode("utf-8") if payload_raw is not None else None
    except UnicodeDecodeError:
        payload = None
    if payload is None:
        return Verification(False, "the embedded payload is not base64 UTF-8", pdf_sha256=sha)
    keys = load_public_keys(public_keys)
    signed = SignedCertificate(payload, entries["signature"], entries["key_id"])
    result = _check_signed(signed, keys)
    url = entries["verify_url"]
    if not result.valid:
        return Verification(False, result.reason, signed, pdf_sha256=sha, verify_url=url)
    match = _single(pdf, _PDF_ENTRIES["pdf_signature"])
    assert match is not None  # read_pdf found exactly one
    start, end = match.span(1)
    key = keys[signed.key_id]
    if not _verify_message(_pdf_message(pdf, start, end), entries["pdf_signature"], key):
        return Verification(False, "PDF signature does not match: the file was changed", signed, pdf_sha256=sha)
    if result.data is not None and not url.endswith("/" + result.data.certificate_id):
        return Verification(False, "the verification URL names another certificate", signed, pdf_sha256=sha)
    return Verification(True, "ok", signed, result.data, sha, url)
