"""The Temporal Web UI shows decoded payloads, in a real headless Chromium (Debian's `chromium`, Playwright).

- `make run`'s UI: the dev server hands it the development endpoint, and it decodes with no setup.
- The production way, no token in any URL: the operator signs in to the back office as a supervisor; the UI's
  Data Encoder settings point at `/codec` with "include cross-origin credentials", and the browser sends the
  session cookie (SameSite=Lax: 127.0.0.1 on two ports is one site) across origins, CORS allowing it.
"""

from __future__ import annotations

import base64
import json
import subprocess
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from config.temporal import connect
from devstack.stack import BIN, Stack, free_port
from tests.integration.conftest import system_env
from tests.integration.test_backoffice import DEMO_PASSWORD

PROBE = "decoded-by-the-codec-endpoint-7f3a"
TIMEOUT_MS = 60_000  # the machine's two cores are shared


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Temporal with its Web UI and the API (development profile): all the Web UI needs to decode."""
    tmp = tmp_path_factory.mktemp("codec-ui")
    ui_port = free_port()
    stack = Stack(env={**system_env(tmp), "TEMPORAL_UI_PORT": str(ui_port)}, log_dir=tmp / "logs", ui=True)
    with pytest.MonkeyPatch.context() as patch:
        # Through the environment, not Stack.env: Stack.settings passes its values as strings, and a list is JSON.
        patch.setenv("CODEC_CORS_ORIGINS", json.dumps([f"http://127.0.0.1:{ui_port}"]))
        try:
            stack.start_temporal()
            stack.seed_demo()
            stack.start_api()
            yield stack
        finally:
            stack.stop()


@pytest.fixture(scope="module")
async def probe_id(stack: Stack) -> tuple[str, str]:
    """A workflow whose input (encrypted by the one data converter) holds PROBE, no worker needs to run it:
    its id and run id."""
    client = await connect(stack.settings)
    handle = await client.start_workflow(
        "CodecProbe", {"note": PROBE}, id=f"codec-probe-{uuid.uuid4()}", task_queue="nobody-polls-this"
    )
    [started] = [e async for e in handle.fetch_history_events()][:1]
    assert PROBE.encode() not in started.SerializeToString(), "the server holds ciphertext only"
    assert handle.result_run_id
    return handle.id, handle.result_run_id


@pytest.fixture(scope="module")
def workflow_page(stack: Stack, probe_id: tuple[str, str]) -> str:
    ui = f"http://127.0.0.1:{stack.settings.temporal_ui_port}"
    return f"{ui}/namespaces/default/workflows/{probe_id[0]}/{probe_id[1]}/history"


def test_the_temporal_cli_decodes_with_the_token_as_bearer(stack: Stack, probe_id: tuple[str, str]) -> None:
    settings = stack.settings
    command = [str(BIN / "temporal"), "workflow", "show", "-w", probe_id[0], "--address", settings.temporal_address]
    command += ["--output", "json", "--codec-endpoint", f"{settings.public_url}/codec"]

    def started_input(output: str) -> tuple[str, str]:
        [payload] = json.loads(output)["events"][0]["workflowExecutionStartedEventAttributes"]["input"]["payloads"]
        return base64.b64decode(payload["metadata"]["encoding"]).decode(), base64.b64decode(payload["data"]).decode(
            "utf-8", "replace"
        )

    without = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert without.returncode != 0 or started_input(without.stdout)[0] == "binary/encrypted", "no token, no decoding"
    shown = subprocess.run(
        [*command, "--codec-auth", f"Bearer {settings.codec_token}"], capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert started_input(shown.stdout) == ("json/plain", json.dumps({"note": PROBE}, separators=(",", ":")))


def requests_to(page: Page, base: str) -> list[str]:
    """The URLs `page` requests from `base` (filled in as it goes)."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url) if request.url.startswith(base) else None)
    return seen


async def test_make_runs_web_ui_decodes_without_setup(browser: Browser, workflow_page: str) -> None:
    page = await browser.new_page()
    await page.goto(workflow_page)
    await expect(page.locator("body")).to_contain_text(PROBE, timeout=TIMEOUT_MS)
    await page.close()


async def test_the_web_ui_decodes_with_a_supervisors_session_and_no_token_in_the_url(
    browser: Browser, stack: Stack, workflow_page: str
) -> None:
    settings = stack.settings
    api = settings.public_url
    ui = f"http://127.0.0.1:{settings.temporal_ui_port}"
    context: BrowserContext = await browser.new_context()
    # What the operator sets once in the UI's Data Encoder settings (kept in the browser's local storage).
    await context.add_init_script(
        f"""if (location.origin === {json.dumps(ui)}) {{
            localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
            localStorage.setItem('endpoint', {json.dumps(json.dumps(api + "/codec"))});
            localStorage.setItem('includeCredentials', 'true');
            localStorage.setItem('passAccessToken', 'false');
        }}"""
    )
    page = await context.new_page()
    to_api = requests_to(page, api + "/")
    everywhere = requests_to(page, "")
    await page.goto(ui)
    body = json.dumps({"payloads": []})
    fetch = """async ([url, body, credentials]) => {
        const r = await fetch(url, {method: 'POST', credentials, body,
                                    headers: {'Content-Type': 'application/json', 'X-Namespace': 'default'}});
        return r.status;
    }"""
    assert await page.evaluate(fetch, [f"{api}/codec/decode", body, "include"]) == 401, "not signed in yet"

    await page.goto(f"{api}/staff/sign-in")
    await page.get_by_label("ログインID").fill("supervisor")
    await page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="ログイン").click()
    await expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=TIMEOUT_MS)

    await page.goto(ui)
    assert await page.evaluate(fetch, [f"{api}/codec/decode", body, "include"]) == 200, "cookie sent, CORS passed"
    assert await page.evaluate(fetch, [f"{api}/codec/decode", body, "omit"]) == 401, "the cookie is the credential"

    await page.goto(workflow_page)
    await expect(page.locator("body")).to_contain_text(PROBE, timeout=TIMEOUT_MS)
    codec_calls = [url for url in to_api if url.startswith(f"{api}/codec")]
    assert codec_calls and {urlsplit(url).path for url in codec_calls} == {"/codec/decode"}, codec_calls
    assert not any(settings.codec_token in url for url in everywhere), "no token in any URL"
    await context.close()
