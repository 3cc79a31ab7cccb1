"""Which question comes next, how an answer is read, and how it is shown back to the resident."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from domain.catalog import Option, Procedure, Question, ShortText, Text
from domain.commands import yes_no
from domain.dates import format_date
from domain.errors import ParseError
from domain.parsing import (
    normalize_command,
    parse_count,
    parse_date,
    parse_kana,
    parse_phone,
    parse_text,
    within,
)
from messages.i18n import both
from messages.texts import RESIDENT, t

DEFAULT_MAX_LENGTH = 100
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
SKIPPED = ""  # stored answer of an optional question the resident skipped


def delivery_question(procedure: Procedure) -> Question | None:
    """Asked only when the procedure offers more than one way to receive the document."""
    if len(procedure.delivery) < 2:
        return None
    return Question(
        id="delivery",
        type="choice",
        label=ShortText(**both(RESIDENT, "delivery_label")),
        prompt=Text(**both(RESIDENT, "delivery_prompt")),
        options=tuple(Option(value=d, label=ShortText(**both(RESIDENT, f"delivery.{d}"))) for d in procedure.delivery),
    )


def initial_answers(procedure: Procedure) -> dict[str, str]:
    return {"delivery": procedure.delivery[0]} if len(procedure.delivery) == 1 else {}


def all_questions(procedure: Procedure) -> list[Question]:
    extra = delivery_question(procedure)
    return [*procedure.questions, *([extra] if extra else [])]


def find_question(procedure: Procedure, question_id: str | None) -> Question | None:
    return next((q for q in all_questions(procedure) if q.id == question_id), None)


def relevant_questions(procedure: Procedure, answers: Mapping[str, str]) -> list[Question]:
    """The questions that apply given the answers so far (a `when` names an earlier question)."""
    relevant: list[Question] = []
    ids: set[str] = set()
    for q in all_questions(procedure):
        if q.when is None or (q.when.question in ids and answers.get(q.when.question) == q.when.equals):
            relevant.append(q)
            ids.add(q.id)
    return relevant


def next_question(procedure: Procedure, answers: Mapping[str, str]) -> Question | None:
    return next((q for q in relevant_questions(procedure, answers) if q.id not in answers), None)


def prune(procedure: Procedure, answers: Mapping[str, str]) -> dict[str, str]:
    """Drop answers that a changed `when` made irrelevant; keep the automatic delivery."""
    keep = {q.id for q in relevant_questions(procedure, answers)} | set(initial_answers(procedure))
    return {k: v for k, v in answers.items() if k in keep}


def answered(procedure: Procedure, answers: Mapping[str, str]) -> list[Question]:
    return [q for q in relevant_questions(procedure, answers) if q.id in answers]


def copies(procedure: Procedure, answers: Mapping[str, str]) -> int:
    return _small_int(answers.get("copies", "")) or 1


def _small_int(value: str) -> int | None:
    """ASCII digits only: str.isdigit() is also true for "²", which int() refuses."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 4 else None


def today_bounds(today: date) -> tuple[date, date]:
    return EARLIEST_BIRTH_DATE, today


def parse_typed(question: Question, text: str, today: date) -> str | ParseError:
    """A typed answer as the string stored in the state, or why it cannot be accepted."""
    if question.type == "number":
        count = parse_count(text, question.min or 0, question.max or 0)
        return count if isinstance(count, ParseError) else str(count)
    if question.type == "date":
        return _checked_date(parse_date(text), today)
    if question.type == "yesno":
        answer = yes_no(text)
        return ParseError("yesno_unknown") if answer is None else ("yes" if answer else "no")
    if question.type == "choice":
        return _choice(question, text)
    if question.pattern == "kana":
        return parse_kana(text, question.max_length or DEFAULT_MAX_LENGTH)
    if question.pattern == "phone":
        return parse_phone(text)
    return parse_text(text, question.max_length or DEFAULT_MAX_LENGTH)


def parse_posted(question: Question, value: str, params: Mapping[str, str], today: date) -> str | ParseError | None:
    """An answer from one of our buttons; None when the button could not have been ours."""
    if question.type == "choice":
        return value if question.option(value) is not None else None
    if question.type == "yesno":
        return value if value in ("yes", "no") else None
    if question.type == "number":
        number = _small_int(value)
        in_range = number is not None and (question.min or 0) <= number <= (question.max or 0)
        return str(number) if in_range else None
    if question.type == "date" and "date" in params:
        return _checked_date(parse_date(params), today)
    return None


def _checked_date(parsed: date | ParseError, today: date) -> str | ParseError:
    if isinstance(parsed, ParseError):
        return parsed
    checked = within(parsed, *today_bounds(today))
    return checked if isinstance(checked, ParseError) else checked.isoformat()


def _choice(question: Question, text: str) -> str | ParseError:
    key = normalize_command(text)
    for index, option in enumerate(question.options, start=1):
        names = {
            option.value,
            str(index),
            normalize_command(option.label.ja),
            normalize_command(option.label.en),
        }
        if key in names:
            return option.value
    return ParseError("choice_unknown")


def display(question: Question, value: str, language: str) -> str:
    """An answer as the resident reads it on the card."""
    if value == SKIPPED:
        return t("skipped", language)
    if question.type == "choice":
        option = question.option(value)
        return option.label.get(language) if option else value
    if question.type == "yesno":
        return t("yes" if value == "yes" else "no", language)
    if question.type == "date":
        parsed = parse_date({"date": value})
        return value if isinstance(parsed, ParseError) else format_date(parsed, language)
    return value
