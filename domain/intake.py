"""Moves of an intake: start, answer, skip, back, edit, submit, discard, and the current step."""

from __future__ import annotations

from domain import flow, id_photo_stage, replies
from domain.catalog import Procedure
from domain.models import SubmittedApplication
from domain.parsing import normalize_command
from domain.state import INTAKE_STEPS, Context, ConversationState, Outcome
from messages import line
from messages.line import Message
from messages.texts import t, yen


def current_step(state: ConversationState, ctx: Context) -> list[Message]:
    """The messages that (re-)ask whatever the resident is expected to answer now."""
    lang = state.language
    procedure = ctx.catalog.get(state.procedure_code)
    if state.phase == "confirm_withdraw":
        target = next((a for a in ctx.applications if a.application_id == state.withdraw_target), None)
        if target is not None:
            body = t("withdraw_confirm", lang, application=replies.application_line(target, ctx, lang))
            return [replies.yes_no_message(body, "withdraw", target.application_id, lang)]
    if procedure is None or not state.in_intake():
        return replies.menu_messages(state, ctx)
    app, name = state.application_id or "", procedure.name.get(lang)
    if state.phase == "confirm_cancel":
        return [replies.yes_no_message(t("cancel_confirm", lang, procedure=name), "cancel", app, lang)]
    if state.phase == "confirm_switch":
        new = replies.procedure_name(state.pending_procedure or "", ctx, lang)
        return [replies.yes_no_message(t("switch_confirm", lang, current=name, new=new), "switch", app, lang)]
    if state.phase == "confirming":
        return [replies.card_message(state, procedure)]
    if state.phase == "editing":
        return [replies.edit_message(state, procedure)]
    question = flow.find_question(procedure, state.question_id)
    if question is None:
        advance(state, procedure)
        return current_step(state, ctx)
    return [replies.question_message(state, procedure, question, ctx)]


def advance(state: ConversationState, procedure: Procedure) -> None:
    """Drop answers a `when` no longer needs, then ask the next missing question or show the card."""
    state.answers = flow.prune(procedure, state.answers)
    state.asked = [q.id for q in flow.answered(procedure, state.answers)]
    question = flow.next_question(procedure, state.answers)
    state.question_id = question.id if question else None
    state.phase = "asking" if question else "confirming"
    if question is None:
        state.editing = False
    state.resume_phase = state.pending_procedure = None


def say(state: ConversationState, ctx: Context, key: str, **params: object) -> Outcome:
    """A short note, then whatever the resident is expected to answer now."""
    return Outcome(state, [line.text(t(key, state.language, **params)), *current_step(state, ctx)])


def start(state: ConversationState, procedure: Procedure, ctx: Context) -> Outcome:
    new = state.fresh()
    new.procedure_code = procedure.code
    new.application_id = ctx.new_application_id
    new.answers = flow.initial_answers(procedure)
    advance(new, procedure)
    lang = new.language
    intro = t("intake_start", lang, procedure=procedure.name.get(lang), fee=yen(procedure.fee_per_copy, lang))
    return Outcome(new, [line.text(intro), *current_step(new, ctx)], used_new_application_id=True)


def record(state: ConversationState, procedure: Procedure, value: str) -> None:
    state.answers[state.question_id or ""] = value
    advance(state, procedure)


def back(state: ConversationState, procedure: Procedure, ctx: Context) -> list[Message]:
    """Previous question (its answer discarded); from an edit, back to the card unchanged."""
    if state.phase == "editing" or (state.editing and state.question_id in state.answers):
        state.editing = False
        advance(state, procedure)
        return current_step(state, ctx)
    order = [q.id for q in flow.relevant_questions(procedure, state.answers)]
    asking = state.phase == "asking" and state.question_id in order
    limit = order.index(state.question_id or "") if asking else len(order)
    previous = [qid for qid in order[:limit] if qid in state.answers]
    if not previous:
        return [line.text(t("back_first", state.language)), *current_step(state, ctx)]
    del state.answers[previous[-1]]
    advance(state, procedure)
    return current_step(state, ctx)


def begin_edit(state: ConversationState, procedure: Procedure, question_id: str, ctx: Context) -> list[Message]:
    state.phase, state.question_id, state.editing = "asking", question_id, True
    return current_step(state, ctx)


def edit_choice(state: ConversationState, procedure: Procedure, text: str) -> str | None:
    """The question a typed edit choice (number or label) refers to."""
    questions = flow.answered(procedure, state.answers)
    key = normalize_command(text)
    for index, q in enumerate(questions, start=1):
        if key in (str(index), normalize_command(q.label.ja), normalize_command(q.label.en)):
            return q.id
    return None


def ask_to_cancel(state: ConversationState, ctx: Context) -> list[Message]:
    if state.phase in INTAKE_STEPS:
        state.resume_phase = state.phase
    state.phase = "confirm_cancel"
    return current_step(state, ctx)


def resume(state: ConversationState, ctx: Context) -> None:
    """Leave a confirm_* question and return to the step it interrupted."""
    procedure = ctx.catalog.get(state.procedure_code)
    if state.phase == "confirm_withdraw" or procedure is None:
        state.phase, state.withdraw_target = "idle", None
        return
    phase = state.resume_phase if state.resume_phase in INTAKE_STEPS else None
    if phase is None:
        advance(state, procedure)
    else:
        state.phase = phase
    state.resume_phase = state.pending_procedure = None


def submit(state: ConversationState, procedure: Procedure) -> Outcome:
    copies = flow.copies(procedure, state.answers)
    application = SubmittedApplication(
        application_id=state.application_id or "",
        procedure_code=procedure.code,
        language=state.language,
        answers=dict(state.answers),
        copies=copies,
        fee_per_copy=procedure.fee_per_copy,
        fee_total=copies * procedure.fee_per_copy,
    )
    lang = state.language
    key = "submitted_jpki" if procedure.identity_method == "jpki" else "submitted_id_photo"
    actions = [replies.command("label_status", "status", lang), replies.command("label_menu", "menu", lang)]
    if procedure.identity_method == "id_photo":
        # The photo request travels in the same reply: it is what the resident does next.
        thanks = line.text(t(key, lang, id=application.application_id))
        return Outcome(state.fresh(), [thanks, id_photo_stage.photo_request(lang)], submitted=application)
    thanks = line.text(t(key, lang, id=application.application_id), actions)
    return Outcome(state.fresh(), [thanks], submitted=application)


def discard(state: ConversationState, ctx: Context, key: str = "cancel_done") -> Outcome:
    new = state.fresh()
    return Outcome(new, [line.text(t(key, new.language)), *replies.menu_messages(new, ctx)])
