"""Signing: Ed25519 over canonical JSON and over the PDF file, key rotation, and the offline command."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from certificates.__main__ import main as cli_main
from certificates.model import CertificateData, Entry, Member
from certificates.render import render_pdf
from certificates.signing import (
    SignedCertificate,
    SigningKeys,
    canonical_json,
    load_public_keys,
    read_pdf,
    verify,
    verify_document,
    verify_pdf,
)

ROOT = Path(__file__).resolve().parents[2]
CERT_ID = "Zx9Yw8Xv7Wu6Vt5Us4Tr3S"
URL = f"http://127.0.0.1:8000/verify/{CERT_ID}"


def seed(byte: int) -> str:
    return base64.b64encode(bytes([byte]) * 32).decode()


OLD = SigningKeys.parse(f"k2025:{seed(1)}")
NEW = SigningKeys.parse(f"k2026:{seed(2)}, k2025:{seed(1)}")
OTHER = SigningKeys.parse(f"k2026:{seed(3)}")  # same id, another key: a forger's


def certificate(name: str = "市川 一郎") -> CertificateData:
    return CertificateData(
        certificate_id=CERT_ID,
        number="2026-000042",
        procedure_code="juminhyo",
        title="住民票の写し",
        title_en="Certificate of residence",
        issued_at=date(2026, 11, 27),
        holder_name=name,
        holder_birth_date=date(1970, 5, 20),
        certification="この写しは、住民票の原本と相違ないことを証明する。",
        fields=(Entry("住所", "千葉県市川市八幡1丁目1番1号"),),
        members=(Member(name, "イチカワ イチロウ", date(1970, 5, 20), "男", date(1998, 4, 1)),),
    )


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_pdf(certificate(), verify_url=URL, keyring=OLD)


# -- keys ------------------------------------------------------------------------------------------------


def test_keyring_parse() -> None:
    assert (NEW.current, list(NEW.keys)) == ("k2026", ["k2026", "k2025"])
    for bad, message in [
        ("", "at least one key"),
        ("nokey", "keyid:base64seed"),
        ("bad id:" + seed(1), "keyid:base64seed"),
        ("k1:not base64!", "not valid base64"),
        ("k1:" + base64.b64encode(b"short").decode(), "32 bytes"),
        (f"k1:{seed(1)},k1:{seed(2)}", "twice"),
    ]:
        with pytest.raises(ValueError, match=message):
            SigningKeys.parse(bad)


def test_public_keys_are_jwks_with_ids() -> None:
    document = NEW.keys_document()
    assert [k["kid"] for k in document["keys"]] == ["k2026", "k2025"]
    for jwk in document["keys"]:
        assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("OKP", "Ed25519", "EdDSA")
        assert len(base64.urlsafe_b64decode(jwk["x"] + "=")) == 32
        assert "d" not in jwk, "never the private part"
    assert set(load_public_keys(document)) == set(load_public_keys(document["keys"])) == {"k2026", "k2025"}
    assert load_public_keys({"keys": [{"kty": "RSA", "kid": "x"}, "junk"]}) == {}


# -- payload signatures ----------------------------------------------------------------------------------


def test_canonical_json() -> None:
    assert canonical_json({"b": 1, "a": {"d": "市川", "c": [1, None]}}) == '{"a":{"c":[1,null],"d":"市川"},"b":1}'
    signed = NEW.sign(certificate())
    assert signed.payload == canonical_json(json.loads(signed.payload)), "already canonical"
    assert "市川 一郎" in signed.payload, "UTF-8 kept, not \\u escapes"


def test_sign_and_verify() -> None:
    signed = NEW.sign(certificate())
    assert signed.key_id == "k2026"
    keys = NEW.keys_document()
    assert verify(signed.payload, signed.signature_b64, signed.key_id, keys)
    assert signed.data() == certificate()
    assert NEW.sign(certificate()) == signed, "Ed25519 is deterministic: a retry signs identically"


def test_a_changed_field_does_not_verify() -> None:
    signed = NEW.sign(certificate())
    keys = NEW.keys_document()
    forged = signed.payload.replace("市川 一郎", "市川 一男")
    assert forged != signed.payload
    assert not verify(forged, signed.signature_b64, signed.key_id, keys)
    assert not verify(signed.payload.replace("2026-000042", "2026-000043"), signed.signature_b64, "k2026", keys)
    assert not verify(signed.payload, signed.signature_b64, "k2025", keys), "another key"
    assert not verify(signed.payload, signed.signature_b64, "nope", keys), "unknown key id"
    assert not verify(signed.payload, "not-base64!!", "k2026", keys)
    assert not verify(signed.payload, base64.b64encode(b"x" * 64).decode(), "k2026", keys)
    impostor = OTHER.sign(certificate())  # same key id, a key the city never published
    assert not verify(impostor.payload, impostor.signature_b64, impostor.key_id, keys)


def test_rotation_old_certificates_still_verify() -> None:
    old = OLD.sign(certificate())
    assert old.key_id == "k2025"
    assert verify(old.payload, old.signature_b64, old.key_id, NEW.keys_document())
    assert not verify(old.payload, old.signature_b64, old.key_id, SigningKeys.parse(f"k2026:{seed(2)}").keys_document())
    assert NEW.sign(certificate()).key_id == "k2026", "the new key signs"


def test_verify_document() -> None:
    signed = OLD.sign(certificate())
    keys = NEW.keys_document()
    assert verify_document(signed.to_document(), keys).valid
    as_object = {**signed.to_document(), "payload": json.loads(signed.payload)}
    assert verify_document(as_object, keys).valid, "a payload given as an object is canonicalised"
    tampered = {**signed.to_document(), "payload": signed.payload.replace("八幡", "市川")}
    result = verify_document(tampered, keys)
    assert not result.valid and "payload signature" in result.reason and result.data is None
    assert not verify_document(["x"], keys).valid
    assert not verify_document({"payload": "x"}, keys).valid


# -- PDF -------------------------------------------------------------------------------------------------


def test_pdf_verifies_offline(pdf: bytes) -> None:
    result = verify_pdf(pdf, NEW.keys_document())
    assert result.valid, result.reason
    assert result.data == certificate() and result.verify_url == URL
    assert result.signed is not None and result.signed.key_id == "k2025"


def _image_offset(pdf: bytes) -> int:
    match = re.search(rb"/Filter /DCTDecode /Length \d+ >>\nstream\n", pdf)
    assert match is not None
    return match.end() + 5000


def test_a_changed_pdf_byte_is_detected(pdf: bytes) -> None:
    keys = NEW.keys_document()
    at = _image_offset(pdf)
    changed = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]
    result = verify_pdf(changed, keys)
    assert not result.valid and "file was changed" in result.reason
    assert not verify_pdf(pdf + b"% appended\n", keys).valid
    overlay = pdf.replace(b"q 595.28", b"q 595.27", 1)  # the page content drawn differently
    assert overlay != pdf and not verify_pdf(overlay, keys).valid


def test_a_changed_embedded_payload_is_detected(pdf: bytes) -> None:
    entries = read_pdf(pdf)
    assert entries is not None
    payload = base64.b64decode(entries["payload"]).decode().replace("市川 一郎", "市川 一男")
    forged = pdf.replace(entries["payload"].encode(), base64.b64encode(payload.encode()))
    result = verify_pdf(forged, NEW.keys_document())
    assert not result.valid and "payload signature" in result.reason


def test_a_pdf_needs_its_signatures(pdf: bytes) -> None:
    keys = NEW.keys_document()
    assert not verify_pdf(render_pdf(certificate(), verify_url=URL), keys).valid, "unsigned draft"
    assert not verify_pdf(b"not a pdf", keys).valid
    assert not verify_pdf(pdf, SigningKeys.parse(f"k2026:{seed(2)}").keys_document()).valid, "old key not listed"
    resigned = render_pdf(certificate(), verify_url=URL, keyring=OTHER)
    assert not verify_pdf(resigned, keys).valid, "signed with an unpublished key"


def test_signed_certificate_document_round_trip() -> None:
    signed = OLD.sign(certificate())
    document = signed.to_document()
    assert SignedCertificate(document["payload"], document["signature"], document["key_id"]) == signed


# -- the offline command ---------------------------------------------------------------------------------


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(NEW.keys_document()), encoding="utf-8")
    return path


def test_cli_valid_pdf(pdf: bytes, tmp_path: Path, keys_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    assert cli_main(["verify", str(path), "--keys", str(keys_file)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("VALID: 住民票の写し")
    assert "2026-000042" in out and "市川 一郎" in out and "令和8年11月27日" in out and URL in out


def test_cli_tampered_pdf(pdf: bytes, tmp_path: Path, keys_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    at = _image_offset(pdf)
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf[:at] + bytes([pdf[at] ^ 0xFF]) + pdf[at + 1 :])
    assert cli_main(["verify", str(path), "--keys", str(keys_file)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("INVALID:") and "市川" not in out, "an invalid file's content is not shown"


def test_cli_json_documents(tmp_path: Path, keys_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    signed = OLD.sign(certificate())
    good = tmp_path / "good.json"
    good.write_text(json.dumps(signed.to_document(), ensure_ascii=False), encoding="utf-8")
    assert cli_main(["verify", str(good), "--keys", str(keys_file)]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**signed.to_document(), "payload": signed.payload.replace("1970", "1971")}), "utf-8")
    assert cli_main(["verify", str(bad), "--keys", str(keys_file)]) == 1
    junk = tmp_path / "junk.txt"
    junk.write_bytes(b"\xff\xfe junk")
    assert cli_main(["verify", str(junk), "--keys", str(keys_file)]) == 1
    capsys.readouterr()


def test_cli_usage_errors(tmp_path: Path, keys_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main([]) == 2
    with pytest.raises(SystemExit) as exited:
        cli_main(["verify"])
    assert exited.value.code == 2
    with pytest.raises(SystemExit) as exited:
        cli_main(["frobnicate"])
    assert exited.value.code == 2
    assert cli_main(["verify", str(tmp_path / "missing.pdf"), "--keys", str(keys_file)]) == 2
    existing = tmp_path / "c.json"
    existing.write_text("{}", encoding="utf-8")
    assert cli_main(["verify", str(existing), "--keys", str(tmp_path / "missing.json")]) == 2
    not_json = tmp_path / "keys.txt"
    not_json.write_text("nope", encoding="utf-8")
    assert cli_main(["verify", str(existing), "--keys", str(not_json)]) == 2
    empty = tmp_path / "empty.json"
    empty.write_text('{"keys": []}', encoding="utf-8")
    assert cli_main(["verify", str(existing), "--keys", str(empty)]) == 2
    assert "error" in capsys.readouterr().err


def test_cli_as_a_module_with_the_configured_keys(pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    env = {"PATH": "/usr/bin:/bin", "CERT_SIGNING_KEYS": f"k2026:{seed(2)},k2025:{seed(1)}"}
    run = subprocess.run(
        [sys.executable, "-m", "certificates", "verify", str(path)],
        cwd=tmp_path,  # no .env of the repository
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("VALID")
