"""In-memory state of the emulated LINE platform: residents, chats, reply tokens, retry keys, content."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import random
import re
import secrets
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

JsonObject = dict[str, Any]

USER_ID_RE = re.compile(r"^U[0-9a-f]{32}$")
RETRY_KEY_TTL_SECONDS = 24 * 3600
# Bounds on what is kept (LINE too deletes content after a while): oldest first.
MAX_CONTENT_BYTES = 256 * 1024 * 1024
MAX_EVENTS = 100_000
MAX_REPLY_TOKENS = 10_000
# Messages whose sentMessages entry carries a quoteToken (they can be quoted).
QUOTABLE_TYPES = {"text", "textV2", "sticker", "image", "video"}

DEMO_RESIDENTS = (
    ("U00000000000000000000000000000001", "山田 花子", "ja"),
    ("U00000000000000000000000000000002", "Alex Smith", "en"),
)


def now_ms() -> int:
    return int(time.time() * 1000)


def new_user_id() -> str:
    return "U" + secrets.token_hex(16)


def new_reply_token() -> str:
    return secrets.token_hex(16)


def new_quote_token() -> str:
    return secrets.token_urlsafe(48)


def bot_user_id(channel_secret: str) -> str:
    """The bot's own user id (the webhook `destination`), stable for a channel."""
    return "U" + hashlib.sha256(channel_secret.encode()).hexdigest()[:32]


@dataclass
class Resident:
    user_id: str
    display_name: str
    language: str
    followed: bool = False
    blocked: bool = False

    def profile(self) -> JsonObject:
        return {"userId": self.user_id, "displayName": self.display_name, "language": self.language}

    def as_dict(self) -> JsonObject:
        return {**self.profile(), "followed": self.followed, "blocked": self.blocked}


@dataclass
class ReplyToken:
    chat_id: str
    issued_at: float


@dataclass
class AcceptedPush:
    request_id: str
    sent_messages: list[JsonObject]
    accepted_at: float


@dataclass
class Content:
    data: bytes
    content_type: str


@dataclass
class Faults:
    rate: float = 0.0
    statuses: list[int] = field(default_factory=lambda: [500, 429])
    latency_ms: int = 0

    def as_dict(self) -> JsonObject:
        return {"rate": self.rate, "statuses": list(self.statuses), "latency_ms": self.latency_ms}


@dataclass
class Stats:
    replies: int = 0
    pushes: int = 0
    retry_conflicts: int = 0
    invalid_reply_tokens: int = 0
    faults: int = 0
    webhooks_delivered: int = 0
    profiles: int = 0  # profile requests answered (found or not)

    def as_dict(self) -> JsonObject:
        return asdict(self)


class EmulatorState:
    """Everything the emulator remembers. Only touched from the event loop, so no locks are needed."""

    def __init__(self, *, reply_token_ttl: float, faults: Faults, rng: random.Random | None = None) -> None:
        self.reply_token_ttl = reply_token_ttl
        self.initial_faults = faults
        self.faults = replace(faults, statuses=list(faults.statuses))
        self.rng = rng or random.Random()
        self.stats = Stats()
        self.residents: dict[str, Resident] = {}
        self.groups: set[str] = set()
        self.chats: dict[str, list[JsonObject]] = {}
        # The bot's side of each chat as the inbox serves it, kept as it arrives: a long poll checks a
        # length and slices, instead of rebuilding the whole inbox each time any chat gets a message.
        self.inboxes: dict[str, list[JsonObject]] = {}
        self.reply_tokens: dict[str, ReplyToken] = {}
        self.retry_keys: dict[str, AcceptedPush] = {}
        self.events: dict[str, JsonObject] = {}
        self.contents: dict[str, Content] = {}
        self.total_usage = 0
        # Per chat, set (and dropped) when the bot's messages arrive: wakes only that chat's long polls.
        self._bot_spoke: dict[str, asyncio.Event] = {}
        # Numeric message ids, unique across restarts (LINE's are 18-digit numbers).
        self._message_ids = itertools.count(now_ms() * 10_000)
        for user_id, name, language in DEMO_RESIDENTS:
            self.add_resident(user_id, name, language)

    # residents and chats
    def add_resident(self, user_id: str, display_name: str, language: str) -> Resident:
        resident = self.residents.get(user_id)
        if resident is None:
            resident = self.residents[user_id] = Resident(user_id, display_name, language)
        else:
            resident.display_name, resident.language = display_name, language
        return resident

    def is_known_chat(self, chat_id: str) -> bool:
        return chat_id in self.residents or chat_id in self.groups

    def timeline(self, chat_id: str) -> list[JsonObject]:
        return self.chats.setdefault(chat_id, [])

    def inbox(self, chat_id: str) -> list[JsonObject]:
        return list(self.inboxes.get(chat_id, []))

    def record_resident_action(self, chat_id: str, entry: JsonObject) -> JsonObject:
        item = {"from": "resident", "at": now_ms(), **entry}
        self.timeline(chat_id).append(item)
        return item

    # ids, tokens and content
    def new_message_id(self) -> str:
        return str(next(self._message_ids))

    def issue_reply_token(self, chat_id: str) -> str:
        if len(self.reply_tokens) >= MAX_REPLY_TOKENS:
            horizon = time.monotonic() - self.reply_token_ttl
            self.reply_tokens = {k: v for k, v in self.reply_tokens.items() if v.issued_at >= horizon}
        token = new_reply_token()
        self.reply_tokens[token] = ReplyToken(chat_id, time.monotonic())
        return token

    def consume_reply_token(self, token: str) -> str | None:
        """The chat the token answers, or None if unknown, used or expired. Consumes it."""
        issued = self.reply_tokens.get(token)
        if issued is None or time.monotonic() - issued.issued_at > self.reply_token_ttl:
            return None
        del self.reply_tokens[token]
        return issued.chat_id

    def store_content(self, message_id: str, data: bytes, content_type: str) -> None:
        self.contents[message_id] = Content(data, content_type)
        total = sum(len(c.data) for c in self.contents.values())
        while total > MAX_CONTENT_BYTES and len(self.contents) > 1:
            total -= len(self.contents.pop(next(iter(self.contents))).data)

    def remember_event(self, event: JsonObject) -> None:
        self.events[event["webhookEventId"]] = event
        while len(self.events) > MAX_EVENTS:
            del self.events[next(iter(self.events))]

    # bot -> resident
    def deliver(self, chat_id: str, messages: list[JsonObject], via: str) -> list[JsonObject]:
        """Store messages the bot sent; returns the `sentMessages` of the API response."""
        sent: list[JsonObject] = []
        resident = self.residents.get(chat_id)
        delivered = resident is None or not resident.blocked  # LINE accepts, then drops, for blockers
        at = now_ms()
        for message in messages:
            item: JsonObject = {"id": self.new_message_id()}
            if message.get("type") in QUOTABLE_TYPES:
                item["quoteToken"] = new_quote_token()
            sent.append(item)
            if delivered:
                entry: JsonObject = {"via": via, "message": message, "at": at}
                self.inboxes.setdefault(chat_id, []).append(entry)
                self.timeline(chat_id).append({"from": "bot", **entry})
        if (spoke := self._bot_spoke.pop(chat_id, None)) is not None:
            spoke.set()
        return sent

    async def wait_for_inbox(self, chat_id: str, after: int, timeout: float) -> list[JsonObject]:
        """The bot's messages from index `after` on, waiting up to `timeout` seconds for one to arrive."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(items := self.inboxes.get(chat_id, [])) <= after:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            spoke = self._bot_spoke.setdefault(chat_id, asyncio.Event())
            try:
                await asyncio.wait_for(spoke.wait(), remaining)
            except TimeoutError:
                break
        return items[after:]

    def accepted_push(self, retry_key: str) -> AcceptedPush | None:
        accepted = self.retry_keys.get(retry_key)
        if accepted and time.monotonic() - accepted.accepted_at > RETRY_KEY_TTL_SECONDS:
            del self.retry_keys[retry_key]
            return None
        return accepted

    def accept_push(self, retry_key: str, request_id: str, sent: list[JsonObject]) -> None:
        self.retry_keys[retry_key] = AcceptedPush(request_id, sent, time.monotonic())

    # faults
    def draw_fault(self) -> int | None:
        """A status to fail this request with, or None to serve it."""
        if self.faults.rate > 0 and self.faults.statuses and self.rng.random() < self.faults.rate:
            return self.rng.choice(self.faults.statuses)
        return None

    def reset(self) -> None:
        """Clear chats, stats, usage and retry keys, restore the initial faults; keep residents,
        events and content."""
        self.chats.clear()
        self.inboxes.clear()
        self.faults = replace(self.initial_faults, statuses=list(self.initial_faults.statuses))
        self.stats = Stats()
        self.retry_keys.clear()
        self.total_usage = 0
