"""Perceptual hashes of stored ID photos, to flag the same photo used by another resident.

A small SQLite table (one row per stored photo): the hash, the resident's workflow id (a keyed hash,
not personal data) and the application id. Lookups compare Hamming distances in Python: at
Ichikawa's volume (some 150,000 applications a year, rows deleted with the photos after the
retention period) that is a scan of a few tens of thousands of integers.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS photo_hash (
    application_id TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    resident TEXT NOT NULL,
    phash INTEGER NOT NULL,
    PRIMARY KEY (application_id, blob_key)
)
"""


@dataclass(frozen=True)
class PhotoMatch:
    application_id: str
    distance: int


def _signed(value: int) -> int:
    """SQLite integers are signed 64-bit."""
    return value - (1 << 64) if value >= 1 << 63 else value


class PhotoIndex:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def add(self, application_id: str, blob_key: str, resident: str, phash: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO photo_hash VALUES (?, ?, ?, ?)",
                (application_id, blob_key, resident, _signed(int(phash, 16))),
            )

    def matches(self, phash: str, resident: str, max_distance: int) -> list[PhotoMatch]:
        """Applications of OTHER residents holding a photo within `max_distance` bits of this one."""
        target = int(phash, 16)
        with self._lock:
            rows = self._db.execute("SELECT application_id, phash FROM photo_hash WHERE resident != ?", (resident,))
            found: dict[str, int] = {}
            for application_id, value in rows:
                distance = ((value & 0xFFFFFFFFFFFFFFFF) ^ target).bit_count()
                if distance <= max_distance:
                    found[application_id] = min(distance, found.get(application_id, 64))
        return [PhotoMatch(a, d) for a, d in sorted(found.items(), key=lambda item: item[1])]

    def remove_application(self, application_id: str) -> int:
        with self._lock:
            return self._db.execute("DELETE FROM photo_hash WHERE application_id = ?", (application_id,)).rowcount
