"""What operators rely on: Prometheus metrics of the API, the worker and the Temporal SDK, and JSON logs
that carry ids but no personal data."""

from __future__ import annotations

import json

import httpx
from temporalio.client import Client

from tests.integration.conftest import System
from tests.integration.test_backoffice import application_in_review
from tests.integration.test_payment import approve, pay_link, sandbox
from tests.support.emulator import EmulatorDriver, inbox_cursor, wait_for_message

# What the resident typed (tests/integration/test_intake.py JA_ANSWERS) and who they are on LINE.
PERSONAL = ["市川 太郎", "いちかわ", "イチカワ", "2001-02-03", "八幡1-1-1", "090-1234-5678"]


async def test_metrics_and_logs(system: System, temporal_client: Client, emulator: EmulatorDriver) -> None:
    user_id = "U" + "0d" * 16
    application_id = await application_in_review(system, temporal_client, emulator, user_id, seed=71)
    cursor = await inbox_cursor(emulator, user_id)
    await approve(system, application_id)
    tid, _ = await pay_link(emulator, user_id, cursor)
    cursor = await inbox_cursor(emulator, user_id)
    await sandbox(emulator, f"{tid}/approve")
    await wait_for_message(emulator, user_id, "お支払いを確認しました", after=cursor)

    env = system.stack.env
    async with httpx.AsyncClient(trust_env=False, timeout=10) as http:
        api = (await http.get(f"{system.api_url}/metrics/")).text
        worker = (await http.get(f"http://127.0.0.1:{env['WORKER_METRICS_PORT']}/metrics")).text
        sdk = (await http.get(f"http://127.0.0.1:{env['WORKER_SDK_METRICS_PORT']}/metrics")).text
    assert 'madoguchi_api_request_seconds_count{method="POST",route="/line/webhook",status="200"}' in api
    assert 'route="/api/applications/{application_id}/decision"' in api, "route templates, never raw ids"
    assert application_id not in api
    assert 'madoguchi_decisions_total{decision="approve"}' in api
    assert "madoguchi_webhook_requests_total" in api
    for name in ("madoguchi_line_requests_total", "madoguchi_id_checks_total", "madoguchi_payments_total"):
        assert name in worker, name
    assert 'madoguchi_id_checks_total{outcome="accepted",reason=""}' in worker
    assert "temporal_workflow_task_execution_latency" in sdk or "temporal_activity_execution_latency" in sdk

    for name, event in (("api", "decision applied"), ("worker", "id photo checked")):
        lines = [line for line in (system.log_dir / f"{name}.log").read_text().splitlines() if line.strip()]
        records = [json.loads(line) for line in lines if line.startswith("{")]
        assert len(records) >= len(lines) * 0.9, f"{name} logs are JSON lines"
        assert any(r["message"] == event and r.get("application_id") == application_id for r in records), name
        text = "\n".join(lines)
        for secret in [*PERSONAL, user_id]:
            assert secret not in text, (name, secret)
