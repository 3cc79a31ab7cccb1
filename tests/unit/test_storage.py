"""The blob store (local directory, AES-256-GCM at rest, key rotation) and the photo hash index."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from config.keys import Keyring
from config.settings import DEV_BLOB_KEYS, Settings
from storage.blobs import (
    BlobNotFound,
    EncryptedBlobStore,
    LocalBlobStore,
    check_key,
    key_id_of,
)
from storage.photo_index import PhotoIndex


def key_spec(*ids: str) -> str:
    return ",".join(f"{i}:{base64.b64encode(os.urandom(32)).decode()}" for i in ids)


def test_local_store_round_trip_and_delete(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.put("id-photo/AAAAA-BBBBB/123.jpg", b"bytes")
    assert store.get("id-photo/AAAAA-BBBBB/123.jpg") == b"bytes"
    assert store.delete("id-photo/AAAAA-BBBBB/123.jpg") is True
    assert store.delete("id-photo/AAAAA-BBBBB/123.jpg") is False, "deleting twice is not an error"
    with pytest.raises(BlobNotFound):
        store.get("id-photo/AAAAA-BBBBB/123.jpg")
    assert not [p for p in tmp_path.rglob("*") if p.is_file()], "no temporary files left behind"


@pytest.mark.parametrize("key", ["../x", "/etc/passwd", "a/../../b", "", "a//b", ".hidden", "a/b\x00c", "x" * 300])
def test_keys_cannot_escape_the_directory(key: str) -> None:
    with pytest.raises(ValueError):
        check_key(key)


def test_encrypted_at_rest_with_key_id(tmp_path: Path) -> None:
    inner = LocalBlobStore(tmp_path)
    store = EncryptedBlobStore(inner, Keyring.parse(key_spec("k2024")))
    secret = b"\xff\xd8\xff JPEG with a resident's face and address"
    store.put("id-photo/A/1.jpg", secret)
    on_disk = (tmp_path / "id-photo/A/1.jpg").read_bytes()
    assert b"address" not in on_disk and secret not in on_disk
    assert key_id_of(on_disk) == "k2024"
    assert store.get("id-photo/A/1.jpg") == secret


def test_rotation_keeps_old_blobs_readable(tmp_path: Path) -> None:
    old = key_spec("old")
    inner = LocalBlobStore(tmp_path)
    EncryptedBlobStore(inner, Keyring.parse(old)).put("b/1", b"sealed with the old key")
    rotated = EncryptedBlobStore(inner, Keyring.parse(key_spec("new") + "," + old))
    rotated.put("b/2", b"sealed with the new key")
    assert rotated.get("b/1") == b"sealed with the old key"
    assert key_id_of(inner.get("b/2")) == "new"
    with pytest.raises(ValueError, match="unknown key id"):
        EncryptedBlobStore(inner, Keyring.parse(key_spec("new"))).get("b/1")


def test_tampering_and_swapping_are_detected(tmp_path: Path) -> None:
    inner = LocalBlobStore(tmp_path)
    store = EncryptedBlobStore(inner, Keyring.parse(key_spec("k")))
    store.put("b/1", b"one")
    store.put("b/2", b"two")
    sealed = bytearray(inner.get("b/1"))
    sealed[-1] ^= 1
    inner.put("b/1", bytes(sealed))
    with pytest.raises(InvalidTag):
        store.get("b/1")
    inner.put("b/3", inner.get("b/2"))  # the blob key is authenticated data: a moved blob does not open
    with pytest.raises(InvalidTag):
        store.get("b/3")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "at least one key"),
        ("nokey", "keyid:base64key"),
        ("k:not base64!", "not valid base64"),
        ("k:" + base64.b64encode(b"short").decode(), "32 bytes"),
        (key_spec("a") + "," + key_spec("a"), "twice"),
    ],
)
def test_bad_key_settings_are_refused_with_a_reason(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Keyring.parse(spec)


def test_settings_refuse_bad_keys_and_the_dev_key_in_production() -> None:
    with pytest.raises(ValueError, match="BLOB_KEYS"):
        Settings(blob_keys="k:short")
    with pytest.raises(ValueError, match="BLOB_KEYS"):
        Settings(
            profile="production",
            line_channel_secret=os.urandom(16).hex(),
            line_channel_access_token=os.urandom(32).hex(),
            user_id_hash_key=os.urandom(32).hex(),
            blob_keys=DEV_BLOB_KEYS,
        )
    Settings(
        profile="production",
        line_channel_secret=os.urandom(16).hex(),
        line_channel_access_token=os.urandom(32).hex(),
        user_id_hash_key=os.urandom(32).hex(),
        session_secret=os.urandom(32).hex(),
        linepay_channel_secret=os.urandom(16).hex(),
        payload_keys=key_spec("payload-prod"),
        codec_token=os.urandom(32).hex(),
        cert_signing_keys="prod-1:" + base64.b64encode(os.urandom(32)).decode(),
        blob_keys=key_spec("prod1"),
        session_cookie_secure=True,
    )


def test_photo_index_flags_other_residents_only(tmp_path: Path) -> None:
    index = PhotoIndex(tmp_path / "index.sqlite")
    index.add("APP-1", "id-photo/APP-1/1.jpg", "resident-a", "f0f0f0f0f0f0f0f0")
    index.add("APP-2", "id-photo/APP-2/1.jpg", "resident-b", "0000000000000000")
    near = "f0f0f0f0f0f0f0f3"  # 2 bits away from APP-1's photo
    assert [(m.application_id, m.distance) for m in index.matches(near, "resident-c", 6)] == [("APP-1", 2)]
    assert index.matches(near, "resident-a", 6) == [], "the same resident re-using their photo is not flagged"
    assert index.matches("ffffffffffffffff", "resident-c", 6) == [], "high bit set and far from everything"
    assert index.remove_application("APP-1") == 1
    assert index.matches(near, "resident-c", 6) == []
    index.close()
