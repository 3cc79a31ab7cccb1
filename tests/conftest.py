from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from catalog import get_catalog
from config.temporal import SEARCH_ATTRIBUTES, data_converter

BIN = Path(sys.executable).parent


@pytest.fixture(scope="session", autouse=True)
def catalog_loaded() -> None:
    """Workflows read the catalog through a passed-through module; load it outside the sandbox, as the worker does."""
    get_catalog()


@pytest.fixture(scope="session")
async def local_env() -> AsyncIterator[WorkflowEnvironment]:
    """The real Temporal dev server (in memory), for workflow tests that use updates or visibility."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(BIN / "temporal"),
        data_converter=data_converter(),
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_extra_args=["--headless"],
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """Temporal's time-skipping test server, for the 24 h / 72 h timers."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server"),
        data_converter=data_converter(),
    )
    # The application workflow sets its ApplicationStatus search attribute; this server accepts it once registered.
    # (It has no ListSearchAttributes, so they are added outright.)
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace="default",
            search_attributes={k.name: IndexedValueType.ValueType(k.indexed_value_type) for k in SEARCH_ATTRIBUTES},
        )
    )
    yield env
    await env.shutdown()
