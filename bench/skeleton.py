"""A bare Temporal chat for bench.chat_latency: signal-with-start, a queue, one activity that pushes.

It is the floor the real conversation is compared with: the same Temporal round trips a chat turn
needs (signal-with-start, a workflow task, an activity, a LINE request), and nothing else.
A module of its own and small: the workflow sandbox validates it by importing it.

    python -m bench.skeleton      # its worker, a process of its own like the real worker

It reads the same settings (environment variables) as the system it is compared with, and has the
real worker's data converter, workflow runner, garbage-collector settings, event loop (uvloop) and LINE
client, so the only difference left is the chat itself.
"""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from linebot.v3.messaging import AsyncMessagingApi, PushMessageRequest, TextMessage

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
    """Pushes a text message through the emulator's Messaging API with the real worker's LINE client
    (line-bot-sdk, made by `lineapi.client.line_api_client`), so the LINE request costs the same."""

    def __init__(self, line: AsyncMessagingApi) -> None:
        self._line = line

    @activity.defn(name=SKELETON_PUSH)
    async def push(self, message: SkeletonMessage) -> None:
        await self._line.push_message(PushMessageRequest(to=message.to, messages=[TextMessage(text=message.text)]))


async def run_worker() -> None:
    """Poll the skeleton's task queue until SIGTERM or SIGINT."""
    from temporalio.worker import Worker

    from config import get_settings
    from config.heap import settle_heap
    from config.temporal import connect_with_retry
    from lineapi.client import line_api_client
    from worker import workflow_runner

    settings = get_settings()
    client = await connect_with_retry(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with line_api_client(settings) as api_client:
        activities = SkeletonActivities(AsyncMessagingApi(api_client))
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
    import uvloop

    from bench.skeleton import run_worker as run_imported_worker

    uvloop.run(run_imported_worker())  # the event loop of the real worker (worker.py)
