"""Postbacks from our buttons. Each carries the intake (and question) it was shown for, so a
button from an old message is answered as stale instead of changing the current step."""

from __future__ import annotations

from domain import flow, intake, replies
from domain.catalog import Procedure
from domain.commands import command_from_code
from domain.errors import ParseError
from domain.intake import current_step, say
from domain.models import Inbound
from domain.postback import Postback, decode
from domain.state import INTAKE_STEPS, Context, ConversationState, Outcome
from domain.typed import confirm, run_command, skip


def _stale(state: ConversationState, ctx: Context) -> Outcome:
    return say(state, ctx, "stale_button")


def on_postback(state: ConversationState, inbound: Inbound, ctx: Context) -> Outcome:
    postback = decode(inbound.data)
    if postback is None:
        return _stale(state, ctx)
    action = postback.action
    if action == "cmd":
        command = command_from_code(postback.get("c"))
        if command is None:
            return _stale(state, ctx)
        if state.phase.startswith("confirm_"):
            intake.resume(state, ctx)
        return run_command(state, command, ctx)
    if action == "start":
        return _start(state, postback.get("p"), ctx)
    if action == "ok":
        kind, target = postback.get("k"), postback.get("i")
        expected = state.withdraw_target if kind == "withdraw" else state.application_id
        if state.phase != f"confirm_{kind}" or target != expected or postback.get("v") not in ("yes", "no"):
            return _stale(state, ctx)
        return confirm(state, postback.get("v") == "yes", ctx)
    if action == "wd":
        chosen = next((a for a in replies.withdrawable(ctx) if a.application_id == postback.get("i")), None)
        if chosen is None or state.in_intake():
            return _stale(state, ctx)
        state.phase, state.withdraw_target = "confirm_withdraw", chosen.application_id
        return Outcome(state, current_step(state, ctx))
    procedure = ctx.catalog.get(state.procedure_code)
    if procedure is None or postback.get("i") != state.application_id or state.phase.startswith("confirm_"):
        return _stale(state, ctx)
    return _intake_postback(state, procedure, postback, inbound.params, ctx)


def _start(state: ConversationState, code: str, ctx: Context) -> Outcome:
    procedure = ctx.catalog.get(code)
    if procedure is None:
        return say(state, ctx, "procedure_unavailable")
    if state.phase == "confirm_withdraw":
        intake.resume(state, ctx)
    current = ctx.catalog.get(state.procedure_code)
    if current is None:
        return intake.start(state, procedure, ctx)
    if current.code == procedure.code:
        if state.phase == "confirm_switch":
            intake.resume(state, ctx)
        return say(state, ctx, "same_procedure", procedure=current.name.get(state.language))
    if state.phase in INTAKE_STEPS:
        state.resume_phase = state.phase
    state.phase, state.pending_procedure = "confirm_switch", procedure.code
    return Outcome(state, current_step(state, ctx))


def _intake_postback(
    state: ConversationState, procedure: Procedure, postback: Postback, params: dict[str, str], ctx: Context
) -> Outcome:
    action, question_id = postback.action, postback.get("q")
    on_question = state.phase == "asking" and question_id == state.question_id
    if action == "cancel":
        return Outcome(state, intake.ask_to_cancel(state, ctx))
    if action == "back" and question_id == replies.step_id(state):
        return Outcome(state, intake.back(state, procedure, ctx))
    if action == "submit" and state.phase == "confirming":
        return intake.submit(state, procedure)
    if action == "edit" and state.phase == "confirming":
        state.phase = "editing"
        return Outcome(state, current_step(state, ctx))
    if action == "editq" and state.phase == "editing" and question_id in state.asked:
        return Outcome(state, intake.begin_edit(state, procedure, question_id, ctx))
    if action == "card" and (state.phase == "editing" or state.editing):
        state.editing = False
        intake.advance(state, procedure)
        return Outcome(state, current_step(state, ctx))
    if action == "skip" and on_question:
        return skip(state, procedure, ctx)
    question = flow.find_question(procedure, state.question_id)
    if action == "ans" and on_question and question is not None:
        value = flow.parse_posted(question, postback.get("v"), params, ctx.today())
        if value is None:
            return _stale(state, ctx)
        if isinstance(value, ParseError):
            return say(state, ctx, value.key, **value.params)
        intake.record(state, procedure, value)
        return Outcome(state, current_step(state, ctx))
    return _stale(state, ctx)
