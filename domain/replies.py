"""The messages that show a resident where they are: menu, current question, card, status."""

from __future__ import annotations

from datetime import datetime

from domain import flow
from domain.catalog import Procedure, Question
from domain.dates import format_date
from domain.models import ApplicationStatus, ApplicationSummary
from domain.postback import encode
from domain.state import JST, Context, ConversationState
from messages import flex, line
from messages.line import Action, Message
from messages.texts import RESIDENT, t, yen

CARD_STEP = "_card"
EDIT_STEP = "_edit"
MAX_STATUS_ITEMS = 10
# Until the certificate is issued a resident can still withdraw (a paid fee is refunded).
WITHDRAWABLE = (
    ApplicationStatus.AWAITING_ID_PHOTO,
    ApplicationStatus.AWAITING_REVIEW,
    ApplicationStatus.APPROVED,
    ApplicationStatus.PAID,
)


def step_id(state: ConversationState) -> str:
    """What a back button was shown on: a question id, or the card / edit list."""
    if state.phase == "confirming":
        return CARD_STEP
    if state.phase == "editing":
        return EDIT_STEP
    return state.question_id or ""


def command(label_key: str, code: str, lang: str) -> Action:
    return line.postback(t(label_key, lang), encode("cmd", c=code), t(label_key, lang))


def intake_controls(state: ConversationState, question: Question | None = None) -> list[Action]:
    lang, app = state.language, state.application_id or ""
    actions = []
    if question is not None and not question.required:
        actions.append(
            line.postback(t("label_skip", lang), encode("skip", i=app, q=question.id), t("label_skip", lang))
        )
    actions.append(line.postback(t("label_back", lang), encode("back", i=app, q=step_id(state)), t("label_back", lang)))
    actions.append(line.postback(t("label_cancel", lang), encode("cancel", i=app), t("label_cancel", lang)))
    return actions


def question_message(state: ConversationState, procedure: Procedure, question: Question, ctx: Context) -> Message:
    lang, app = state.language, state.application_id or ""
    relevant = [q.id for q in flow.relevant_questions(procedure, state.answers)]
    n = relevant.index(question.id) + 1 if question.id in relevant else len(relevant)
    lines = [t("question_progress", lang, n=n, total=len(relevant)) + question.prompt.get(lang)]
    if state.editing and question.id in state.answers:
        lines.append(t("current_answer", lang, value=flow.display(question, state.answers[question.id], lang)))
    if question.type == "date":
        lines.append(t("hint_date", lang))
    if question.pattern == "phone":
        lines.append(t("hint_phone", lang))
    if not question.required:
        lines.append(t("hint_optional", lang))
    if question.type == "choice":
        lines.extend(f"{i}. {o.label.get(lang)}" for i, o in enumerate(question.options, start=1))

    def answer(label: str, value: str) -> Action:
        return line.postback(label, encode("ans", i=app, q=question.id, v=value), label)

    choices: list[Action] = []
    if question.type == "choice":
        choices = [answer(o.label.get(lang), o.value) for o in question.options]
    elif question.type == "yesno":
        choices = [answer(t("label_yes", lang), "yes"), answer(t("label_no", lang), "no")]
    elif question.type == "number" and question.min is not None and question.max is not None:
        if question.max - question.min < 10:
            choices = [answer(str(n), str(n)) for n in range(question.min, question.max + 1)]
    elif question.type == "date":
        earliest, latest = flow.today_bounds(ctx.today())
        initial = state.answers.get(question.id) or min(latest, earliest.replace(year=1990)).isoformat()
        data = encode("ans", i=app, q=question.id)
        choices = [line.date_picker(t("label_calendar", lang), data, initial, earliest.isoformat(), latest.isoformat())]
    return line.text("\n".join(lines), choices + intake_controls(state, question))


def card_message(state: ConversationState, procedure: Procedure) -> Message:
    lang, app = state.language, state.application_id or ""
    rows = [
        (q.label.get(lang), flow.display(q, state.answers[q.id], lang)) for q in flow.answered(procedure, state.answers)
    ]
    if flow.delivery_question(procedure) is None:
        rows.append((t("delivery_label", lang), t(f"delivery.{procedure.delivery[0]}", lang)))
    copies = flow.copies(procedure, state.answers)
    fee, total = yen(procedure.fee_per_copy, lang), yen(procedure.fee_per_copy * copies, lang)
    fee_line = t("fee_line_one" if copies == 1 else "fee_line", lang, fee=fee, copies=copies, total=total)
    submit = line.postback(t("label_submit", lang), encode("submit", i=app), t("label_submit", lang))
    edit = line.postback(t("label_edit", lang), encode("edit", i=app), t("label_edit", lang))
    cancel = line.postback(t("label_cancel", lang), encode("cancel", i=app), t("label_cancel", lang))
    bubble = flex.confirmation_card(
        procedure.name.get(lang),
        t("card_subtitle", lang),
        rows,
        t("card_fee_label", lang),
        fee_line,
        t("card_note", lang),
        [submit, edit, cancel],
    )
    alt = t("card_alt", lang, procedure=procedure.name.get(lang), fee=fee_line)
    return line.flex(alt, bubble, [submit, edit, *intake_controls(state)])


def edit_message(state: ConversationState, procedure: Procedure) -> Message:
    lang, app = state.language, state.application_id or ""
    questions = flow.answered(procedure, state.answers)
    lines = "\n".join(f"{i}. {q.label.get(lang)}" for i, q in enumerate(questions, start=1))
    to_card = line.postback(t("label_to_card", lang), encode("card", i=app), t("label_to_card", lang))
    picks = [line.postback(q.label.get(lang), encode("editq", i=app, q=q.id), q.label.get(lang)) for q in questions]
    return line.text(t("edit_prompt", lang, lines=lines), [*picks[: line.MAX_QUICK_REPLIES - 1], to_card])


def yes_no_message(body: str, kind: str, target: str, lang: str) -> Message:
    def choice(label_key: str, value: str) -> Action:
        return line.postback(t(label_key, lang), encode("ok", k=kind, i=target, v=value), t(label_key, lang))

    return line.text(body, [choice("label_yes", "yes"), choice("label_no", "no")])


def menu_messages(state: ConversationState, ctx: Context) -> list[Message]:
    lang = state.language
    items = [
        flex.MenuItem(
            p.name.get(lang),
            t("menu_item_detail", lang, description=p.description.get(lang), fee=yen(p.fee_per_copy, lang)),
            line.postback(p.label.get(lang), encode("start", p=p.code), p.name.get(lang)),
        )
        for p in ctx.catalog.procedures
    ]
    footer = [command("label_status", "status", lang), command("label_help", "help", lang)]
    tail = [*footer, command("label_other_language", "en" if lang == "ja" else "ja", lang)]
    head = [command("label_continue", "continue", lang)] if state.in_intake() else []
    room = line.MAX_QUICK_REPLIES - len(head) - len(tail)
    actions = [*head, *(item.action for item in items[:room]), *tail]
    bubble = flex.menu(t("menu_title", lang), t("menu_intro", lang), items, footer)
    messages = [line.flex(t("menu_alt", lang), bubble, actions)]
    procedure = ctx.catalog.get(state.procedure_code)
    if state.in_intake() and procedure is not None:
        messages.insert(0, line.text(t("menu_in_intake", lang, procedure=procedure.name.get(lang))))
    return messages


def procedure_name(code: str, ctx: Context, lang: str) -> str:
    procedure = ctx.catalog.get(code)
    return procedure.name.get(lang) if procedure else code


def status_words(status: str, lang: str) -> str:
    key = f"status.{status}"
    return t(key if key in RESIDENT else "status.other", lang)


def submitted_date(app: ApplicationSummary, lang: str) -> str:
    try:
        when = datetime.fromisoformat(app.submitted_at.replace("Z", "+00:00"))
    except ValueError:
        return app.submitted_at[:40]
    local = when.astimezone(JST) if when.tzinfo else when
    return format_date(local.date(), lang)


def application_line(app: ApplicationSummary, ctx: Context, lang: str) -> str:
    name = procedure_name(app.procedure_code, ctx, lang)
    return t("withdraw_line", lang, procedure=name, id=app.application_id, date=submitted_date(app, lang))


def status_text(ctx: Context, lang: str) -> str:
    if not ctx.applications:
        return t("status_none", lang)
    newest = list(reversed(ctx.applications))
    parts = [t("status_header", lang)]
    for n, app in enumerate(newest[:MAX_STATUS_ITEMS], start=1):
        name = procedure_name(app.procedure_code, ctx, lang)
        when = submitted_date(app, lang)
        words = status_words(app.status, lang)
        item = t("status_item", lang, n=n, procedure=name, id=app.application_id, date=when, status=words)
        if app.payment_state and f"payment_state.{app.payment_state}" in RESIDENT:
            state = t(f"payment_state.{app.payment_state}", lang)
            item += "\n" + t("status_payment", lang, amount=yen(app.payment_amount, lang), state=state)
        if app.delivery:
            kind, _, tracking = app.delivery.partition(":")
            if f"delivery_done.{kind}" in RESIDENT:
                how = t(f"delivery_done.{kind}", lang, tracking=tracking)
                item += "\n" + t("status_delivery", lang, how=how)
        parts.append(item)
    if len(newest) > MAX_STATUS_ITEMS:
        parts.append(t("status_more", lang, count=len(newest) - MAX_STATUS_ITEMS))
    return "\n\n".join(parts)


def withdrawable(ctx: Context) -> list[ApplicationSummary]:
    return [a for a in reversed(ctx.applications) if a.status in WITHDRAWABLE]
