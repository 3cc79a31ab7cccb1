"""The Temporal worker: runs the conversation and application workflows and their activities."""

from __future__ import annotations

import asyncio
import logging
import signal

import httpx
import uvloop
from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, AsyncMessagingApiBlob
from prometheus_client import start_http_server
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.certificates import CertificateActivities
from activities.id_photo import IdPhotoActivities
from activities.messaging import LineActivities
from activities.payments import PaymentActivities
from activities.policy import PolicyActivities
from activities.registry import RegistryActivities
from catalog import get_catalog
from certificates.signing import SigningKeys
from certificates.store import CertificateStore
from config import Settings, get_settings
from config.heap import settle_heap
from config.logs import setup_logging
from config.temporal import connect_with_retry, sdk_metrics_runtime
from lineapi.client import line_api_client
from payments.factory import provider_from_settings
from payments.port import PaymentProvider
from registry.sql import SqlRegistry
from storage.blobs import blob_store_from_settings
from storage.photo_index import PhotoIndex
from workflows.application import ApplicationWorkflow
from workflows.conversation import ConversationWorkflow

log = logging.getLogger("madoguchi.worker")


def id_photo_activities(settings: Settings, blob_api: AsyncMessagingApiBlob) -> IdPhotoActivities:
    return IdPhotoActivities(
        blob_api,
        blob_store_from_settings(settings.blob_dir, settings.blob_keys),
        PhotoIndex(settings.photo_index_path),
        duplicate_max_distance=settings.duplicate_photo_max_distance,
    )


def build_worker(
    client: Client, settings: Settings, api_client: AsyncApiClient, payment_provider: PaymentProvider
) -> Worker:
    # Workflows read the catalog through a passed-through module: load it here, outside the sandbox.
    get_catalog()
    line = LineActivities(AsyncMessagingApi(api_client), settings.reply_token_max_age)
    photos = id_photo_activities(settings, AsyncMessagingApiBlob(api_client))
    resident_registry = SqlRegistry.from_url(settings.registry_url)
    registry = RegistryActivities(resident_registry)
    money = PaymentActivities(payment_provider)
    policy = PolicyActivities(settings, get_catalog())
    certificates = CertificateActivities(
        resident_registry,
        CertificateStore.from_url(settings.database_url),
        blob_store_from_settings(settings.blob_dir, settings.blob_keys),
        SigningKeys.parse(settings.cert_signing_keys),
        settings.public_url,
        settings.session_secret,
    )
    return Worker(
        client,
        task_queue=settings.temporal_task_queue,
        workflows=[ConversationWorkflow, ApplicationWorkflow],
        activities=[
            line.send_messages,
            line.get_profile,
            photos.receive_id_photo,
            photos.delete_id_photos,
            registry.match_registry,
            money.request_payment,
            money.confirm_payment,
            money.refund_payment,
            certificates.issue_certificate,
            certificates.revoke_certificate,
            certificates.download_link,
            policy.freeze_application_policy,
        ],
        workflow_runner=workflow_runner(),
    )


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox still refuses non-deterministic calls, but imports are shared, not re-imported.

    Every new workflow run would otherwise re-import its modules into a fresh sandbox, which costs
    the worker hundreds of milliseconds of CPU when many residents start chatting at once. Our
    workflow-side modules (domain, messages, catalog, config) hold no mutable state.
    """
    return SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_all_modules())


async def main() -> None:
    settings = get_settings()
    get_catalog()  # refuse to start on a broken catalog, with its error message
    if settings.worker_metrics_port:
        start_http_server(settings.worker_metrics_port, addr="127.0.0.1")
    runtime = sdk_metrics_runtime(settings.worker_sdk_metrics_port) if settings.worker_sdk_metrics_port else None
    client = await connect_with_retry(settings, runtime=runtime)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    http = httpx.AsyncClient(trust_env=settings.profile == "production")
    async with line_api_client(settings) as api_client, http:
        worker = build_worker(client, settings, api_client, provider_from_settings(settings, http))
        settle_heap()
        async with worker:
            log.info("worker polling task queue %s", settings.temporal_task_queue)
            await stop.wait()
    log.info("worker stopped")


if __name__ == "__main__":
    setup_logging()
    # uvloop, as the API and the emulator have through uvicorn: the worker's own loop runs the pollers,
    # the local activities (the answers to residents) and the activities. With the stdlib loop a follow
    # spent about 28 ms from the workflow task's start to the answer, with uvloop about 22 ms.
    uvloop.run(main())
