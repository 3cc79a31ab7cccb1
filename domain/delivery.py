"""Delivering the certificate: what the resident is told, and the tracking numbers clerks may enter."""

from __future__ import annotations

import re
from datetime import datetime

from domain.state import JST
from messages import line
from messages.line import Message
from messages.texts import t

TRACKING = re.compile(r"^[A-Za-z0-9-]{6,30}$")


def validate_tracking(tracking_number: str) -> None:
    if not TRACKING.match(tracking_number.strip()):
        raise ValueError("the tracking number must be 6-30 letters, digits or hyphens")


def digital(lang: str, number: str, url: str, expires: datetime) -> list[Message]:
    until = expires.astimezone(JST).strftime("%Y-%m-%d %H:%M")
    return [line.text(t("cert_digital", lang, number=number, url=url, until=until))]


def printing(lang: str, number: str) -> list[Message]:
    return [line.text(t("cert_printing", lang, number=number))]


def mailed(lang: str, number: str, tracking: str) -> list[Message]:
    return [line.text(t("cert_mailed", lang, number=number, tracking=tracking))]


def failed(lang: str, application_id: str) -> list[Message]:
    return [line.text(t("cert_failed", lang, id=application_id))]
