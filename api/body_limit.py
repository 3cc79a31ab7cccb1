"""Request body limits per route, enforced on the bytes as they arrive, before anything parses them.

FastAPI reads a whole body (and parses it, JSON or form) before the dependencies that authenticate run, so
without a limit an anonymous client decides how much memory a request takes. This middleware answers 413
``{"detail": "request body larger than N bytes"}``:
- at once when Content-Length announces more than the route's limit (nothing is read);
- as soon as the bytes received go past it otherwise (chunked bodies, or a Content-Length that lies).

Rules are (regular expression on the path, limit) pairs, the first full match wins; other paths get the default.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    """Raised from `receive` once the body goes past the limit (whatever catches it, the answer is 413)."""


class BodyLimit:
    def __init__(self, app: ASGIApp, *, rules: Sequence[tuple[str, int]], default: int) -> None:
        self.app = app
        self.rules = [(re.compile(pattern), limit) for pattern, limit in rules]
        self.default = default

    def limit_for(self, path: str) -> int:
        for pattern, limit in self.rules:
            if pattern.fullmatch(path):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(send, limit)
            return
        received = 0
        exceeded = False
        started = False  # a response start went out (the app's or ours)
        replaced = False  # ours went out instead of the app's

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge(f"request body larger than {limit} bytes")
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started, replaced
            if replaced:
                return
            if message["type"] == "http.response.start":
                started = True
                if exceeded:
                    # The app turned the error into an answer of its own (FastAPI: 400 "There was an error
                    # parsing the body"): the client gets the real reason instead.
                    replaced = True
                    await _too_large(send, limit)
                    return
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyTooLarge:
            if not started:
                await _too_large(send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"request body larger than {limit} bytes"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                # The rest of the body is not wanted: do not keep reading it on this connection.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
