"""LINE messaging activities: reply while the token is fresh, else push with a retry key; profiles."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from linebot.v3.messaging import ApiException, AsyncMessagingApi
from prometheus_client import Counter
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.models import GetProfileInput, Profile, SendMessagesInput, SendMessagesResult
from lineapi.client import fetch_profile
from workflows.shared import GET_PROFILE_ACTIVITY, SEND_MESSAGES_ACTIVITY

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

    async def _post_messages(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        """POST a reply or push body, already in LINE's JSON form, through the SDK's API client (its
        configuration, bearer auth, HTTP transport and ApiException on any non-2xx answer).

        Not through `reply_message` / `push_message`: they take the SDK's pydantic models, and parsing
        our message dicts into them only to serialise them back was the largest CPU cost of an answer
        in the worker (Flex cards most). The dicts come from `messages.line`, and the unit tests check
        every message the bot can send against the SDK's models (tests/unit/test_line_messages_sdk.py).
        """
        await self._api.api_client.call_api(
            path,
            "POST",
            header_params={"Accept": "application/json", "Content-Type": "application/json", **(headers or {})},
            body=body,
            auth_settings=["Bearer"],
            response_types_map={},
            _return_http_data_only=True,
            _host=self._api.line_base_path,
        )

    @activity.defn(name=SEND_MESSAGES_ACTIVITY)
    async def send_messages(self, inp: SendMessagesInput) -> SendMessagesResult:
        if not inp.messages:
            return SendMessagesResult(via="none")
        token_age_ms = time.time() * 1000 - inp.reply_token_received_at_ms
        if inp.reply_token and token_age_ms < self._max_age_ms:
            try:
                await self._post_messages(
                    "/v2/bot/message/reply", {"replyToken": inp.reply_token, "messages": inp.messages}
                )
                MESSAGES_SENT.labels(via="reply").inc()
                return SendMessagesResult(via="reply")
            except ApiException as err:
                if not _is_invalid_reply_token(err):
                    _raise_for(err, "reply")
                log.info("reply token no longer valid, pushing instead")
        try:
            await self._post_messages(
                "/v2/bot/message/push",
                {"to": inp.line_user_id, "messages": inp.messages},
                {"X-Line-Retry-Key": inp.retry_key} if inp.retry_key else None,
            )
        except ApiException as err:
            _raise_for(err, "push")
        MESSAGES_SENT.labels(via="push").inc()
        return SendMessagesResult(via="push")

    @activity.defn(name=GET_PROFILE_ACTIVITY)
    async def get_profile(self, inp: GetProfileInput) -> Profile:
        try:
            return await fetch_profile(self._api, inp.line_user_id)
        except ApiException as err:
            _raise_for(err, "profile")
            raise
