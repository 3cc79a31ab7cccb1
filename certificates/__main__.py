"""`python -m certificates verify FILE [--keys keys.json]`: check a certificate offline.

FILE is a certificate PDF (the signed payload, its signature, the key id and a signature over the whole file
are in the PDF's Info dictionary, see certificates.signing) or a ``.json`` document
``{"payload": "...", "signature": "...", "key_id": "..."}``. The public keys come from ``--keys`` (the JSON
served at /verify/keys) or, without it, from the configured CERT_SIGNING_KEYS.

Prints VALID with the certificate's content, or INVALID with the reason. Revocation is not known offline: the
verification page (printed as a QR code) tells it. Exit status: 0 valid, 1 invalid, 2 usage error (bad
arguments, unreadable file or keys).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from certificates.signing import PublicKeys, Verification, load_public_keys, verify_document, verify_pdf

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m certificates", description="Verify certificates offline.")
    commands = parser.add_subparsers(dest="command", metavar="{verify}")
    check = commands.add_parser("verify", help="check a certificate PDF or .json file against the public keys")
    check.add_argument("file", type=Path, help="the certificate: a .pdf, or a .json {payload, signature, key_id}")
    check.add_argument("--keys", type=Path, help="public keys: the JSON of /verify/keys (default: CERT_SIGNING_KEYS)")
    return parser


def _out(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def _usage(message: str) -> int:
    sys.stderr.write(f"python -m certificates: error: {message}\n")
    return EXIT_USAGE


def _configured_keys() -> PublicKeys:
    from certificates.signing import SigningKeys
    from config.settings import get_settings

    return SigningKeys.parse(get_settings().cert_signing_keys).keys_document()


def _report(result: Verification) -> None:
    data = result.data
    if not result.valid or data is None:
        _out(f"INVALID: {result.reason}")
        if result.pdf_sha256:
            _out(f"  file sha256: {result.pdf_sha256}")
        return
    _out(f"VALID: {data.title} ({data.title_en})")
    _out(f"  certificate id: {data.certificate_id}")
    _out(f"  number: {data.number}")
    _out(f"  issued: {data.issued_label}")
    _out(f"  issuer: {data.mayor}")
    _out(f"  holder: {data.holder_name} (born {data.holder_birth_date.isoformat()})")
    if result.signed is not None:
        _out(f"  signed with key: {result.signed.key_id}")
    if result.pdf_sha256:
        _out(f"  file sha256: {result.pdf_sha256} (the PDF is unchanged since it was signed)")
    for entry in data.fields:
        _out(f"  {entry.label}: {entry.value}")
    if data.seal_impression is not None:
        _out(f"  印影: {data.seal_impression}")
    for number, member in enumerate(data.members, start=1):
        _out(f"  [{number}] " + " / ".join(f"{e.label}: {e.value}" for e in member.entries()))
    where = f" at {result.verify_url}" if result.verify_url else " on the verification page"
    _out(f"  revocation: not checked offline; see{where}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)  # bad arguments: exit status 2
    if args.command is None:
        parser.print_usage(sys.stderr)
        return _usage("a command is required (verify)")
    try:
        content = args.file.read_bytes()
    except OSError as exc:
        return _usage(f"cannot read {args.file}: {exc.strerror or exc}")
    keys: PublicKeys
    if args.keys is not None:
        try:
            keys = json.loads(args.keys.read_text(encoding="utf-8"))
        except OSError as exc:
            return _usage(f"cannot read {args.keys}: {exc.strerror or exc}")
        except ValueError as exc:
            return _usage(f"{args.keys} is not JSON: {exc}")
    else:
        try:
            keys = _configured_keys()
        except ValueError as exc:
            return _usage(f"no usable CERT_SIGNING_KEYS: {exc}")
    if not load_public_keys(keys):
        return _usage("no Ed25519 public key in the keys given")
    if content.startswith(b"%PDF-"):
        result = verify_pdf(content, keys)
    else:
        document: Any
        try:
            document = json.loads(content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            document = None
        if document is None:
            result = Verification(False, "neither a PDF nor a JSON certificate document")
        else:
            result = verify_document(document, keys)
    _report(result)
    return EXIT_VALID if result.valid else EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
