"""The procedure catalog: which documents a resident can request and what to ask for each.

The catalog is data (catalog/procedures.yaml). These models validate it once at start-up so the
conversation can trust it: a new procedure is a YAML change only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

# Quick replies allow 13 buttons and labels of 20 characters; postback data is limited to 300
# characters, so codes, ids and option values are kept short and plain.
MAX_LABEL = 20
MAX_OPTIONS = 13
MAX_PROCEDURES = 40
RESERVED_QUESTION_IDS = frozenset({"delivery"})

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
OptionValue = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]{0,31}$")]
Label = Annotated[str, StringConstraints(min_length=1, max_length=MAX_LABEL, strip_whitespace=True)]
Prose = Annotated[str, StringConstraints(min_length=1, max_length=1000, strip_whitespace=True)]

QuestionType = Literal["choice", "text", "date", "number", "yesno"]
TextPattern = Literal["kana", "phone"]
Delivery = Literal["mail", "digital"]
IdentityMethod = Literal["id_photo", "jpki"]


class CatalogError(Exception):
    """The catalog file is missing, not YAML, or does not describe valid procedures."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Frozen):
    ja: Prose
    en: Prose

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.ja


class ShortText(Text):
    ja: Label
    en: Label


class Option(_Frozen):
    value: OptionValue
    label: ShortText


class When(_Frozen):
    question: Identifier
    equals: str


class Question(_Frozen):
    id: Identifier
    type: QuestionType
    label: ShortText
    prompt: Text
    required: bool = True
    when: When | None = None
    options: tuple[Option, ...] = ()
    max_length: int | None = Field(default=None, ge=1, le=1000)
    pattern: TextPattern | None = None
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0, le=999)

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


class Procedure(_Frozen):
    code: Identifier
    name: Text
    label: ShortText
    description: Text
    fee_per_copy: int = Field(ge=0, le=100_000)
    identity_method: IdentityMethod
    delivery: tuple[Delivery, ...] = Field(min_length=1)
    questions: tuple[Question, ...] = Field(min_length=1)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


class Catalog(_Frozen):
    procedures: tuple[Procedure, ...] = Field(min_length=1, max_length=MAX_PROCEDURES)

    def get(self, code: str | None) -> Procedure | None:
        return next((p for p in self.procedures if p.code == code), None)


def load_catalog(path: str | Path) -> Catalog:
    """Read and validate a catalog file; every problem names the file, procedure and field."""
    import yaml  # imported here: workflow code only uses the models, never the loader

    source = str(path)
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"{source}: cannot read the catalog: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"{source}: not valid YAML: {exc}") from exc
    return parse_catalog(raw, source)


def parse_catalog(raw: Any, source: str = "<catalog>") -> Catalog:
    """Validate already-parsed catalog data (a dict with a `procedures` list)."""
    try:
        catalog = Catalog.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(_describe(exc, raw, source)) from exc
    for procedure in catalog.procedures:
        _check_procedure(procedure, source)
    seen: set[str] = set()
    for procedure in catalog.procedures:
        if procedure.code in seen:
            _fail(source, procedure, None, "code", "duplicate procedure code")
        seen.add(procedure.code)
    return catalog


def _describe(exc: ValidationError, raw: Any, source: str) -> str:
    lines = [f"{source}: invalid catalog"]
    locs = [tuple(e["loc"]) for e in exc.errors()]
    for error, loc in zip(exc.errors(), locs, strict=True):
        # A list whose item failed is also reported as "too short after validation": keep the item's.
        if any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs):
            continue
        place, field = _locate(raw, loc)
        lines.append(f"  {place}, field {field!r}: {error['msg']}")
    return "\n".join(lines)


def _locate(raw: Any, loc: tuple[int | str, ...]) -> tuple[str, str]:
    """Name the procedure (by code) and question (by id) a pydantic error location points into."""
    where: list[str] = []
    field: list[str] = []
    node = raw
    for parent, part in zip(("", *loc), loc, strict=False):
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            if parent in ("procedures", "questions") and isinstance(node, dict):
                kind, key = ("procedure", "code") if parent == "procedures" else ("question", "id")
                where.append(f"{kind} {node.get(key, f'#{part + 1}')!r}")
                field = []
                continue
        else:
            node = None
        field.append(str(part))
    return ", ".join(where) or "top level", ".".join(field) or "(whole)"


def _fail(source: str, procedure: Procedure, question: Question | None, field: str, msg: str) -> None:
    where = f"procedure {procedure.code!r}"
    if question is not None:
        where += f", question {question.id!r}"
    raise CatalogError(f"{source}: {where}, field {field!r}: {msg}")


def _check_procedure(procedure: Procedure, source: str) -> None:
    if len(set(procedure.delivery)) != len(procedure.delivery):
        _fail(source, procedure, None, "delivery", "a delivery method is listed twice")
    earlier: dict[str, Question] = {}
    for question in procedure.questions:
        if question.id in earlier:
            _fail(source, procedure, question, "id", "duplicate question id")
        if question.id in RESERVED_QUESTION_IDS:
            _fail(source, procedure, question, "id", "reserved: delivery is asked from `delivery`")
        _check_question(procedure, question, earlier, source)
        earlier[question.id] = question
    copies = procedure.question("copies")
    if copies is not None and copies.type != "number":
        _fail(source, procedure, copies, "type", "the `copies` question must be a number")


def _check_question(procedure: Procedure, q: Question, earlier: dict[str, Question], source: str) -> None:
    def fail(field: str, msg: str) -> None:
        _fail(source, procedure, q, field, msg)

    if q.type == "choice":
        if not q.options:
            fail("options", "a choice question needs options")
        if len(q.options) > MAX_OPTIONS:
            fail("options", f"at most {MAX_OPTIONS} options (LINE quick reply limit)")
        if len({o.value for o in q.options}) != len(q.options):
            fail("options", "duplicate option value")
    elif q.options:
        fail("options", f"only choice questions have options, this one is {q.type!r}")
    if q.type != "text" and (q.pattern is not None or q.max_length is not None):
        fail("pattern" if q.pattern else "max_length", "only text questions have this field")
    if q.type != "number" and (q.min is not None or q.max is not None):
        fail("min" if q.min is not None else "max", "only number questions have min and max")
    if q.type == "number" and (q.min is None or q.max is None or q.min > q.max):
        fail("max", "a number question needs min <= max")
    if q.when is not None:
        target = earlier.get(q.when.question)
        if target is None:
            fail("when.question", f"unknown question {q.when.question!r} (it must come earlier)")
        elif target.type == "choice" and target.option(q.when.equals) is None:
            fail("when.equals", f"{q.when.equals!r} is not an option of {target.id!r}")
        elif target.type == "yesno" and q.when.equals not in ("yes", "no"):
            fail("when.equals", "a yesno question is answered 'yes' or 'no'")
        elif target.type not in ("choice", "yesno"):
            fail("when.question", "conditions can only refer to choice or yesno questions")
