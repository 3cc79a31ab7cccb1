"""Registry activity: match the applicant's answers against the resident registry (behind its port)."""

from __future__ import annotations

import asyncio

from temporalio import activity

from domain.models import MatchRegistryInput
from domain.reports import RegistryMatch
from registry.matching import Applicant, match_in_registry
from registry.port import Registry
from workflows.shared import MATCH_REGISTRY_ACTIVITY


class RegistryActivities:
    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    @activity.defn(name=MATCH_REGISTRY_ACTIVITY)
    async def match_registry(self, inp: MatchRegistryInput) -> RegistryMatch:
        """exact / partial (with the differing fields) / none, and what the registry holds, for the clerk."""
        return await asyncio.to_thread(match_in_registry, self._registry, Applicant.from_answers(inp.answers))
