"""`python -m line_emulator`: serve the LINE platform emulator on settings.emulator_host:emulator_port."""

from __future__ import annotations

import logging

import uvicorn

from config import get_settings
from config.heap import settle_heap
from line_emulator.app import create_app


def main() -> None:
    settings = get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger(__name__).info(
        "LINE emulator on http://%s:%d (chat page at /), webhooks to %s",
        settings.emulator_host,
        settings.emulator_port,
        settings.webhook_url,
    )
    app = create_app(settings)
    settle_heap()
    uvicorn.run(
        app,
        host=settings.emulator_host,
        port=settings.emulator_port,
        log_level="warning",
        timeout_keep_alive=settings.http_keep_alive_seconds,  # longer than line-bot-sdk's aiohttp pool (15 s)
    )


if __name__ == "__main__":
    main()
