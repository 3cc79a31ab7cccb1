"""A bare Temporal chat for bench.chat_latency: signal-with-start, a queue, one activity that pushes.

It is the floor the real conversation is compared with: the same Temporal round trips a chat turn
needs (signal-with-start, a workflow task, an activity, a LINE request), and nothing else.
A module of its own and small: the workflow sandbox validates it by importing it.

    python -m bench.skeleton      # its worker, a process of its own like the real worker

It reads the same settings (environment variables) as the system it is compared with, and has the
real worker's data converter, workflow runner and garbage-collector settings, so the only difference
left is the chat itself.
"""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    import httpx

SKELETON_WORKFLOW = "BenchSkeletonChat"
SKELETON_QUEUE = "bench-skeleton"
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


async def run_worker() -> None:
    """Poll the skeleton's task queue until SIGTERM or SIGINT."""
    from temporalio.worker import Worker

    from config import get_settings
    from config.temporal import connect_with_retry
    from worker import settle_heap, workflow_runner

    settings = get_settings()
    client = await connect_with_retry(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    line_base = settings.line_api_base or f"http://{settings.emulator_host}:{settings.emulator_port}"
    async with httpx.AsyncClient(timeout=10, trust_env=False) as http:
        activities = SkeletonActivities(http, line_base, settings.line_channel_access_token)
        worker = Worker(
            client,
            task_queue=SKELETON_QUEUE,
            workflows=[SkeletonChatWorkflow],
            activities=[activities.push],
            workflow_runner=workflow_runner(),
        )
        settle_heap()
        async with worker:
            await stop.wait()


if __name__ == "__main__":
    # Through the module's own name: the sandbox re-imports the workflow's module, and `__main__`
    # cannot be imported.
    from bench.skeleton import run_worker as run_imported_worker

    asyncio.run(run_imported_worker())
