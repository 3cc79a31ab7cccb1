"""JSON log lines: ids passed as `extra` become fields; exceptions are kept; one object per line."""

from __future__ import annotations

import json
import logging
import sys

from config.logs import JsonFormatter


def test_a_log_line_is_one_json_object_with_the_ids() -> None:
    record = logging.makeLogRecord(
        {"name": "madoguchi.x", "levelname": "INFO", "levelno": 20, "msg": "decided %s", "args": ("approve",)}
    )
    record.application_id = "ABCDE-FGHJK"
    record.attempt = 2
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "decided approve" and entry["level"] == "info" and entry["logger"] == "madoguchi.x"
    assert entry["application_id"] == "ABCDE-FGHJK" and entry["attempt"] == 2 and entry["time"].endswith("+00:00")


def test_exceptions_are_kept_in_the_object() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("t").makeRecord("t", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "error" and "ValueError: boom" in entry["exception"]
