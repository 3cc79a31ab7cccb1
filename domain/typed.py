"""Typed text: commands in either language, answers, and yes/no to a pending confirmation."""

from __future__ import annotations

from domain import flow, intake, replies
from domain.catalog import Procedure
from domain.commands import Command, is_skip, is_submit, match_command, yes_no
from domain.errors import ParseError
from domain.intake import current_step, say
from domain.parsing import normalize_command
from domain.postback import encode
from domain.state import Context, ConversationState, Outcome
from messages import line
from messages.texts import t


def on_text(state: ConversationState, text: str, ctx: Context) -> Outcome:
    command = match_command(text)
    if state.phase.startswith("confirm_"):
        answer = yes_no(text)
        if answer is not None:
            return confirm(state, answer, ctx)
        if command is None or command == Command.CANCEL:
            return say(state, ctx, "yesno_unknown")
        intake.resume(state, ctx)
    procedure = ctx.catalog.get(state.procedure_code)
    if procedure is not None and state.phase == "confirming" and is_submit(text):
        return intake.submit(state, procedure)
    if procedure is not None and state.phase == "asking" and is_skip(text):
        return skip(state, procedure, ctx)
    if command is not None:
        return run_command(state, command, ctx)
    if procedure is None:
        chosen = _procedure_named(text, ctx)
        return intake.start(state, chosen, ctx) if chosen else say(state, ctx, "not_understood")
    if state.phase == "asking":
        question = flow.find_question(procedure, state.question_id)
        if question is not None:
            value = flow.parse_typed(question, text, ctx.today())
            if isinstance(value, ParseError):
                return say(state, ctx, value.key, **value.params)
            intake.record(state, procedure, value)
            return Outcome(state, current_step(state, ctx))
    if state.phase == "editing":
        chosen_id = intake.edit_choice(state, procedure, text)
        if chosen_id is not None:
            return Outcome(state, intake.begin_edit(state, procedure, chosen_id, ctx))
        return say(state, ctx, "choice_unknown")
    return say(state, ctx, "card_use_buttons")


def _procedure_named(text: str, ctx: Context) -> Procedure | None:
    """A procedure the resident typed by name, code or the start of its name (3+ characters)."""
    key = normalize_command(text)
    for procedure in ctx.catalog.procedures:
        names = [normalize_command(n) for n in (procedure.name.ja, procedure.name.en)]
        names += [normalize_command(n) for n in (procedure.label.ja, procedure.label.en)]
        if key == procedure.code or key in names or (len(key) >= 3 and any(n.startswith(key) for n in names)):
            return procedure
    return None


def skip(state: ConversationState, procedure: Procedure, ctx: Context) -> Outcome:
    question = flow.find_question(procedure, state.question_id)
    if question is None or question.required:
        return say(state, ctx, "not_skippable")
    intake.record(state, procedure, flow.SKIPPED)
    return Outcome(state, current_step(state, ctx))


def run_command(state: ConversationState, command: Command, ctx: Context) -> Outcome:
    lang = state.language
    procedure = ctx.catalog.get(state.procedure_code)
    if command in (Command.ENGLISH, Command.JAPANESE):
        state.language = command.value
        return say(state, ctx, "language_switched")
    if command == Command.MENU:
        return Outcome(state, replies.menu_messages(state, ctx))
    if command == Command.CONTINUE:
        return Outcome(state, current_step(state, ctx))
    if command == Command.HELP:
        return say(state, ctx, "help")
    if command == Command.STATUS:
        if procedure is not None:
            return Outcome(state, [line.text(replies.status_text(ctx, lang)), *current_step(state, ctx)])
        actions = [replies.command("label_menu", "menu", lang), replies.command("label_help", "help", lang)]
        return Outcome(state, [line.text(replies.status_text(ctx, lang), actions)])
    if procedure is None:
        if command == Command.CANCEL:
            return _offer_withdraw(state, ctx)
        return say(state, ctx, "back_nothing" if command == Command.BACK else "not_understood")
    if command == Command.CANCEL:
        return Outcome(state, intake.ask_to_cancel(state, ctx))
    if command == Command.BACK:
        return Outcome(state, intake.back(state, procedure, ctx))
    if state.phase == "confirming" or state.editing or state.phase == "editing":
        state.phase = "editing"
        return Outcome(state, current_step(state, ctx))
    return say(state, ctx, "edit_only_on_card")


def _offer_withdraw(state: ConversationState, ctx: Context) -> Outcome:
    lang = state.language
    candidates = replies.withdrawable(ctx)
    if not candidates:
        return say(state, ctx, "nothing_to_cancel")
    if len(candidates) == 1:
        state.phase, state.withdraw_target = "confirm_withdraw", candidates[0].application_id
        return Outcome(state, current_step(state, ctx))
    lines = "\n".join(f"・{replies.application_line(a, ctx, lang)}" for a in candidates)
    picks = [
        line.postback(
            f"{replies.procedure_name(a.procedure_code, ctx, lang)[:12]} {a.application_id[-6:]}",
            encode("wd", i=a.application_id),
        )
        for a in candidates[: line.MAX_QUICK_REPLIES - 1]
    ]
    menu = replies.command("label_menu", "menu", lang)
    return Outcome(state, [line.text(t("withdraw_choose", lang, lines=lines), [*picks, menu])])


def confirm(state: ConversationState, yes: bool, ctx: Context) -> Outcome:
    kind = state.phase.removeprefix("confirm_")
    if kind == "withdraw":
        target = state.withdraw_target
        candidate = next((a for a in replies.withdrawable(ctx) if a.application_id == target), None)
        state.phase, state.withdraw_target = "idle", None
        if not yes:
            return say(state, ctx, "withdraw_kept")
        if candidate is None:
            app = next((a for a in ctx.applications if a.application_id == target), None)
            status = replies.status_words(app.status if app else "", state.language)
            return say(state, ctx, "withdraw_unavailable", status=status)
        done = line.text(t("withdraw_done", state.language, id=candidate.application_id))
        return Outcome(state, [done], withdraw_application_id=candidate.application_id)
    if yes and kind == "cancel":
        return intake.discard(state, ctx)
    pending = ctx.catalog.get(state.pending_procedure)
    if yes and kind == "switch" and pending is not None:
        return intake.start(state, pending, ctx)
    intake.resume(state, ctx)
    return say(state, ctx, "cancel_kept")
