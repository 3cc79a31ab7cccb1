"""The back office over HTTP against the real stack: refusals, the JSON API with a token, the clerk pages.

(The browser test, tests/integration/test_clerk_browser.py, drives the same pages in Chromium.)
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from tests.integration.conftest import System
from tests.integration.test_id_photo import PHOTO_ACCEPTED, send_photo, wait_status
from tests.integration.test_intake import JA_ANSWERS, applications_of, run_intake
from tests.support.emulator import EmulatorDriver, inbox_cursor, wait_for_message
from tests.support.id_cards import Scene, photo
from tests.support.resident import Resident

DEMO_PASSWORD = "madoguchi-demo-2026"
SOME_ID = "ABCDE-FGHJK"


async def application_in_review(
    system: System, temporal_client: Client, emulator: EmulatorDriver, user_id: str, seed: int
) -> str:
    """A resident (市川 太郎, who is in the demo registry) applies and sends a good ID photo."""
    await emulator.create_resident(user_id, "市川 太郎", "ja")
    resident = Resident(emulator, user_id)
    await run_intake(resident, "住民票", JA_ANSWERS)
    [app] = await applications_of(temporal_client, system, user_id)
    await send_photo(resident, photo(Scene(), seed=seed), PHOTO_ACCEPTED)
    handle = temporal_client.get_workflow_handle(f"application-{app.application_id}")
    await wait_status(handle, "AwaitingReview")
    return app.application_id


def api_token(system: System) -> str:
    env = {**os.environ, **system.stack.env}
    done = subprocess.run(
        [sys.executable, "-m", "admin", "create-token", "--login", "clerk", "--name", "integration"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


async def sign_in(http: httpx.AsyncClient, login: str = "clerk") -> None:
    page = await http.get("/staff/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    done = await http.post(
        "/staff/sign-in", data={"csrf_token": token.group(1), "login": login, "password": DEMO_PASSWORD, "next": ""}
    )
    assert done.status_code == 303, done.text[:500]


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


async def visible_in_queue(http: httpx.AsyncClient, application_id: str, headers: dict[str, str]) -> dict[str, Any]:
    for _ in range(100):  # visibility is eventually consistent
        listed = (await http.get("/api/applications", headers=headers)).json()
        if any(i["application_id"] == application_id for i in listed["items"]):
            return dict(listed)
        await asyncio.sleep(0.1)
    raise AssertionError("the application did not appear in the queue")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/staff/"),
        ("GET", "/staff/supervisor"),
        ("GET", f"/staff/applications/{SOME_ID}"),
        ("GET", f"/staff/applications/{SOME_ID}/photos/0"),
        ("POST", f"/staff/applications/{SOME_ID}/decision"),
        ("GET", "/api/applications"),
        ("GET", f"/api/applications/{SOME_ID}"),
        ("POST", f"/api/applications/{SOME_ID}/decision"),
    ],
)
async def test_every_clerk_route_refuses_anonymous_requests(system: System, method: str, path: str) -> None:
    async with httpx.AsyncClient(base_url=system.api_url, trust_env=False) as http:
        response = await http.request(method, path, data={"decision": "approve"} if method == "POST" else None)
    if path.startswith("/api/"):
        assert response.status_code == 401
    elif method == "GET":
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/sign-in")
    else:
        assert response.status_code in (303, 401, 403)
    assert "太郎" not in response.text and "decided" not in response.text


async def test_json_api_with_a_token(system: System, temporal_client: Client, emulator: EmulatorDriver) -> None:
    user_id = "U" + "8c" * 16
    application_id = await application_in_review(system, temporal_client, emulator, user_id, seed=31)
    cursor = await inbox_cursor(emulator, user_id)
    headers = {"Authorization": f"Bearer {api_token(system)}"}
    async with httpx.AsyncClient(base_url=system.api_url, trust_env=False, timeout=30) as http:
        listed = await visible_in_queue(http, application_id, headers)
        assert listed["counts"]["AwaitingReview"] >= 1
        item = next(i for i in listed["items"] if i["application_id"] == application_id)
        assert item["procedure_code"] == "juminhyo" and item["review_due_at"] and not item["escalated"]

        view = (await http.get(f"/api/applications/{application_id}", headers=headers)).json()
        assert view["status"] == "AwaitingReview"
        assert view["registry_match"]["kind"] == "exact", view["registry_match"]
        assert view["id_photo"]["chosen"] == 0 and view["id_photo"]["attempts"][0]["report"]["accepted"]

        assert (await http.get(f"/api/applications/{SOME_ID}", headers=headers)).status_code == 404
        assert (await http.get("/api/applications/not-an-id", headers=headers)).status_code == 404
        assert (await http.get("/api/applications?status=Bogus", headers=headers)).status_code == 422
        missing_reason = await http.post(
            f"/api/applications/{application_id}/decision", json={"decision": "reject"}, headers=headers
        )
        assert missing_reason.status_code == 422 and "reason" in missing_reason.text
        unknown = await http.post(
            f"/api/applications/{SOME_ID}/decision", json={"decision": "approve"}, headers=headers
        )
        assert unknown.status_code == 404

        approved = await http.post(
            f"/api/applications/{application_id}/decision", json={"decision": "approve"}, headers=headers
        )
        assert approved.status_code == 200, approved.text
        assert approved.json()["clerk_login"] == "clerk"
        again = await http.post(
            f"/api/applications/{application_id}/decision",
            json={"decision": "reject", "reason": "duplicate"},
            headers=headers,
        )
        assert again.status_code == 409
        # The validator's message travels encrypted (an encoded failure); the API, sharing the converter, reads it.
        assert again.json()["detail"]["message"].startswith("not awaiting review: Approved, decided by")
        assert again.json()["detail"]["current"]["status"] == "Approved"
        assert again.json()["detail"]["current"]["clerk_login"] == "clerk"

    await wait_for_message(emulator, user_id, "承認しました", after=cursor)


async def test_clerk_pages_and_csrf(system: System, temporal_client: Client, emulator: EmulatorDriver) -> None:
    user_id = "U" + "9d" * 16
    application_id = await application_in_review(system, temporal_client, emulator, user_id, seed=32)
    cursor = await inbox_cursor(emulator, user_id)
    async with httpx.AsyncClient(base_url=system.api_url, trust_env=False, timeout=30) as http:
        await sign_in(http)
        for _ in range(100):
            queue = await http.get("/staff/")
            if application_id in queue.text:
                break
            await asyncio.sleep(0.1)
        assert application_id in queue.text and "審査待ち" in queue.text
        assert (await http.get("/staff/supervisor")).status_code == 403, "clerks do not see the supervisor view"

        detail = await http.get(f"/staff/applications/{application_id}")
        assert detail.status_code == 200 and "市川 太郎" in detail.text and "住民記録と一致しました" in detail.text
        image = await http.get(f"/staff/applications/{application_id}/photos/0")
        assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
        assert image.content.startswith(b"\xff\xd8") and image.headers["cache-control"] == "no-store"
        assert (await http.get(f"/staff/applications/{application_id}/photos/5")).status_code == 404

        path = f"/staff/applications/{application_id}/decision"
        no_token = await http.post(path, data={"decision": "approve"})
        assert no_token.status_code == 403
        wrong_token = await http.post(path, data={"decision": "approve", "csrf_token": "x" * 40})
        assert wrong_token.status_code == 403
        token = form_token(detail.text)
        no_reason = await http.post(path, data={"decision": "reject", "reason": "", "csrf_token": token})
        assert no_reason.status_code == 422 and "理由" in no_reason.text
        assert (await http.get(f"/api/applications/{application_id}")).json()["status"] == "AwaitingReview"

        rejected = await http.post(
            path,
            data={"decision": "reject", "reason": "not_entitled", "note": "窓口へお越しください", "csrf_token": token},
        )
        assert rejected.status_code == 303
        page = await http.get(rejected.headers["location"])
        assert "不受理にしました" in page.text and "不受理" in page.text
    await wait_for_message(emulator, user_id, "窓口へお越しください", after=cursor)
