"""Freezing what the catalog and the settings decide for a new application (a local activity of the conversation).

An activity, not workflow code: its result is recorded in the conversation's history and then travels in the
application's input, so neither workflow reads the live catalog or settings again for that application.
"""

from __future__ import annotations

from temporalio import activity

from domain.catalog import Catalog
from domain.policy import (
    ApplicationPolicy,
    ApplicationPolicyInput,
    PolicySettings,
    application_policy,
)
from workflows.shared import FREEZE_APPLICATION_POLICY_ACTIVITY


class PolicyActivities:
    def __init__(self, settings: PolicySettings, catalog: Catalog) -> None:
        self._settings = settings
        self._catalog = catalog

    @activity.defn(name=FREEZE_APPLICATION_POLICY_ACTIVITY)
    async def freeze_application_policy(self, inp: ApplicationPolicyInput) -> ApplicationPolicy:
        return application_policy(inp, self._catalog.get(inp.procedure_code), self._settings)
