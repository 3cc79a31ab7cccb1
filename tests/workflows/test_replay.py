"""Histories recorded from the running system replay against today's workflow code.

A change that makes a workflow non-deterministic fails here. To record again after an intended,
patched change: `RECORD_HISTORIES=1 .venv/bin/pytest tests/integration/test_replay_live.py`.
The `*_before_frozen_policy` histories were recorded before the catalog's and settings' decisions were
frozen into workflow inputs: they replay down the legacy paths (`workflows/legacy.py`, unpatched branches).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from config.temporal import data_converter
from worker import workflow_runner
from workflows.application import ApplicationWorkflow
from workflows.conversation import ConversationWorkflow

HISTORIES = sorted((Path(__file__).resolve().parent.parent / "histories").glob("*.json"))


def test_histories_are_recorded() -> None:
    assert {p.stem for p in HISTORIES} >= {"conversation", "application"}


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(f"recorded-{path.stem}", path.read_text())
    replayer = Replayer(
        workflows=[ConversationWorkflow, ApplicationWorkflow],
        data_converter=data_converter(),
        workflow_runner=workflow_runner(),  # as the worker runs them
    )
    await replayer.replay_workflow(history)
