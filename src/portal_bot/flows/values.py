"""Values in flows: the variable context, ``${...}`` templates and ``when:`` conditions.

Variables live in five namespaces: ``candidate``, ``plan``, ``prepared`` (documents made for the
run, e.g. ``prepared.photo``), ``env`` (the header's env, overridden by ``run_flow`` or the caller)
and ``vars`` (values taken from the page by ``extract``). A condition is parsed into a small tree
and evaluated by walking it: nothing here ever calls ``eval()`` or imports what a flow names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal_bot.errors import FlowError
from portal_bot.flows import schema
from portal_bot.i18n import S_

NAMESPACES = ("candidate", "plan", "prepared", "env", "vars")
_REF = re.compile(r"\$\$\{|\$\{([^}]*)\}")  # an escaped $${, or a reference
_NAME = re.compile(r"^[A-Za-z_]\w*(\.[\w\-]+)*$")


class Undefined(KeyError):
    """A variable a template names is not in the context."""


@dataclass
class Context:
    """The values a flow reads: one per namespace. ``vars`` receives what ``extract`` steps take."""

    candidate: Any = field(default_factory=dict)
    plan: Any = field(default_factory=dict)
    prepared: Any = field(default_factory=dict)
    env: dict[str, Any] = field(default_factory=dict)
    vars: dict[str, Any] = field(default_factory=dict)

    def lookup(self, name: str) -> Any:
        """The value of ``namespace.key.sub``; mappings by key, objects by attribute, lists by index.

        Raises:
            Undefined: the namespace or a key along the way does not exist.
        """
        head, *rest = name.split(".")
        if head not in NAMESPACES:
            raise Undefined(name)
        value: Any = getattr(self, head)
        for part in rest:
            if isinstance(value, Mapping):
                if part not in value:
                    raise Undefined(name)
                value = value[part]
            elif isinstance(value, list | tuple) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            elif value is not None and not isinstance(value, str | int | float) and hasattr(value, part):
                value = getattr(value, part)
            else:
                raise Undefined(name)
        return value

    def child(self, env: dict[str, Any]) -> Context:
        """The context of a sub-flow: its own env, the same data and the same extracted vars."""
        return Context(self.candidate, self.plan, self.prepared, env, self.vars)


def as_text(value: Any) -> str:
    """How a value is typed into the site: None → '', booleans → 是/否, dates ISO, lists with 、."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(as_text(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class Where:
    """Where a step or template comes from, for error messages."""

    path: Path
    line: int | None

    def error(self, message: str, hint: str | None = None) -> FlowError:
        return FlowError(message, path=self.path, line=self.line, hint=hint)


@dataclass(frozen=True)
class Template:
    """A string with ``${...}`` references; ``$${`` writes a literal ``${``."""

    source: str
    where: Where
    parts: tuple[str | tuple[str], ...]

    @classmethod
    def parse(cls, source: str, where: Where) -> Template:
        parts: list[str | tuple[str]] = []
        literal, pos = "", 0
        for m in _REF.finditer(source):
            literal += source[pos : m.start()]
            pos = m.end()
            if m.group(1) is None:  # $${ writes a literal ${
                literal += "${"
                continue
            name = m.group(1).strip()
            if not _NAME.match(name) or name.split(".")[0] not in NAMESPACES:
                raise where.error(
                    S_("bad variable {}").format("${" + m.group(1) + "}"),
                    hint=S_(
                        "write ${candidate.key}, ${plan.key}, ${prepared.key}, ${env.KEY} or ${vars.name}"
                    ),
                )
            parts += [literal, (name,)]
            literal = ""
        parts.append(literal + source[pos:])
        return cls(source, where, tuple(p for p in parts if p != ""))

    @property
    def names(self) -> list[str]:
        return [p[0] for p in self.parts if isinstance(p, tuple)]

    def value(self, ctx: Context) -> Any:
        """The raw value when the template is exactly one reference (lists stay lists), else text."""
        if len(self.parts) == 1 and isinstance(self.parts[0], tuple):
            return self._get(ctx, self.parts[0][0])
        return self.render(ctx)

    def render(self, ctx: Context) -> str:
        return "".join(p if isinstance(p, str) else as_text(self._get(ctx, p[0])) for p in self.parts)

    def _get(self, ctx: Context, name: str) -> Any:
        try:
            return ctx.lookup(name)
        except Undefined:
            raise self.where.error(
                S_("undefined variable {}").format("${" + name + "}"),
                hint=S_("give it in the candidate profile, the plan, env, or extract it first"),
            ) from None


# --------------------------------------------------------------------------- conditions

_OPERAND = r"\$\{[^}]*\}|'[^']*'|\"[^\"]*\"|[^\s=!]+"
_EXPR = re.compile(rf"^\s*(?P<left>{_OPERAND})\s*(?:(?P<op>==|!=)\s*(?P<right>{_OPERAND}))?\s*$")
_LITERALS: dict[str, Any] = {"null": None, "none": None, "~": None, "true": True, "false": False}


@dataclass(frozen=True)
class Cond:
    """A compiled condition: ``op`` is truthy, ==, !=, in, is_null, all, any or not."""

    op: str
    args: tuple[Any, ...]

    def holds(self, ctx: Context) -> bool:
        if self.op == "all":
            return all(c.holds(ctx) for c in self.args)
        if self.op == "any":
            return any(c.holds(ctx) for c in self.args)
        if self.op == "not":
            return not self.args[0].holds(ctx)
        values = [_operand(a, ctx) for a in self.args]
        if self.op == "truthy":
            return bool(values[0] not in (None, False, "", [], {}, 0))
        if self.op == "is_null":
            return bool((values[0] is None) == values[1])
        if self.op == "in":
            return as_text(values[0]) in {as_text(v) for v in values[1]}
        left, right = values
        if left is None or right is None:
            same = left is None and right is None
        else:
            same = as_text(left) == as_text(right)
        return same if self.op == "==" else not same

    def names(self) -> list[str]:
        out: list[str] = []
        for a in self.args:
            if isinstance(a, Cond):
                out += a.names()
            elif isinstance(a, _Var):
                out.append(a.name)
        return out


@dataclass(frozen=True)
class _Var:
    name: str


def _operand(arg: Any, ctx: Context) -> Any:
    """A variable's value (missing counts as null in a condition) or a literal."""
    if isinstance(arg, _Var):
        try:
            return ctx.lookup(arg.name)
        except Undefined:
            return None
    return arg


def _parse_operand(token: str, where: Where) -> Any:
    if token.startswith("${"):
        name = token[2:-1].strip()
        if not _NAME.match(name) or name.split(".")[0] not in NAMESPACES:
            raise where.error(S_("bad variable {} in condition").format(token))
        return _Var(name)
    if token[:1] in "'\"":
        return token[1:-1]
    return _LITERALS.get(token.lower(), token)


def compile_condition(cond: schema.Condition, where: Where) -> Cond:
    """Parse a ``when:`` (string or mapping form) into a :class:`Cond`.

    Raises:
        FlowError: the expression is not ``${x}``, ``not ${x}``, ``${x} == v`` or ``${x} != v``.
    """
    if isinstance(cond, str):
        text = cond.strip()
        negate = False
        for prefix in ("not ", "!"):
            if text.startswith(prefix) and not text.startswith("!="):
                negate, text = True, text[len(prefix) :].strip()
        m = _EXPR.match(text)
        if not m:
            raise where.error(
                S_("cannot read condition {!r}").format(cond),
                hint=S_("write e.g. '${candidate.promotion} != null' or '${candidate.category} == 院校学生'"),
            )
        left = _parse_operand(m.group("left"), where)
        if m.group("op"):
            out = Cond(m.group("op"), (left, _parse_operand(m.group("right"), where)))
        else:
            out = Cond("truthy", (left,))
        return Cond("not", (out,)) if negate else out
    if isinstance(cond, schema.AllCondition):
        return Cond("all", tuple(compile_condition(c, where) for c in cond.all))
    if isinstance(cond, schema.AnyCondition):
        return Cond("any", tuple(compile_condition(c, where) for c in cond.any))
    if isinstance(cond, schema.NotCondition):
        return Cond("not", (compile_condition(cond.not_, where),))
    var = _Var(cond.var.removeprefix("${").removesuffix("}"))
    if cond.equals is not None:
        return Cond("==", (var, _parse_operand(cond.equals, where)))
    if cond.not_equals is not None:
        return Cond("!=", (var, _parse_operand(cond.not_equals, where)))
    if cond.in_ is not None:
        return Cond("in", (var, tuple(cond.in_)))
    return Cond("is_null", (var, bool(cond.is_null)))
