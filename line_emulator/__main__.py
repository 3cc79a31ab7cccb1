"""`python -m line_emulator`: serve the LINE platform emulator on settings.emulator_host:emulator_port."""

from __future__ import annotations

import logging

from config import get_settings
from config.serve import serve
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
    serve(create_app(settings), settings.emulator_host, settings.emulator_port, settings)


if __name__ == "__main__":
    main()
