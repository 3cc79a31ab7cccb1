"""`make run`: the whole system in one terminal; Ctrl-C stops it."""

from __future__ import annotations

import os
import signal
import sys
import time

from config import get_settings
from devstack.stack import Stack


def run() -> int:
    env = {"WORKER_METRICS_PORT": "9464", "WORKER_SDK_METRICS_PORT": "9465", **os.environ}
    settings = get_settings()
    stack = Stack(env=env)
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stack.start_all()
        print("waiting for the worker to poll its task queue ...", flush=True)
        stack.wait_for_worker()
        print(
            "\nMadoguchi is running:\n"
            f"  Resident chat (LINE emulator): http://{settings.emulator_host}:{settings.emulator_port}/\n"
            f"  Back office (clerks):          http://{settings.api_host}:{settings.api_port}/staff/ "
            "(demo: clerk / madoguchi-demo-2026, supervisor / madoguchi-demo-2026)\n"
            f"  API:                           http://{settings.api_host}:{settings.api_port}/docs\n"
            f"  Temporal Web UI:               http://127.0.0.1:{settings.temporal_ui_port}/\n"
            f"  Temporal gRPC:                 {settings.temporal_address}\n"
            f"  Metrics:                       http://{settings.api_host}:{settings.api_port}/metrics (API), "
            f"http://127.0.0.1:{env['WORKER_METRICS_PORT']}/metrics (worker), "
            f"http://127.0.0.1:{env['WORKER_SDK_METRICS_PORT']}/metrics (Temporal SDK)\n"
            f"  Data:                          {settings.temporal_db_file}\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        while not stopping:
            dead = stack.dead()
            if dead:
                print(f"stopping: {', '.join(dead)} exited", flush=True)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        print("stopping...", flush=True)
        stack.stop()
        print("stopped.", flush=True)


if __name__ == "__main__" and sys.argv[1:] == ["run"]:
    sys.exit(run())
elif __name__ == "__main__":
    print("usage: python -m devstack run", file=sys.stderr)
    sys.exit(2)
