"""The ID photo stage through the real stack: the emulator serves the image on LINE's content path, the
worker downloads it with line-bot-sdk's AsyncMessagingApiBlob, checks it with Pillow and stores an
encrypted, metadata-free copy; only the blob key and the report enter Temporal's history."""

from __future__ import annotations

import asyncio
import io
from typing import Any

from PIL import Image
from temporalio.client import Client

from config.temporal import APPLICATION_STATUS
from domain.ids import application_workflow_id
from domain.models import IdPhotoRecord
from storage.blobs import MAGIC, blob_store_from_settings
from tests.integration.conftest import System
from tests.integration.test_intake import EN_ANSWERS, JA_ANSWERS, STATUS, applications_of, run_intake
from tests.support.emulator import EmulatorDriver, Match, any_of, inbox_cursor, quick_replies, wait_for_message
from tests.support.id_cards import Scene, photo
from tests.support.resident import Resident, words


def with_gps(jpeg: bytes) -> bytes:
    """The same photo with a GPS position and a camera model in its EXIF, as phones write them."""
    img = Image.open(io.BytesIO(jpeg))
    exif = Image.Exif()
    exif[0x0110] = "ResidentPhone 15"  # Model
    exif.get_ifd(0x8825).update({1: "N", 2: (35.0, 43.0, 18.0), 3: "E", 4: (139.0, 55.0, 41.0)})
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


# The answers to a photo in the ID photo stage (tests/support's photos are Japanese residents').
PHOTO_UNUSABLE = "この写真では確認できませんでした"
PHOTO_RETRY = "本人確認書類の写真をもう一度送ってください"
PHOTO_ACCEPTED = "本人確認書類の写真を受け付けました"
PHOTO_REQUEST = any_of("本人確認書類（運転免許証", "please send a photo of your ID")


async def send_photo(resident: Resident, data: bytes, *expect: Match) -> list[dict[str, Any]]:
    return await resident.send_image(data, *(expect or (PHOTO_ACCEPTED,)))


async def wait_status(handle: Any, status: str, timeout: float = 30) -> None:
    """Polls the workflow's status query; generous, since CI machines may be busy (it returns at once when set)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await handle.query("status") == status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"status stayed {await handle.query('status')}, expected {status}")


async def test_photo_coaching_then_accepted_and_stored_encrypted(
    system: System, temporal_client: Client, emulator: EmulatorDriver
) -> None:
    user_id = "U" + "6a" * 16
    await emulator.create_resident(user_id, "写真 六子", "ja")
    resident = Resident(emulator, user_id)
    cursor = await inbox_cursor(emulator, user_id)
    await run_intake(resident, "住民票", JA_ANSWERS)
    request = (await wait_for_message(emulator, user_id, PHOTO_REQUEST, after=cursor))["message"]
    assert {a["type"] for a in quick_replies(request)} == {"camera", "cameraRoll"}
    [app] = await applications_of(temporal_client, system, user_id)
    handle = temporal_client.get_workflow_handle(application_workflow_id(app.application_id))

    blurry = await send_photo(resident, photo(Scene(blur_sigma=9.0), seed=11), PHOTO_UNUSABLE, PHOTO_RETRY)
    text = words(blurry)
    assert "2回目／3回" in text, text
    assert all(item["via"] == "reply" for item in blurry), "the answer to a photo is a free reply"
    assert await handle.query("status") == "AwaitingIdPhoto"

    good_jpeg = with_gps(photo(Scene(), seed=12))
    await send_photo(resident, good_jpeg, PHOTO_ACCEPTED)
    await wait_status(handle, "AwaitingReview")
    record = await handle.query("id_photo_record", result_type=IdPhotoRecord)
    assert [a.accepted for a in record.attempts] == [False, True]
    assert record.attempts[0].report.reasons[0] == "blurry"
    assert record.chosen == 1 and not record.needs_attention

    # At rest: encrypted; decrypted: a clean JPEG without EXIF (no GPS, no camera model).
    for attempt in record.attempts:
        sealed = (system.settings.blob_dir / attempt.blob_key).read_bytes()
        assert sealed.startswith(MAGIC) and b"JFIF" not in sealed and b"Exif" not in sealed
    store = blob_store_from_settings(system.settings.blob_dir, system.settings.blob_keys)
    stored = Image.open(io.BytesIO(store.get(record.attempts[1].blob_key)))
    assert stored.format == "JPEG" and not stored.getexif() and "exif" not in stored.info

    # Claim check: no image bytes in the workflow history (a JPEG would be hundreds of kilobytes).
    history = await handle.fetch_history()
    raw = history.to_json()
    assert len(raw) < 200_000 and "/9j/" not in raw, "no base64 JPEG in history"

    description = await handle.describe()
    assert description.typed_search_attributes.get(APPLICATION_STATUS) == "AwaitingReview"
    status = await resident.say("状況", STATUS)
    assert "職員が確認しています" in words(status)

    # Withdrawing deletes the photos at once.
    await resident.withdraw()
    assert await handle.result() == "Withdrawn"
    for attempt in record.attempts:
        assert not (system.settings.blob_dir / attempt.blob_key).exists()


async def test_image_without_an_application_and_lost_content(
    system: System, temporal_client: Client, emulator: EmulatorDriver
) -> None:
    user_id = "U" + "7b" * 16
    await emulator.create_resident(user_id, "写真 七郎", "en")
    resident = Resident(emulator, user_id)
    await resident.follow()
    await send_photo(resident, photo(Scene(), seed=13), "not expecting a picture")

    await run_intake(resident, "Certificate of residence", EN_ANSWERS)
    [app] = await applications_of(temporal_client, system, user_id)
    cursor = await inbox_cursor(emulator, user_id)
    # An image event whose content LINE no longer has: the content endpoint answers 404.
    event = {"type": "message", "source": {"type": "user", "userId": user_id}, "message": {"type": "image"}}
    assert (await emulator.webhook([event]))["status"] == 200
    await wait_for_message(emulator, user_id, "send it again", after=cursor)
    handle = temporal_client.get_workflow_handle(application_workflow_id(app.application_id))
    assert await handle.query("status") == "AwaitingIdPhoto"
    assert (await handle.query("id_photo_record", result_type=IdPhotoRecord)).attempts == []
