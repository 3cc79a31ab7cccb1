"""A clerk in a real headless Chromium (Debian's `chromium`, driven by Playwright): sign in, open the
queue, approve one application and reject another with a reason; the residents' LINE inboxes in the
emulator show the decisions."""

from __future__ import annotations

import asyncio

from playwright.async_api import Browser, Page, expect
from temporalio.client import Client

from tests.integration.conftest import System
from tests.integration.test_backoffice import DEMO_PASSWORD, application_in_review
from tests.support.emulator import EmulatorDriver, inbox_cursor, texts_of, wait_for_message


async def open_from_queue(page: Page, system: System, application_id: str) -> None:
    for _ in range(50):  # visibility is eventually consistent
        await page.goto(f"{system.api_url}/staff/")
        if await page.get_by_role("link", name=application_id).count():
            break
        await asyncio.sleep(0.2)
    await page.get_by_role("link", name=application_id).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(application_id)


async def test_clerk_signs_in_approves_one_and_rejects_another(
    system: System, temporal_client: Client, emulator: EmulatorDriver, browser: Browser
) -> None:
    first_user, second_user = "U" + "a1" * 16, "U" + "b2" * 16
    first = await application_in_review(system, temporal_client, emulator, first_user, seed=41)
    second = await application_in_review(system, temporal_client, emulator, second_user, seed=42)
    cursors = {user: await inbox_cursor(emulator, user) for user in (first_user, second_user)}

    page = await browser.new_page()
    await page.goto(f"{system.api_url}/staff/")
    await expect(page).to_have_url(f"{system.api_url}/staff/sign-in?next=%2Fstaff%2F")
    await page.get_by_label("ログインID").fill("clerk")
    await page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="ログイン").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("申請一覧")

    await open_from_queue(page, system, first)
    await expect(page.locator(".match")).to_have_text("住民記録と一致しました。")
    await expect(page.get_by_role("img", name="本人確認書類の写真（1回目）")).to_be_visible()
    await page.get_by_role("button", name="承認する").click()
    await expect(page.get_by_role("status")).to_contain_text("承認しました")
    await expect(page.locator("#app-status")).to_have_attribute("data-status", "Approved")

    await open_from_queue(page, system, second)
    await page.locator("#reject-reason").select_option("identity_mismatch")
    await page.locator("#reject-note").fill("写真の氏名が申請と異なります")
    await page.get_by_role("button", name="不受理にする").click()
    await expect(page.get_by_role("status")).to_contain_text("不受理にしました")
    await expect(page.locator("#last-decision")).to_contain_text("不受理にする")

    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", level=2, name="Decision")).to_be_visible()
    await page.close()

    await wait_for_message(emulator, first_user, "承認しました", after=cursors[first_user])
    rejected = await wait_for_message(
        emulator, second_user, "本人確認書類と申請内容が一致しませんでした", after=cursors[second_user]
    )
    assert "写真の氏名が申請と異なります" in texts_of(rejected["message"])
