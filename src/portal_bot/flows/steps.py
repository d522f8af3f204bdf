"""Runtime steps: flow files compiled from the syntax layer, with variables and conditions resolved.

Compiling turns :mod:`portal_bot.flows.schema` models into small frozen dataclasses the runner
executes: ``${namespace.key}`` strings become :class:`Template` objects, ``when:`` conditions
become :class:`Cond` trees, ``run_flow`` targets and ``fill_form`` maps are loaded (relative to the
flow file) so a missing file is a load-time error at ``path:line``. Each kind's compiler registers
with ``@registry.compiler`` at the end of this module.

Templates, the context and conditions live in :mod:`portal_bot.flows.values` (re-exported here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from portal_bot.errors import FlowError
from portal_bot.flows import registry, schema
from portal_bot.flows.values import (
    NAMESPACES,
    Cond,
    Context,
    Template,
    Undefined,
    Where,
    as_text,
    compile_condition,
)
from portal_bot.i18n import N_, S_, Said, _

__all__ = [
    "NAMESPACES",
    "Click",
    "Expect",
    "Extract",
    "Fail",
    "FieldAction",
    "FillForm",
    "Goto",
    "Human",
    "Retry",
    "RunFlow",
    "StepArgs",
    "Stop",
    "Tick",
    "Cond",
    "Context",
    "Expectation",
    "Flow",
    "FormEntry",
    "RuntimeStep",
    "Target",
    "Template",
    "Undefined",
    "Where",
    "as_text",
    "compile_condition",
    "compile_field_map_for_check",
    "fill_form_entries",
    "compile_for_check",
    "load_flow",
]

# --------------------------------------------------------------------------- runtime steps

Kind = Literal["text", "select", "choose", "check", "upload", "date"]


@dataclass(frozen=True)
class Target:
    """What a step acts on: a field by its label, a button/link by its text, or CSS (last resort)."""

    field: str | None = None
    text: Template | None = None
    css: str | None = None
    role: str = "any"

    def describe(self) -> str:
        if self.field is not None:
            return f"field {self.field}"
        if self.text is not None:
            return f"'{self.text.source}'"
        return f"css {self.css}"


@dataclass(frozen=True)
class Expectation:
    visible: Template | None = None
    hidden: Template | None = None
    css: str | None = None
    url: Template | None = None
    field: str | None = None
    equals: Template | None = None
    contains: Template | None = None
    explain: Template | None = None

    def describe(self) -> str:
        """What is awaited, in the language people read, keeping its English (a human step's
        timeout names it)."""
        for name, words in (
            ("visible", N_("{} to show")),
            ("hidden", N_("{} to go")),
            ("url", N_("an address with {}")),
        ):
            t = getattr(self, name)
            if t is not None:
                return S_(words).format(t.source)
        if self.css is not None:
            return f"css {self.css}"
        test = self.equals or self.contains
        return S_("field {}").format(self.field) + (f" = {test.source}" if test else "")


@dataclass(frozen=True)
class FormEntry:
    label: str
    kind: Kind
    value: Template | tuple[Template, ...]
    when: Cond | None
    where: Where


@dataclass(frozen=True)
class Goto:
    url: Template


@dataclass(frozen=True)
class Click:
    target: Target
    submit: bool


@dataclass(frozen=True)
class FieldAction:
    """fill, select, choose and upload: a target and the value (text, option or file)."""

    target: Target
    value: Template
    date: bool = False


@dataclass(frozen=True)
class Tick:
    """check and uncheck."""

    field: str | None
    options: Template | tuple[Template, ...] | None


@dataclass(frozen=True)
class Expect:
    expect: Expectation


@dataclass(frozen=True)
class Extract:
    var: str
    target: Target
    pattern: str | None


@dataclass(frozen=True)
class Human:
    kind: Literal["login", "signature", "confirm"]
    until: Expectation
    qr: str | None
    message: Template | None


@dataclass(frozen=True)
class RunFlow:
    name: str
    flow: Flow | None  # None only while collecting problems for `flows check`
    env: dict[str, Template]


@dataclass(frozen=True)
class Retry:
    attempts: int
    delay: float
    max_delay: float
    steps: tuple[RuntimeStep, ...]


@dataclass(frozen=True)
class FillForm:
    fields: tuple[FormEntry, ...]
    map: str | None = None  # the field map file named, None for inline fields


@dataclass(frozen=True)
class Stop:
    reason: str | None


@dataclass(frozen=True)
class Fail:
    message: Template


StepArgs = (
    Goto | Click | FieldAction | Tick | Expect | Extract | Human | RunFlow | Retry | FillForm | Stop | Fail
)


@dataclass(frozen=True)
class RuntimeStep:
    """One executable step. ``args`` holds the kind-specific part."""

    kind: str
    where: Where
    index: int
    when: Cond | None
    timeout: float | None
    args: StepArgs
    description: str  # English: the ledger's steps and the logs
    said: str  # the description in the language people read (a Said: its English is description)

    @property
    def terminal(self) -> bool:
        return self.kind in ("stop", "fail") and self.when is None


@dataclass(frozen=True)
class Flow:
    name: str
    description: str
    path: Path
    env: dict[str, Template | None]
    timeout: float | None
    errors: schema.ErrorsSpec | None
    steps: tuple[RuntimeStep, ...]


def fill_form_entries(flow: Flow) -> list[FormEntry]:
    """The entries of every ``fill_form`` step of ``flow``, in order, inside ``retry`` and ``run_flow``.

    What the flow types into the form is what its preview must show: the preview check reads its
    expectations here, so pointing the flow at another field map moves the check with it.
    """
    entries: list[FormEntry] = []

    def walk(steps: tuple[RuntimeStep, ...]) -> None:
        for step in steps:
            args = step.args
            if isinstance(args, FillForm):
                entries.extend(args.fields)
            elif isinstance(args, Retry):
                walk(args.steps)
            elif isinstance(args, RunFlow) and args.flow is not None:
                walk(args.flow.steps)

    walk(flow.steps)
    return entries


class Problems:
    """Collects errors (``flows check``) or raises the first one (loading for a run)."""

    def __init__(self, collect: bool) -> None:
        self.collect = collect
        self.items: list[FlowError] = []

    def add(self, err: FlowError) -> None:
        if not self.collect:
            raise err
        self.items.append(err)


def load_flow(path: Path) -> Flow:
    """Load, validate and compile a flow with every ``run_flow`` it names.

    Raises:
        FlowError: the first problem, as ``path:line: message``.
    """
    flow = _load(Path(path), Problems(collect=False), ())
    assert flow is not None  # with collect=False every problem raised instead
    return flow


def compile_for_check(path: Path) -> tuple[Flow | None, list[FlowError]]:
    """Like :func:`load_flow`, but collect every problem instead of stopping at the first."""
    problems = Problems(collect=True)
    try:
        flow = _load(Path(path), problems, ())
    except FlowError as exc:  # the file itself cannot be read or parsed
        problems.items.append(exc)
        flow = None
    return flow, problems.items


def compile_field_map_for_check(path: Path) -> tuple[list[FormEntry], list[FlowError]]:
    """A field map file on its own: its entries (templates, conditions) and every problem."""
    problems = Problems(collect=True)
    try:
        model, lines, errs = schema.parse_field_map(Path(path))
    except FlowError as exc:
        return [], [exc]
    for e in errs:
        problems.add(e)
    if model is None:
        return [], problems.items
    c = _Compiler(Path(path), lines, problems, ())
    return [c.entry(e, ("fields", j), c) for j, e in enumerate(model.fields)], problems.items


def _load(path: Path, problems: Problems, stack: tuple[Path, ...]) -> Flow | None:
    model, lines, errs = schema.parse_flow(path)
    for e in errs:
        problems.add(e)
    if model is None:
        return None
    compiler = _Compiler(path, lines, problems, (*stack, path.resolve()))
    env: dict[str, Template | None] = {}
    for key, value in model.env.items():
        t = compiler.template(value, ("env", key)) if value is not None else None
        env[key] = t
    steps = compiler.steps(model.steps, ("steps",))
    return Flow(model.name, model.description, path, env, model.timeout, model.errors, tuple(steps))


class _Compiler:
    def __init__(
        self, path: Path, lines: dict[schema.YamlPath, int], problems: Problems, stack: tuple[Path, ...]
    ):
        self.path, self.lines, self.problems, self.stack = path, lines, problems, stack

    def where(self, at: schema.YamlPath) -> Where:
        for n in range(len(at), -1, -1):
            if at[:n] in self.lines:
                return Where(self.path, self.lines[at[:n]])
        return Where(self.path, None)

    def template(self, source: str, at: schema.YamlPath) -> Template:
        where = self.where(at)
        try:
            return Template.parse(source, where)
        except FlowError as exc:
            self.problems.add(exc)
            return Template(source, where, (source,))

    def cond(self, cond: schema.Condition | None, at: schema.YamlPath) -> Cond | None:
        if cond is None:
            return None
        try:
            return compile_condition(cond, self.where(at))
        except FlowError as exc:
            self.problems.add(exc)
            return None

    def steps(self, steps: list[Any], at: schema.YamlPath) -> list[RuntimeStep]:
        out = []
        for i, step in enumerate(steps):
            kind = schema.step_kind(step)
            assert kind is not None
            args = getattr(step, kind)
            here = (*at, i, kind)
            compiled = self.step(kind, args, here)
            where = self.where((*at, i))
            out.append(
                RuntimeStep(
                    kind,
                    where,
                    i,
                    self.cond(args.when, (*here, "when")),
                    args.timeout,
                    compiled,
                    args.describe(kind),
                    Said(args.describe(kind, _), args.describe(kind)),
                )
            )
        return out

    def step(self, kind: str, a: Any, at: schema.YamlPath) -> StepArgs:
        compile_ = registry.get(kind).compile
        if compile_ is None:
            raise RuntimeError(f"step kind {kind} has no compiler registered")
        compiled: StepArgs = compile_(self, a, at)
        return compiled

    def expectation(self, a: schema.ExpectArgs, at: schema.YamlPath) -> Expectation:
        def opt(name: str) -> Template | None:
            v = getattr(a, name)
            return self.template(v, (*at, name)) if v is not None else None

        return Expectation(
            opt("visible"),
            opt("hidden"),
            a.css,
            opt("url"),
            a.field,
            opt("equals"),
            opt("contains"),
            opt("explain"),
        )

    def run_flow(self, a: schema.RunFlowArgs, at: schema.YamlPath) -> RunFlow:
        target = (self.path.parent / a.flow).resolve()
        where = self.where((*at, "flow"))
        env = {k: self.template(v, (*at, "env", k)) for k, v in a.env.items()}
        if target in self.stack:
            self.problems.add(
                where.error(S_("run_flow {} calls itself (directly or through others)").format(a.flow))
            )
            return RunFlow(a.flow, None, env)
        if not target.is_file():
            self.problems.add(where.error(S_("run_flow: no flow file {} beside this flow").format(a.flow)))
            return RunFlow(a.flow, None, env)
        sub = _load(target, self.problems, self.stack)
        if sub is not None:
            for key in env:
                if key not in sub.env:
                    self.problems.add(
                        self.where((*at, "env", key)).error(
                            S_("run_flow: {flow} declares no env {key}").format(flow=a.flow, key=key)
                        )
                    )
        return RunFlow(a.flow, sub, env)

    def form(self, a: schema.FillFormArgs, at: schema.YamlPath) -> list[FormEntry]:
        if a.fields is not None:
            return [self.entry(e, (*at, "fields", j), self) for j, e in enumerate(a.fields)]
        assert a.map is not None
        target = self.path.parent / a.map
        if not target.is_file():
            self.problems.add(
                self.where((*at, "map")).error(
                    S_("fill_form: no field map {} beside this flow").format(a.map)
                )
            )
            return []
        try:
            model, lines, errs = schema.parse_field_map(target)
        except FlowError as exc:
            self.problems.add(exc)
            return []
        for e in errs:
            self.problems.add(e)
        if model is None:
            return []
        sub = _Compiler(target, lines, self.problems, self.stack)
        return [sub.entry(e, ("fields", j), sub) for j, e in enumerate(model.fields)]

    def entry(self, e: schema.FieldEntry, at: schema.YamlPath, c: _Compiler) -> FormEntry:
        if isinstance(e.value, list):
            value: Template | tuple[Template, ...] = tuple(
                c.template(v, (*at, "value", j)) for j, v in enumerate(e.value)
            )
        else:
            value = c.template(e.value, (*at, "value"))
        return FormEntry(e.label, e.kind, value, c.cond(e.when, (*at, "when")), c.where(at))


# --------------------------------------------------------------------------- one compiler per kind
# Each registers the dataclass it builds; registry.py lists what else a kind needs.


@registry.compiler("goto", Goto)
def _goto(c: _Compiler, a: schema.GotoArgs, at: schema.YamlPath) -> Goto:
    return Goto(c.template(a.url, (*at, "url")))


@registry.compiler("click", Click)
def _click(c: _Compiler, a: schema.ClickArgs, at: schema.YamlPath) -> Click:
    text = c.template(a.text, (*at, "text")) if a.text is not None else None
    return Click(Target(None, text, a.css, a.role), a.submit)


def _field_action(key: str) -> Any:
    def compile_(c: _Compiler, a: Any, at: schema.YamlPath) -> FieldAction:
        date = bool(getattr(a, "date", False))
        return FieldAction(Target(a.field, None, a.css), c.template(getattr(a, key), (*at, key)), date)

    return compile_


registry.compiler("fill", FieldAction)(_field_action("value"))
registry.compiler("select", FieldAction)(_field_action("option"))
registry.compiler("choose", FieldAction)(_field_action("option"))
registry.compiler("upload", FieldAction)(_field_action("file"))


@registry.compiler("check", Tick)
@registry.compiler("uncheck", Tick)
def _tick(c: _Compiler, a: schema.CheckArgs, at: schema.YamlPath) -> Tick:
    opts: Template | tuple[Template, ...] | None
    if a.option is not None:
        opts = (c.template(a.option, (*at, "option")),)
    elif isinstance(a.options, list):
        opts = tuple(c.template(o, (*at, "options", j)) for j, o in enumerate(a.options))
    elif a.options is not None:
        opts = c.template(a.options, (*at, "options"))
    else:
        opts = None
    return Tick(a.field, opts)


@registry.compiler("expect", Expect)
def _expect(c: _Compiler, a: schema.ExpectArgs, at: schema.YamlPath) -> Expect:
    return Expect(c.expectation(a, at))


@registry.compiler("extract", Extract)
def _extract(c: _Compiler, a: schema.ExtractArgs, at: schema.YamlPath) -> Extract:
    if a.pattern is not None:
        try:
            re.compile(a.pattern)
        except re.error as exc:
            c.problems.add(c.where((*at, "pattern")).error(S_("bad pattern: {}").format(exc)))
    return Extract(a.var, Target(a.field, None, a.css), a.pattern)


@registry.compiler("human", Human)
def _human(c: _Compiler, a: schema.HumanArgs, at: schema.YamlPath) -> Human:
    message = c.template(a.message, (*at, "message")) if a.message is not None else None
    return Human(a.kind, c.expectation(a.until, (*at, "until")), a.qr, message)


@registry.compiler("run_flow", RunFlow)
def _run_flow(c: _Compiler, a: schema.RunFlowArgs, at: schema.YamlPath) -> RunFlow:
    return c.run_flow(a, at)


@registry.compiler("retry", Retry)
def _retry(c: _Compiler, a: schema.RetryArgs, at: schema.YamlPath) -> Retry:
    return Retry(a.attempts, a.delay, a.max_delay, tuple(c.steps(a.steps, (*at, "steps"))))


@registry.compiler("fill_form", FillForm)
def _fill_form(c: _Compiler, a: schema.FillFormArgs, at: schema.YamlPath) -> FillForm:
    return FillForm(tuple(c.form(a, at)), a.map)


@registry.compiler("stop", Stop)
def _stop(c: _Compiler, a: schema.StopArgs, at: schema.YamlPath) -> Stop:
    return Stop(a.reason)


@registry.compiler("fail", Fail)
def _fail(c: _Compiler, a: schema.FailArgs, at: schema.YamlPath) -> Fail:
    return Fail(c.template(a.message, (*at, "message")))
