"""A bare Temporal chat for bench.chat_latency: signal-with-start, a queue, one activity that pushes.

It is the floor the real conversation is compared with: the same Temporal round trips a chat turn
needs (signal-with-start, a workflow task, an activity, a LINE request), and nothing else.
A module of its own so the workflow sandbox re-imports only this small file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    import httpx

SKELETON_WORKFLOW = "BenchSkeletonChat"
SKELETON_SIGNAL = "message"
SKELETON_PUSH = "bench_skeleton_push"


@dataclass
class SkeletonMessage:
    to: str
    text: str


@workflow.defn(name=SKELETON_WORKFLOW)
class SkeletonChatWorkflow:
    """Long-lived, one per resident: queues each signalled message and pushes it back, in order."""

    def __init__(self) -> None:
        self._pending: list[SkeletonMessage] = []

    @workflow.run
    async def run(self, user_id: str) -> None:
        while True:
            await workflow.wait_condition(lambda: bool(self._pending))
            message = self._pending.pop(0)
            await workflow.execute_activity(
                SKELETON_PUSH,
                message,
                start_to_close_timeout=timedelta(seconds=15),
                retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=500)),
            )

    @workflow.signal(name=SKELETON_SIGNAL)
    def message(self, message: SkeletonMessage) -> None:
        self._pending.append(message)


class SkeletonActivities:
    """Pushes a text message through the emulator's Messaging API with a shared httpx client."""

    def __init__(self, http: httpx.AsyncClient, line_base_url: str, access_token: str) -> None:
        self._http = http
        self._url = f"{line_base_url.rstrip('/')}/v2/bot/message/push"
        self._headers = {"Authorization": f"Bearer {access_token}"}

    @activity.defn(name=SKELETON_PUSH)
    async def push(self, message: SkeletonMessage) -> None:
        body = {"to": message.to, "messages": [{"type": "text", "text": message.text}]}
        response = await self._http.post(self._url, json=body, headers=self._headers)
        response.raise_for_status()
