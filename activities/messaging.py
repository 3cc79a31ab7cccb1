"""LINE messaging activities: reply while the token is fresh, else push with a retry key; profiles."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from linebot.v3.messaging import (
    ApiException,
    AsyncMessagingApi,
    Message,
    PushMessageRequest,
    ReplyMessageRequest,
)
from prometheus_client import Counter
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.models import GetProfileInput, Profile, SendMessagesInput, SendMessagesResult

log = logging.getLogger(__name__)

MESSAGES_SENT = Counter("madoguchi_line_requests_total", "Requests that delivered messages to LINE", ["via"])

# LINE answers 400 for a bad request body; retrying cannot help, so the workflow gets it at once.
BAD_MESSAGE = "LineBadRequest"
NOT_FOUND = "LineNotFound"


def _is_invalid_reply_token(err: ApiException) -> bool:
    return err.status == 400 and "reply token" in (err.body or "").lower()


def _raise_for(err: ApiException, what: str) -> None:
    if err.status == 409:  # X-Line-Retry-Key already accepted: the push happened before.
        return
    if err.status in (400, 401, 403):
        raise ApplicationError(f"LINE refused {what}: {err.status}", type=BAD_MESSAGE, non_retryable=True)
    # 429 (rate limit or monthly quota) and 5xx: let Temporal retry with backoff.
    raise ApplicationError(f"LINE {what} failed: {err.status}", type="LineUnavailable")


class LineActivities:
    """Activities that talk to the LINE Messaging API through line-bot-sdk."""

    def __init__(self, api: AsyncMessagingApi, reply_token_max_age: timedelta) -> None:
        self._api = api
        self._max_age_ms = reply_token_max_age.total_seconds() * 1000

    @activity.defn(name="send_messages")
    async def send_messages(self, inp: SendMessagesInput) -> SendMessagesResult:
        if not inp.messages:
            return SendMessagesResult(via="none")
        messages = [Message.from_dict(m) for m in inp.messages]
        token_age_ms = time.time() * 1000 - inp.reply_token_received_at_ms
        if inp.reply_token and token_age_ms < self._max_age_ms:
            try:
                await self._api.reply_message_with_http_info(
                    ReplyMessageRequest(reply_token=inp.reply_token, messages=messages)
                )
                MESSAGES_SENT.labels(via="reply").inc()
                return SendMessagesResult(via="reply")
            except ApiException as err:
                if not _is_invalid_reply_token(err):
                    _raise_for(err, "reply")
                log.info("reply token no longer valid, pushing instead")
        try:
            await self._api.push_message_with_http_info(
                PushMessageRequest(to=inp.line_user_id, messages=messages),
                x_line_retry_key=inp.retry_key or None,
            )
        except ApiException as err:
            _raise_for(err, "push")
        MESSAGES_SENT.labels(via="push").inc()
        return SendMessagesResult(via="push")

    @activity.defn(name="get_profile")
    async def get_profile(self, inp: GetProfileInput) -> Profile:
        try:
            profile = await self._api.get_profile(inp.line_user_id)
        except ApiException as err:
            if err.status == 404:  # the resident blocked the account or never added it
                return Profile(display_name="", language=None)
            _raise_for(err, "profile")
            raise
        return Profile(display_name=profile.display_name, language=profile.language)
