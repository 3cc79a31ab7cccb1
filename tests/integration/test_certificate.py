"""Paid -> the certificate is rendered from the registry, signed and stored -> the clerk's print queue ->
marked mailed with a tracking number -> the resident is told; anyone can verify the certificate."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from temporalio.client import Client

from api.clerk_pages import local_time
from tests.integration.conftest import System
from tests.integration.test_backoffice import api_token, application_in_review, sign_in
from tests.integration.test_id_photo import wait_status
from tests.integration.test_intake import STATUS
from tests.integration.test_payment import approve, pay_link, sandbox
from tests.support.emulator import EmulatorDriver, inbox_cursor, wait_for_message
from tests.support.resident import Resident, words


async def test_paid_certificate_is_printed_mailed_and_verifiable(
    system: System, temporal_client: Client, emulator: EmulatorDriver
) -> None:
    user_id = "U" + "e5" * 16
    application_id = await application_in_review(system, temporal_client, emulator, user_id, seed=61)
    cursor = await inbox_cursor(emulator, user_id)
    await approve(system, application_id)
    tid, _ = await pay_link(emulator, user_id, cursor)
    cursor = await inbox_cursor(emulator, user_id)
    assert (await sandbox(emulator, f"{tid}/approve"))["status"] == 200
    handle = temporal_client.get_workflow_handle(f"application-{application_id}")
    await wait_status(handle, "AwaitingMailing")
    await wait_for_message(emulator, user_id, "郵送の準備をしています", after=cursor)

    headers = {"Authorization": f"Bearer {api_token(system)}"}
    async with httpx.AsyncClient(base_url=system.api_url, trust_env=False, timeout=30) as http:
        view = (await http.get(f"/api/applications/{application_id}", headers=headers)).json()
        certificate = view["certificate"]
        assert certificate["delivery"] == "mail" and certificate["number"].startswith("20")

        # The print queue lists it; the clerk opens the PDF.
        await sign_in(http)
        queue = await http.get("/staff/?status=AwaitingMailing")
        assert application_id in queue.text
        pdf = await http.get(f"/staff/applications/{application_id}/certificate.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert (await http.get(f"/staff/applications/{application_id}/certificate.png")).status_code == 200

        # Anyone can check it (minimal disclosure: no address).
        checked = (await http.get(f"/verify/{certificate['certificate_id']}.json")).json()
        assert checked["status"] == "valid", checked
        assert "八幡" not in str(checked)
        assert (await http.get("/verify/unknown-certificate-id.json")).status_code == 404

        bad = await http.post(
            f"/api/applications/{application_id}/mailed", json={"tracking_number": "x"}, headers=headers
        )
        assert bad.status_code == 422
        cursor = await inbox_cursor(emulator, user_id)
        mailed = await http.post(
            f"/api/applications/{application_id}/mailed", json={"tracking_number": "JP-2026-1127"}, headers=headers
        )
        assert mailed.status_code == 200, mailed.text
        again = await http.post(
            f"/api/applications/{application_id}/mailed", json={"tracking_number": "JP-2026-1128"}, headers=headers
        )
        assert again.status_code == 409

    await wait_status(handle, "Completed")
    await wait_for_message(emulator, user_id, "追跡番号：JP-2026-1127", after=cursor)
    async with httpx.AsyncClient(base_url=system.api_url, trust_env=False, timeout=30) as http:
        view = (await http.get(f"/api/applications/{application_id}", headers=headers)).json()
        await sign_in(http)
        page = (await http.get(f"/staff/applications/{application_id}")).text
    for stored in (view["payment"]["requested_at"], view["payment"]["captured_at"], view["certificate"]["mailed_at"]):
        assert local_time(stored) in page and stored[:19] not in page, "times in Japan time, to the minute"
    status = await Resident(emulator, user_id).say("状況", STATUS)
    assert "お届け方法：郵送（追跡番号：JP-2026-1127）" in words(status)

    # The PDF verifies offline with the published keys; a changed byte does not.
    tmp = system.log_dir.parent
    (tmp / "cert.pdf").write_bytes(pdf.content)
    async with httpx.AsyncClient(base_url=system.api_url, trust_env=False) as http:
        (tmp / "keys.json").write_text((await http.get("/verify/keys")).text)
    ok = verify_offline(system, tmp / "keys.json", tmp / "cert.pdf")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    tampered = bytearray(pdf.content)
    tampered[len(tampered) // 2] ^= 0x01
    (tmp / "tampered.pdf").write_bytes(bytes(tampered))
    bad_pdf = verify_offline(system, tmp / "keys.json", tmp / "tampered.pdf")
    assert bad_pdf.returncode == 1, bad_pdf.stdout + bad_pdf.stderr


def verify_offline(system: System, keys: Path, pdf: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **system.stack.env}
    command = [sys.executable, "-m", "certificates", "verify", "--keys", str(keys), str(pdf)]
    return subprocess.run(command, env=env, capture_output=True, text=True)
