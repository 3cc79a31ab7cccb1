"""Policies of workflows whose history began before policies were frozen into their input.

Such a workflow read the live catalog and settings while it ran, and it must replay the same way: these
functions read them as it did. Applications started since carry their policy (see `domain.policy`); the only
other way here is a conversation whose policy activity failed for good, which it logs.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from catalog import get_catalog
    from config.settings import get_settings
    from domain.download import download_url
    from domain.models import SubmittedApplication
    from domain.policy import ApplicationPolicy, ApplicationPolicyInput, IntakePolicy, application_policy, intake_policy


def legacy_application_policy(app: SubmittedApplication) -> ApplicationPolicy:
    procedure = get_catalog().get(app.procedure_code)
    inp = ApplicationPolicyInput(app.procedure_code, app.language, app.copies, app.fee_per_copy)
    policy = application_policy(inp, procedure, get_settings())
    if procedure is None:
        policy.identity_method = ""  # as it ran: no identity stage, the application waited to be withdrawn
    return policy


def legacy_download_url(certificate_id: str, expires: datetime) -> str:
    """The link as such a workflow made it, signed in workflow code."""
    settings = get_settings()
    return download_url(settings.public_url, settings.session_secret, certificate_id, expires)


def legacy_intake_policy() -> IntakePolicy:
    return intake_policy(get_settings())
