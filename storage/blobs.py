"""Blob store port and adapters: ID photos (and later certificates) live here, never in workflow history.

`BlobStore` is the port: put / get / delete bytes under a key. `LocalBlobStore` keeps files in a
directory; an S3-compatible adapter can implement the same three calls later. `EncryptedBlobStore`
wraps any store with AES-256-GCM: each blob carries the id of the key that sealed it, so old blobs
stay readable after a key rotation (the first key of the ring seals, every key opens).
"""

from __future__ import annotations

import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from config.keys import Keyring

MAGIC = b"MDB1"  # Madoguchi blob, format 1: MAGIC | key id length (1 byte) | key id | nonce (12) | ciphertext
NONCE_BYTES = 12
_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)*$")


class BlobNotFound(KeyError):
    """No blob under that key (never stored, or deleted)."""


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> bool: ...


def check_key(key: str) -> str:
    """Keys are ours (never from outside), but a bad one must not escape the store's directory."""
    if len(key) > 256 or not _KEY_RE.match(key) or ".." in key:
        raise ValueError(f"invalid blob key: {key!r}")
    return key


class LocalBlobStore:
    """Blobs as files under one directory; writes are atomic (temporary file, then rename)."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, key: str) -> Path:
        return self._root / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    def delete(self, key: str) -> bool:
        """True if something was deleted; deleting a missing blob is not an error (retries)."""
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            return False
        return True


def seal(keyring: Keyring, key: str, data: bytes) -> bytes:
    """Encrypt with the current key; the blob key is authenticated too, so blobs cannot be swapped."""
    kid = keyring.current.encode()
    nonce = os.urandom(NONCE_BYTES)
    body = AESGCM(keyring.keys[keyring.current]).encrypt(nonce, data, key.encode())
    return MAGIC + bytes([len(kid)]) + kid + nonce + body


def open_sealed(keyring: Keyring, key: str, sealed: bytes) -> bytes:
    if not sealed.startswith(MAGIC) or len(sealed) < len(MAGIC) + 1:
        raise ValueError("not a sealed blob")
    n = sealed[len(MAGIC)]
    start = len(MAGIC) + 1
    kid = sealed[start : start + n].decode("ascii", "replace")
    if kid not in keyring.keys:
        raise ValueError(f"blob sealed with unknown key id {kid!r}")
    nonce = sealed[start + n : start + n + NONCE_BYTES]
    return AESGCM(keyring.keys[kid]).decrypt(nonce, sealed[start + n + NONCE_BYTES :], key.encode())


def key_id_of(sealed: bytes) -> str:
    """The id of the key that sealed a blob (for rotation reports)."""
    n = sealed[len(MAGIC)]
    return sealed[len(MAGIC) + 1 : len(MAGIC) + 1 + n].decode("ascii", "replace")


class EncryptedBlobStore:
    """Any BlobStore, with AES-256-GCM at rest."""

    def __init__(self, inner: BlobStore, keyring: Keyring) -> None:
        self._inner = inner
        self._keyring = keyring

    def put(self, key: str, data: bytes) -> None:
        self._inner.put(key, seal(self._keyring, key, data))

    def get(self, key: str) -> bytes:
        return open_sealed(self._keyring, key, self._inner.get(key))

    def delete(self, key: str) -> bool:
        return self._inner.delete(key)


@lru_cache(maxsize=8)
def blob_store_from_settings(blob_dir: Path, blob_keys: str) -> EncryptedBlobStore:
    """The configured store, built once per directory and key ring (it holds no open resources)."""
    return EncryptedBlobStore(LocalBlobStore(blob_dir), Keyring.parse(blob_keys))
