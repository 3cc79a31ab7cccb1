"""The resident's conversation: a pure, deterministic function of (state, inbound event, context).

Runs inside Temporal's workflow sandbox, so no I/O, clock or randomness here or in what it
imports: time comes in as ctx.now and the new application id as ctx.new_application_id.
"""

from __future__ import annotations

from domain import flow, intake, replies
from domain.buttons import on_postback
from domain.intake import current_step, say
from domain.models import Inbound
from domain.parsing import clean_text
from domain.state import Context, ConversationState, Outcome
from domain.typed import on_text
from messages import line
from messages.texts import t

__all__ = [
    "Context",
    "ConversationState",
    "Outcome",
    "handle",
    "idle_expiry",
    "idle_reminder",
    "language_from_profile",
]


def language_from_profile(lang: str | None) -> str:
    """LINE profile language to ours: none or Japanese -> "ja", anything else -> "en"."""
    if lang is None or lang.strip() == "" or lang.lower().startswith("ja"):
        return "ja"
    return "en"


def handle(state: ConversationState, inbound: Inbound, ctx: Context) -> Outcome:
    """One resident event. Never raises on any input; the given state is not modified."""
    state = _sanitize(state.copy(), ctx)
    if inbound.kind == "unfollow":
        return Outcome(state, [])
    state.reminded = False
    inbound = _well_formed(inbound)
    if inbound.kind == "follow":
        name = clean_text(ctx.display_name or "")[:20]
        greeting = t("greeting_named", state.language, name=name) if name else t("greeting", state.language)
        return Outcome(state, [line.text(greeting), *current_step(state, ctx)])
    if inbound.kind == "text":
        return on_text(state, inbound.text, ctx)
    if inbound.kind == "postback":
        return on_postback(state, inbound, ctx)
    key = "image_not_expected" if inbound.kind == "image" else "unsupported"
    return say(state, ctx, key)


def _well_formed(inbound: Inbound) -> Inbound:
    """The event with every field of the type it should have (it comes from outside)."""
    params = inbound.params if isinstance(inbound.params, dict) else {}
    return Inbound(
        kind=inbound.kind if isinstance(inbound.kind, str) else "unsupported",
        text=inbound.text if isinstance(inbound.text, str) else "",
        data=inbound.data if isinstance(inbound.data, str) else "",
        params={str(k): str(v) for k, v in params.items()},
        message_type=inbound.message_type if isinstance(inbound.message_type, str) else "",
    )


def idle_reminder(state: ConversationState, ctx: Context) -> Outcome:
    """24 h without an answer during an intake: remind, repeating the current question."""
    state = _sanitize(state.copy(), ctx)
    procedure = ctx.catalog.get(state.procedure_code)
    if procedure is None or not state.in_intake():
        return Outcome(state, [])
    state.reminded = True
    text = t("reminder", state.language, procedure=procedure.name.get(state.language), hours=ctx.hours_until_expiry)
    return Outcome(state, [line.text(text), *current_step(state, ctx)])


def idle_expiry(state: ConversationState, ctx: Context) -> Outcome:
    """72 h without an answer: the intake is discarded and the resident told so."""
    state = _sanitize(state.copy(), ctx)
    procedure = ctx.catalog.get(state.procedure_code)
    if procedure is None or not state.in_intake():
        return Outcome(state, [])
    new = state.fresh()
    lang = new.language
    actions = [replies.command("label_menu", "menu", lang), replies.command("label_status", "status", lang)]
    return Outcome(new, [line.text(t("expired", lang, procedure=procedure.name.get(lang)), actions)])


def _sanitize(state: ConversationState, ctx: Context) -> ConversationState:
    """Repair a state that no longer fits the catalog (e.g. a procedure removed since)."""
    procedure = ctx.catalog.get(state.procedure_code)
    if state.procedure_code is not None or state.application_id is not None:
        if procedure is None or not state.in_intake():
            return state.fresh()
    if procedure is None:
        if state.phase != "confirm_withdraw" or not state.withdraw_target:
            state.phase, state.withdraw_target = "idle", None
        return state
    question = flow.find_question(procedure, state.question_id)
    relevant = flow.relevant_questions(procedure, state.answers)
    if state.phase in ("idle", "confirm_withdraw"):
        intake.advance(state, procedure)
    elif state.phase == "asking" and (question is None or question not in relevant):
        intake.advance(state, procedure)
    elif state.phase in ("confirming", "editing") and flow.next_question(procedure, state.answers):
        intake.advance(state, procedure)
    elif state.phase == "confirm_switch" and ctx.catalog.get(state.pending_procedure) is None:
        intake.resume(state, ctx)
    return state
