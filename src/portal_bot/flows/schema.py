"""The YAML syntax layer of flows: pydantic models of a flow file and a field map, loaded with lines.

A flow is a header (``name``, ``description``, ``env``, ``timeout``, ``errors``) and a list of
steps. Each step is a one-key mapping naming its kind (``- fill: {field: 姓名, value: ...}``), many
with a short form (``- click: 下一步``). The header and the steps may also be two YAML documents
separated by ``---``, as in Maestro. Steps form a discriminated union keyed by that one key, built
from the step kinds' models registered here with ``@registry.syntax`` (see
:mod:`portal_bot.flows.registry`).

Every problem becomes a :class:`~portal_bot.errors.FlowError` pointing at ``path:line``. This module
only parses and validates; it never touches a browser or resolves ``${...}`` variables (that is
:mod:`portal_bot.flows.steps`).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    create_model,
    model_validator,
)

from portal_bot import yamllines
from portal_bot.errors import FlowError
from portal_bot.flows import registry
from portal_bot.i18n import N_, S_, _
from portal_bot.profiles.loader import pydantic_message  # the same words for flows and profiles

YamlPath = yamllines.KeyPath


# --------------------------------------------------------------------------- YAML with line numbers


def load_yaml(path: Path) -> tuple[Any, dict[YamlPath, int]]:
    """Parse a YAML file into plain data plus a map from data path to 1-based line number.

    Two documents (a header mapping, then a list of steps) are merged into one mapping with the
    list under ``steps``.

    Raises:
        FlowError: the file cannot be read or is not valid YAML (duplicate keys included).
    """
    try:
        docs, lines = yamllines.parse(yamllines.read_text(path, unreadable=N_("cannot read flow file")))
    except yamllines.YamlProblem as exc:
        raise FlowError(exc.message, path=path, line=exc.line) from exc
    if not docs:
        raise FlowError(S_("the file is empty"), path=path, line=1)
    if len(docs) == 1:
        return docs[0], lines
    header, steps = docs[0] if len(docs) == 2 else None, docs[-1]
    if not isinstance(header, dict) or not isinstance(steps, list):
        raise FlowError(
            S_("expected one document, or a header and a list of steps separated by ---"),
            path=path,
            line=lines.get((len(docs) - 1,)),
        )
    if "steps" in header:
        raise FlowError(
            S_("steps given twice: in the header and as a second document"),
            path=path,
            line=lines[(0, "steps")],
        )
    header["steps"] = steps
    merged: dict[YamlPath, int] = {}
    for at, line in lines.items():
        merged[("steps", *at[1:]) if at[0] == 1 else at[1:]] = line
    return header, merged


def line_of(data: Any, lines: dict[YamlPath, int], loc: tuple[Any, ...]) -> tuple[YamlPath, int | None]:
    """The data path a pydantic ``loc`` points at (union tags skipped) and its line."""
    at: list[str | int] = []
    cur = data
    for part in loc:
        if isinstance(cur, dict) and part in cur:
            at.append(part)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            at.append(part)
            cur = cur[part]
    for n in range(len(at), -1, -1):
        if tuple(at[:n]) in lines:
            return tuple(at), lines[tuple(at[:n])]
    return tuple(at), None


# --------------------------------------------------------------------------- models


def _text(value: Any) -> Any:
    """YAML writes 0, 3.5, true and dates without quotes; a value given to the site is text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dt.date):  # `value: 2022-06-01` unquoted is a YAML date
        return value.isoformat()
    return value


Text = Annotated[str, BeforeValidator(_text)]
"""A string that may contain ``${namespace.key}`` references."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class VarCondition(_Model):
    """``{var: candidate.category, equals: 院校学生}``; exactly one test."""

    var: str
    equals: Text | None = None
    not_equals: Text | None = None
    in_: list[Text] | None = Field(default=None, alias="in")
    is_null: bool | None = None

    @model_validator(mode="after")
    def _one_test(self) -> VarCondition:
        tests = [t for t in (self.equals, self.not_equals, self.in_, self.is_null) if t is not None]
        if len(tests) != 1:
            raise ValueError(S_("give exactly one of equals, not_equals, in, is_null"))
        return self


class AllCondition(_Model):
    all: list[Condition]


class AnyCondition(_Model):
    any: list[Condition]


class NotCondition(_Model):
    not_: Condition = Field(alias="not")


def _condition_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "expr"
    if isinstance(value, BaseModel):
        return {VarCondition: "var", AllCondition: "all", AnyCondition: "any"}.get(type(value), "not")
    if isinstance(value, dict):
        for key in ("var", "all", "any", "not"):
            if key in value:
                return key
    return None


Condition = Annotated[
    Annotated[str, Tag("expr")]
    | Annotated[VarCondition, Tag("var")]
    | Annotated[AllCondition, Tag("all")]
    | Annotated[AnyCondition, Tag("any")]
    | Annotated[NotCondition, Tag("not")],
    Discriminator(
        _condition_kind,
        custom_error_type="bad_condition",
        # translated where it is shown (_describe)
        custom_error_message=N_("a condition is an expression string or a mapping with var, all, any or not"),
    ),
]
"""A ``when:``: an expression string (``${candidate.promotion} != null``) or a mapping form."""


Say = Callable[[str], str]
"""How :meth:`StepArgs.describe` words a text: :func:`english` (the msgid) or ``_``."""


def english(message: str) -> str:
    """``message`` as written: the English of a description the ledger and the logs keep."""
    return message


#: What a step's description says when it acts on CSS (never shown: a selector says nothing).
_ON_THE_PAGE = N_("a control on the page")
#: The verbs of the field steps' descriptions.
_VERBS = {
    "fill": N_("fill {}"),
    "select": N_("select {}"),
    "choose": N_("choose {}"),
    "upload": N_("upload {}"),
    "check": N_("check {}"),
    "uncheck": N_("uncheck {}"),
}
_HUMAN = {"login": N_("human login"), "signature": N_("human signature"), "confirm": N_("human confirm")}


class StepArgs(_Model):
    """What every long-form step may carry. A kind's model registers with ``@registry.syntax``."""

    SHORT: ClassVar[str | None] = None
    """The key a short form (``- click: 下一步``) fills in."""
    BARE: ClassVar[bool] = False
    """The kind may be written alone (``- stop``, ``- stop:``), without arguments."""

    when: Condition | None = None
    timeout: float | None = Field(default=None, gt=0, description="seconds")

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        if cls.SHORT and isinstance(value, str | int | float) and not isinstance(value, bool):
            return {cls.SHORT: str(value)}
        return value

    def describe(self, kind: str, say: Say = english) -> str:
        """A short description of the step: English for the ledger and logs (``say`` left out), or in
        the language people read with ``say=_`` (progress lines, error messages)."""
        return kind


@registry.syntax("goto")
class GotoArgs(StepArgs):
    url: Text
    SHORT = "url"

    def describe(self, kind: str, say: Say = english) -> str:
        return say(N_("goto {}")).format(self.url)


@registry.syntax("click")
class ClickArgs(StepArgs):
    text: Text | None = None
    css: str | None = None
    role: Literal["button", "link", "any"] = "any"
    submit: bool = False
    SHORT = "text"

    @model_validator(mode="after")
    def _one_target(self) -> ClickArgs:
        if (self.text is None) == (self.css is None):
            raise ValueError(S_("give exactly one of text, css"))
        return self

    def describe(self, kind: str, say: Say = english) -> str:
        # no CSS selector in a progress line
        return say(N_("click {}")).format(self.text or say(_ON_THE_PAGE))


class _FieldTarget(StepArgs):
    field: str | None = None
    css: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> _FieldTarget:
        if (self.field is None) == (self.css is None):
            raise ValueError(S_("give exactly one of field, css"))
        return self

    def describe(self, kind: str, say: Say = english) -> str:
        return say(_VERBS.get(kind, kind + " {}")).format(self.field or say(_ON_THE_PAGE))


@registry.syntax("fill")
class FillArgs(_FieldTarget):
    value: Text
    date: bool = False


@registry.syntax("select")
class SelectArgs(_FieldTarget):
    option: Text


@registry.syntax("uncheck")
@registry.syntax("check")
class CheckArgs(StepArgs):
    field: str | None = None
    option: Text | None = None
    options: list[Text] | Text | None = None
    SHORT = "option"

    @model_validator(mode="after")
    def _some_target(self) -> CheckArgs:
        if self.option is not None and self.options is not None:
            raise ValueError(S_("give option or options, not both"))
        if self.field is None and self.option is None and self.options is None:
            raise ValueError(S_("give a field, an option or options"))
        return self

    def describe(self, kind: str, say: Say = english) -> str:
        what = f"{self.field or ''} {self.option or self.options or ''}".replace("  ", " ").strip()
        return say(_VERBS.get(kind, kind + " {}")).format(what)


@registry.syntax("choose")
class ChooseArgs(_FieldTarget):
    option: Text


@registry.syntax("upload")
class UploadArgs(_FieldTarget):
    file: Text


@registry.syntax("expect")
class ExpectArgs(StepArgs):
    visible: Text | None = None
    hidden: Text | None = None
    css: str | None = None
    url: Text | None = None
    field: str | None = None
    equals: Text | None = None
    contains: Text | None = None
    # what a person is told when a field check fails, in their words; ${vars.shown} is what the page showed
    explain: Text | None = None
    SHORT = "visible"

    @model_validator(mode="after")
    def _one_expectation(self) -> ExpectArgs:
        if sum(x is not None for x in (self.visible, self.hidden, self.css, self.url, self.field)) != 1:
            raise ValueError(S_("give exactly one of visible, hidden, css, url, field"))
        if (self.equals is not None or self.contains is not None) and self.field is None:
            raise ValueError(S_("equals/contains go with field"))
        if self.explain is not None and self.equals is None and self.contains is None:
            raise ValueError(S_("explain goes with a field check (equals/contains)"))
        return self

    def describe(self, kind: str, say: Say = english) -> str:
        what = self.visible or self.hidden or self.url or self.field or say(N_("the page to be ready"))
        return say(N_("expect {}")).format(what)


@registry.syntax("extract")
class ExtractArgs(StepArgs):
    var: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    field: str | None = None
    css: str | None = None
    pattern: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> ExtractArgs:
        if (self.field is None) == (self.css is None):
            raise ValueError(S_("give exactly one of field, css"))
        return self

    def describe(self, kind: str, say: Say = english) -> str:
        return say(N_("read {var} from {where}")).format(
            var=self.var, where=self.field or say(N_("the page"))
        )


@registry.syntax("human")
class HumanArgs(StepArgs):
    kind: Literal["login", "signature", "confirm"]
    until: ExpectArgs
    qr: str | None = None
    message: Text | None = None
    timeout: float | None = Field(default=900, gt=0)

    def describe(self, kind: str, say: Say = english) -> str:
        return say(_HUMAN[self.kind])


@registry.syntax("run_flow")
class RunFlowArgs(StepArgs):
    flow: str
    env: dict[str, Text] = {}
    SHORT = "flow"

    def describe(self, kind: str, say: Say = english) -> str:
        return say(N_("run_flow {}")).format(self.flow)


@registry.syntax("retry")
class RetryArgs(StepArgs):
    attempts: int = Field(default=3, ge=1, le=10)
    delay: float = Field(default=1.0, ge=0)
    max_delay: float = Field(default=30.0, ge=0)
    steps: list[Step]

    def describe(self, kind: str, say: Say = english) -> str:
        return say(N_("retry up to {} times")).format(self.attempts)


class FieldEntry(_Model):
    """One row of a field map: which label gets which value, through which kind of control."""

    label: str
    value: Text | list[Text]
    kind: Literal["text", "select", "choose", "check", "upload", "date"] = "text"
    when: Condition | None = None


@registry.syntax("fill_form")
class FillFormArgs(StepArgs):
    map: str | None = None
    fields: list[FieldEntry] | None = None
    SHORT = "map"

    @model_validator(mode="after")
    def _one_source(self) -> FillFormArgs:
        if (self.map is None) == (self.fields is None):
            raise ValueError(S_("give exactly one of map, fields"))
        return self

    def describe(self, kind: str, say: Say = english) -> str:
        what = self.map or say(N_("{} fields")).format(len(self.fields or []))
        return say(N_("fill_form {}")).format(what)


@registry.syntax("stop")
class StopArgs(StepArgs):
    reason: str | None = None
    SHORT = "reason"
    BARE = True

    def describe(self, kind: str, say: Say = english) -> str:
        return say(N_("stop: {}")).format(self.reason) if self.reason else say(N_("stop"))


@registry.syntax("fail")
class FailArgs(StepArgs):
    message: Text
    SHORT = "message"

    def describe(self, kind: str, say: Say = english) -> str:
        return say(N_("fail: {}")).format(self.message)


# --------------------------------------------------------------------------- the union of steps


class _StepModel(_Model):
    """A step as written: a mapping whose one key is the kind (built per kind by :func:`_step_union`)."""

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, value: Any) -> Any:
        (kind,) = cls.model_fields
        args = registry.get(kind).syntax
        if getattr(args, "BARE", False):
            if value == kind:
                return {kind: {}}
            if isinstance(value, dict) and kind in value and value[kind] is None:
                return {kind: {}}
        return value


def step_kind(value: Any) -> str | None:
    """The discriminator: the one key of a step mapping (or a bare kind such as ``stop``)."""
    if isinstance(value, BaseModel):
        return next(iter(type(value).model_fields))
    known = registry.names()
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        return key if key in known else None
    if isinstance(value, str) and value in known and getattr(registry.get(value).syntax, "BARE", False):
        return value
    return None


def _step_union() -> Any:
    """``Step``: the discriminated union of every registered kind's one-key model."""
    members = []
    for name in registry.names():
        kind = registry.get(name)
        fields: dict[str, Any] = {name: (kind.syntax, ...)}
        wrapper = create_model(
            f"{name.title().replace('_', '')}Step", __base__=_StepModel, __module__=__name__, **fields
        )
        kind.wrapper = wrapper
        members.append(Annotated[wrapper, Tag(name)])
    return Annotated[
        Union[tuple(members)],  # noqa: UP007 - built from a runtime list, not writable with |
        Discriminator(step_kind, custom_error_type="unknown_step", custom_error_message="unknown step"),
    ]


if TYPE_CHECKING:
    Step = BaseModel
else:
    Step = _step_union()


class ErrorsSpec(_Model):
    """Where the site shows validation messages after a submit click."""

    selector: str | None = None
    texts: list[str] = []
    dialogs: bool = True


class FlowFile(_Model):
    name: str
    description: str = ""
    env: dict[str, Text | None] = {}
    timeout: float | None = Field(default=None, gt=0)
    errors: ErrorsSpec | None = None
    steps: list[Step]


class FieldMapFile(_Model):
    description: str = ""
    fields: list[FieldEntry]


RetryArgs.model_rebuild()
for _kind in registry.kinds():
    if _kind.wrapper is not None:
        _kind.wrapper.model_rebuild()
FlowFile.model_rebuild()
AllCondition.model_rebuild()
AnyCondition.model_rebuild()
NotCondition.model_rebuild()


# --------------------------------------------------------------------------- loading


def _describe(err: Any, data: Any, at: YamlPath) -> str:
    """One readable sentence for one pydantic error."""
    kind = err["type"]
    cur = data
    for part in at:
        cur = cur[part]
    names = [p for p in at if isinstance(p, str) and p != "steps"]
    if kind == "extra_forbidden":
        return _("unknown key '{key}' in {where}").format(
            key=err["loc"][-1], where=".".join(names[-3:-1]) or _("the header")
        )
    where = ".".join(names[-2:]) or "flow"
    if kind == "unknown_step":
        if isinstance(cur, dict) and len(cur) == 1:
            name = str(next(iter(cur)))
            close = difflib.get_close_matches(name, registry.names(), n=1)
            if close:
                return _("unknown step '{name}' (did you mean {close}?)").format(name=name, close=close[0])
            return _("unknown step '{}'").format(name)
        if isinstance(cur, dict):
            return _("a step is a mapping with one key, the step kind; got keys {}").format(
                ", ".join(map(str, cur))
            )
        return _("a step is a mapping such as `- click: 下一步`, got {!r}").format(cur)
    if kind == "missing":
        return _("{where}: missing key '{key}'").format(where=where, key=err["loc"][-1])
    # our validators' ValueErrors are already in the current language; a custom error message
    # (N_ above) is translated here; pydantic's own English passes through unchanged
    msg = pydantic_message(err) or _(str(err["msg"]).removeprefix("Value error, "))
    return f"{where}: {msg}"


def _validate(model: type[_Model], data: Any, lines: dict[YamlPath, int], path: Path) -> list[FlowError]:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        problems: list[FlowError] = []
        seen: set[tuple[int | None, str]] = set()
        unknown_step_lines: set[int | None] = set()
        for err in exc.errors():
            at, line = line_of(data, lines, tuple(err["loc"]))
            # a union (conditions, short forms) reports each alternative; one line per place is enough
            message = _describe(err, data, at)
            if (line, message) in seen or line in unknown_step_lines:
                continue
            seen.add((line, message))
            if err["type"] == "unknown_step":
                unknown_step_lines.add(line)
            problems.append(FlowError(message, path=path, line=line))
        return problems
    return []


def parse_flow(path: Path) -> tuple[FlowFile | None, dict[YamlPath, int], list[FlowError]]:
    """Load and validate a flow file: the model (None when invalid), the line map and all problems."""
    data, lines = load_yaml(path)
    if not isinstance(data, dict):
        return None, lines, [FlowError(S_("a flow is a mapping with name and steps"), path=path, line=1)]
    problems = _validate(FlowFile, data, lines, path)
    if problems:
        return None, lines, problems
    return FlowFile.model_validate(data), lines, []


def parse_field_map(path: Path) -> tuple[FieldMapFile | None, dict[YamlPath, int], list[FlowError]]:
    """Load and validate a field map file (a list of entries, or a mapping with ``fields:``)."""
    data, lines = load_yaml(path)
    if isinstance(data, list):
        data = {"fields": data}
        lines = {("fields", *k): v for k, v in lines.items()}
    problems = _validate(FieldMapFile, data, lines, path)
    if problems:
        return None, lines, problems
    return FieldMapFile.model_validate(data), lines, []
