"""Chat latency: how long a resident waits for the bot's answer, against a bare Temporal skeleton.

    python -m bench.chat_latency [--residents 20] [--rounds 10] [--think-ms 2000]

Starts its own system (real Temporal dev server, LINE emulator, API, worker) on free ports in a
temporary directory, warms it up with one whole intake, then:

- chat: N residents at once, each a whole intake (follow, "住民票", 10 answers, submit: 13 turns).
  A turn's latency is the emulator's `at` timestamp of the first new message in the resident's
  inbox minus the emulator's `sentAt`: the moment it posted the signed webhook (the issue's "from
  the emulator sending a message to the bot's answer arriving at the emulator").
- skeleton: N residents at once, 13 turns each, against a bare workflow defined in bench.skeleton
  (signal-with-start, queue, one activity pushing a text to the emulator), run by a worker process
  of its own (`python -m bench.skeleton`) as the real worker is. Latency is the inbox `at` of the
  pushed message minus the wall clock just before signal-with-start.

Residents are paced like people: each waits --think-ms (default 2000, +-50 % jitter) before each
action, the first one included, so they do not all arrive in the same millisecond. Real residents
take longer than 2 s to read and answer. --think-ms 0 is a stress test instead: every resident acts
again as soon as they see the answer, which saturates a 2-core machine (about 20 turns/s), and the
latency is then mostly queueing for CPU.

Rounds alternate, a chat round then a skeleton round, and the figures are pooled over all of them
(default 10 rounds: 2,600 turns a side). The report also gives the interval the ratios would likely
fall in if the same rounds were run again (bench.stats.ratio_interval): a p99 rests on a run's few
slowest turns, and fewer rounds give a ratio p99 that moves a lot from run to run.

Exit code 0 whatever the figures; 1 if something broke (a turn without an answer within 30 s, ...).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import random
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from temporalio.client import Client

from bench.chat_report import Phase, Turn, report
from bench.skeleton import SKELETON_QUEUE, SKELETON_SIGNAL, SkeletonChatWorkflow, SkeletonMessage
from config.heap import settle_heap
from config.temporal import connect
from devstack.stack import Stack, wait_for_worker
from tests.integration.conftest import system_env
from tests.integration.test_intake import JA_ANSWERS
from tests.support.emulator import EmulatorDriver
from tests.support.resident import postback_data, words

TURN_TIMEOUT_S = 30.0
TURNS = 2 + len(JA_ANSWERS) + 1  # follow, start, answers, submit
# 2,600 turns a side. With 3 rounds (780 turns) the p99 is about the 8th slowest turn, and a run's
# ratio p99 ranged from 0.70 to 1.51 over runs of the same code; see bench.stats.
DEFAULT_ROUNDS = 10

Inbox = list[dict[str, Any]]


class BenchError(Exception):
    """Something broke: the figures would be meaningless."""


def new_user_id() -> str:
    return "U" + uuid.uuid4().hex


def now_ms() -> float:
    return time.time() * 1000


# --- measuring one turn -------------------------------------------------------------------------


@dataclass
class Load:
    """How the residents behave: where they chat, how often they look, how long they think."""

    emulator_url: str
    think_s: float
    rng: random.Random

    def driver(self) -> EmulatorDriver:
        # One per resident: a single shared httpx pool costs more CPU per request as it grows
        # (its connection bookkeeping is linear in the pool size), which would load the machine.
        return EmulatorDriver(self.emulator_url)

    async def think(self) -> None:
        if self.think_s > 0:
            await asyncio.sleep(self.think_s * self.rng.uniform(0.5, 1.5))


async def measure_turn(
    driver: EmulatorDriver,
    user_id: str,
    label: str,
    inbox: Inbox,
    send: Callable[[], Awaitable[int | None]],
) -> tuple[Turn, Inbox]:
    """Send, then wait for the inbox until a message newer than the send shows up.

    `send` may return when exactly the message left for the bot (the emulator's `sentAt`, taken
    just before it posts the signed webhook); the latency counts from there, else from the call.
    `inbox` is the resident's inbox as seen so far: what the long polls bring is appended to it, so
    the whole inbox is never fetched again. Fetching it after every turn loaded the chat phase more
    than the skeleton's: an intake's inbox grows to 16 messages and 22 KB of JSON (two Flex cards and
    quick replies), the skeleton's to 13 short texts. Returns the turn and the messages since the send.
    """
    before = len(inbox)
    t0 = now_ms()
    sent_at = await send() or t0
    accepted = now_ms() - t0
    deadline = time.monotonic() + TURN_TIMEOUT_S
    polls = 0
    while True:
        # Long-polls: the emulator answers as soon as the bot's next message arrives, with every
        # message from index `after` on (a reply's messages arrive together).
        fresh = await driver.inbox_after(user_id, len(inbox), wait=max(0.0, min(5.0, deadline - time.monotonic())))
        polls += 1
        inbox.extend(fresh)
        # A late message of the previous turn (older than t0) is not this turn's answer.
        new = [item for item in fresh if item["at"] >= int(t0)]
        if new:
            return Turn(label, new[0]["at"] - sent_at, accepted, polls), inbox[before:]
        if time.monotonic() > deadline:
            raise BenchError(f"{label}: no answer for {user_id} within {TURN_TIMEOUT_S:.0f} s")


def checked(result: dict[str, Any], label: str) -> dict[str, Any]:
    if result.get("status") != 200:
        raise BenchError(f"{label}: the bot answered the webhook with {result.get('status')}: {result}")
    return result


# --- chat phase ---------------------------------------------------------------------------------


async def chat_resident(load: Load) -> list[Turn]:
    """One whole intake through the real system; one Turn per resident action."""
    driver = load.driver()
    try:
        return await _intake(driver, load)
    finally:
        await driver.aclose()


async def _intake(driver: EmulatorDriver, load: Load) -> list[Turn]:
    user_id = new_user_id()
    await driver.create_resident(user_id, f"ベンチ {user_id[-4:]}", "ja")
    turns: list[Turn] = []
    inbox: Inbox = []

    async def step(label: str, send: Callable[[], Awaitable[dict[str, Any]]]) -> Inbox:
        await load.think()  # before the first turn too: residents do not all arrive in the same instant

        async def send_checked() -> int:
            sent_at: int = checked(await send(), label)["sentAt"]
            return sent_at

        turn, new = await measure_turn(driver, user_id, label, inbox, send_checked)
        turns.append(turn)
        return new

    await step("follow", lambda: driver.follow(user_id))
    await step("start", lambda: driver.text(user_id, "住民票"))
    new: Inbox = []
    for i, answer in enumerate(JA_ANSWERS, 1):
        new = await step(f"answer{i}", functools.partial(driver.text, user_id, answer))
        if "もう一度" in words(new):
            raise BenchError(f"answer {answer!r} was not accepted: {words(new)[:200]}")
    submit = postback_data(new, "a=submit")
    await step("submit", lambda: driver.postback(user_id, submit))
    return turns


# --- skeleton phase -----------------------------------------------------------------------------


async def skeleton_resident(load: Load, client: Client) -> list[Turn]:
    """13 turns against the bare skeleton workflow; the first one starts it."""
    driver = load.driver()
    try:
        user_id = new_user_id()
        await driver.create_resident(user_id, f"骨格 {user_id[-4:]}", "ja")
        workflow_id = f"bench-skeleton-{uuid.uuid4().hex}"
        turns: list[Turn] = []
        inbox: Inbox = []
        for i in range(TURNS):
            await load.think()  # before the first turn too, as in the chat phase
            message = SkeletonMessage(to=user_id, text=f"turn {i + 1}")

            async def signal_with_start(message: SkeletonMessage = message) -> None:  # latency from the call
                await client.start_workflow(
                    SkeletonChatWorkflow.run,
                    user_id,
                    id=workflow_id,
                    task_queue=SKELETON_QUEUE,
                    start_signal=SKELETON_SIGNAL,
                    start_signal_args=[message],
                )

            label = "first" if i == 0 else "later"
            turn, _ = await measure_turn(driver, user_id, label, inbox, signal_with_start)
            turns.append(turn)
        return turns
    finally:
        await driver.aclose()


# --- process accounting -------------------------------------------------------------------------


def cpu_seconds(stack: Stack) -> dict[str, float]:
    """User+system CPU seconds so far of each stack process and of this process (bench)."""
    tick = os.sysconf("SC_CLK_TCK")
    result: dict[str, float] = {}
    for name, proc in stack.processes.items():
        try:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        result[name] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["bench"] = usage.ru_utime + usage.ru_stime
    return result


async def run_phase(stack: Stack, residents: Callable[[], list[Awaitable[list[Turn]]]]) -> Phase:
    # This process times the skeleton's turns on its own clock: a full collection over the rounds'
    # results (250+ ms once) must not land inside a turn. The system's processes settle theirs at start.
    settle_heap()
    load_before = os.getloadavg()[0]
    cpu_before = cpu_seconds(stack)
    started = time.monotonic()
    results = await asyncio.gather(*residents())
    seconds = time.monotonic() - started
    cpu_after = cpu_seconds(stack)
    cpu = {name: cpu_after[name] - cpu_before.get(name, 0.0) for name in cpu_after}
    return Phase([t for turns in results for t in turns], seconds, cpu, (load_before, os.getloadavg()[0]))


# --- main ---------------------------------------------------------------------------------------


async def bench(stack: Stack, args: argparse.Namespace) -> str:
    settings = stack.settings
    load = Load(
        emulator_url=f"http://{settings.emulator_host}:{settings.emulator_port}",
        think_s=args.think_ms / 1000,
        rng=random.Random(args.seed),
    )
    client = await connect(settings)
    await wait_for_worker(client, settings)
    stack.start_worker("skeleton-worker", module="bench.skeleton")
    await wait_for_worker(client, settings.model_copy(update={"temporal_task_queue": SKELETON_QUEUE}))
    print("warm-up: one whole intake and one skeleton resident (not measured)")
    await chat_resident(load)
    await skeleton_resident(load, client)

    # Alternating rounds: what else the machine is doing drifts over minutes, and should weigh on
    # both sides alike. Each round is N residents at once, chat first, then the skeleton.
    chats: list[Phase] = []
    skeletons: list[Phase] = []
    for r in range(1, args.rounds + 1):
        print(f"round {r}/{args.rounds}: chat, {args.residents} residents x {TURNS} turns, concurrently")
        chats.append(await run_phase(stack, lambda: [chat_resident(load) for _ in range(args.residents)]))
        print(f"round {r}/{args.rounds}: skeleton, {args.residents} residents x {TURNS} turns, concurrently")
        skeletons.append(
            await run_phase(stack, lambda: [skeleton_resident(load, client) for _ in range(args.residents)])
        )
    return report(chats, skeletons)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.chat_latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=20, help="concurrent residents per phase (default 20)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=DEFAULT_ROUNDS,
        help=f"rounds of chat then skeleton, pooled (default {DEFAULT_ROUNDS}); fewer rounds give a less steady p99",
    )
    parser.add_argument(
        "--think-ms",
        type=float,
        default=2000.0,
        help="pause of each resident before each action, +-50%% (default 2000; 0 = stress test, no pause)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for the think-time jitter")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, database)")
    args = parser.parse_args(argv)
    if args.residents < 1 or args.rounds < 1 or args.think_ms < 0:
        parser.error("--residents and --rounds must be >= 1, --think-ms >= 0")
    return args


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    tmp = Path(tempfile.mkdtemp(prefix="madoguchi-bench-"))
    stack = Stack(env=system_env(tmp), log_dir=tmp / "logs", ui=False)
    print(
        f"chat_latency: {args.residents} residents, {TURNS} turns each, long-polled inboxes, "
        f"think {args.think_ms:g} ms between turns"
    )
    print(
        f"  {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at start; "
        "other work on this machine skews the figures"
    )
    print(
        "  the real worker and the skeleton's worker are processes of their own; this bench process drives the emulator"
    )
    code = 0
    try:
        stack.start_all()
        last_line = asyncio.run(bench(stack, args))
        print(last_line)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = 130
    except Exception as err:
        if not isinstance(err, BenchError | TimeoutError):
            traceback.print_exc()
        print(f"chat_latency failed: {type(err).__name__}: {err}", file=sys.stderr)
        for log in sorted((tmp / "logs").glob("*.log")):
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}", file=sys.stderr)
        code = 1
    finally:
        stack.stop()
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
