"""`make run`'s program (`python -m devstack run`) on free ports: it says it is running only once a
resident would be answered, answers, and stops cleanly on Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from devstack.stack import free_port
from tests.integration.conftest import system_env
from tests.support.emulator import texts_of

ROOT = Path(__file__).resolve().parents[2]
USER = "U" + "7a" * 16


def greeted(entry: dict[str, Any]) -> bool:
    return "友だち追加ありがとうございます" in texts_of(entry["message"])


def test_run_announces_itself_once_the_worker_polls_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = {**os.environ, **system_env(tmp_path), "TEMPORAL_UI_PORT": str(free_port())}
    proc = subprocess.Popen(
        [sys.executable, "-m", "devstack", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or []], daemon=True).start()
    seen: list[str] = []

    def wait_for(text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                seen.append(lines.get(timeout=0.5))
            except queue.Empty:
                continue
            if text in seen[-1]:
                return
        raise AssertionError(f"no {text!r} within {timeout:.0f} s:\n{''.join(seen)[-3000:]}")

    try:
        wait_for("Madoguchi is running", 180)
        output = "".join(seen)
        before_banner = output[: output.index("Madoguchi is running")]
        assert "worker polling task queue" in before_banner, "announced before the worker polled"
        emulator = f"http://127.0.0.1:{env['EMULATOR_PORT']}"
        with httpx.Client(base_url=emulator, trust_env=False, timeout=10) as http:
            resident = {"userId": USER, "displayName": "実行 太郎", "language": "ja"}
            created = http.post("/_emulator/residents", json=resident)
            assert created.status_code in (200, 201), created.text
            assert http.post(f"/_emulator/residents/{USER}/follow").json()["status"] == 200
            deadline = time.monotonic() + 10
            while not (greetings := [i for i in http.get(f"/_emulator/residents/{USER}/inbox").json() if greeted(i)]):
                assert time.monotonic() < deadline, "no greeting within 10 s of the banner"
                time.sleep(0.1)
        assert greetings[0]["via"] == "reply", "answered while the reply token was fresh"
        proc.send_signal(signal.SIGINT)
        wait_for("stopped.", 60)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
