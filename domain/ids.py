"""Workflow ids, made in one place. None of them holds personal data in clear."""

from __future__ import annotations

import hashlib
import hmac
import uuid

# Namespace for X-Line-Retry-Key values (uuid5 of the workflow id and the step).
RETRY_KEY_NAMESPACE = uuid.UUID("5b0f1c9e-7d3a-4c1e-9a55-0c4d2f6e8a10")


def resident_key(line_user_id: str, hash_key: str) -> str:
    """Keyed hash of a LINE user id: stable per resident, meaningless without the key."""
    digest = hmac.new(hash_key.encode(), line_user_id.encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def conversation_workflow_id(line_user_id: str, hash_key: str) -> str:
    return f"resident-{resident_key(line_user_id, hash_key)}"


def application_workflow_id(application_id: str) -> str:
    return f"application-{application_id}"


def retry_key(*parts: str) -> str:
    """Deterministic X-Line-Retry-Key: the same step of the same workflow always gets the same key."""
    return str(uuid.uuid5(RETRY_KEY_NAMESPACE, "/".join(parts)))
