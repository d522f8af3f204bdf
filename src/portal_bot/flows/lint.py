"""``flows check``: every problem in a flow file, one ``path:line: message`` each.

Beyond what loading finds (bad YAML, unknown steps and keys, a ``run_flow`` target or field map
that does not exist), the linter follows the steps in order and reports variables nothing defines
(``${env.X}`` the header does not declare, ``${vars.x}`` no earlier ``extract`` sets, a candidate
key the profile model does not have, a plan key cohorts do not have, a ``prepared`` document that
``prepare`` does not make) and steps after an unconditional ``stop`` or ``fail``.
It reads files only; it never opens a browser.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from portal_bot.errors import FlowError
from portal_bot.flows.schema import load_yaml
from portal_bot.flows.steps import (
    Cond,
    Expect,
    Extract,
    FillForm,
    Flow,
    FormEntry,
    Retry,
    RunFlow,
    RuntimeStep,
    Template,
    Where,
    compile_field_map_for_check,
    compile_for_check,
)
from portal_bot.i18n import S_, _
from portal_bot.prepare.manifest import KINDS as PREPARED_KINDS
from portal_bot.profiles.models import Candidate

#: Keys of a candidate profile: the fields of the model, so a key profiles cannot have is caught.
CANDIDATE_KEYS = frozenset(Candidate.model_fields)
#: What ``prepare`` makes for a candidate (``${prepared.photo}`` …), the register run's ``prepared``.
PREPARED_KEYS = frozenset(PREPARED_KINDS)
#: Keys of a cohort's plan (PRODUCT.md, "Data formats").
PLAN_KEYS = frozenset(
    {"organization", "plan_code", "occupation", "work_type", "level", "exam_date", "city", "district", "name"}
)


@dataclass
class _Scope:
    env: frozenset[str] | None  # None: not known here (a field map alone), accept any
    vars: set[str] | None
    candidate_keys: frozenset[str] | None
    plan_keys: frozenset[str] | None
    prepared_keys: frozenset[str] | None
    problems: list[FlowError] = field(default_factory=list)


def check_flow(
    path: Path,
    *,
    candidate_keys: Iterable[str] | None = CANDIDATE_KEYS,
    plan_keys: Iterable[str] | None = PLAN_KEYS,
    prepared_keys: Iterable[str] | None = PREPARED_KEYS,
) -> list[FlowError]:
    """All problems of one flow file (and the flows and field maps it uses), sorted by place.

    Args:
        path: the flow file.
        candidate_keys: top-level keys ``${candidate.…}`` may use; None accepts any.
        plan_keys: top-level keys ``${plan.…}`` may use; None accepts any.
        prepared_keys: keys ``${prepared.…}`` may use; None accepts any.
    """
    ckeys = frozenset(candidate_keys) if candidate_keys is not None else None
    pkeys = frozenset(plan_keys) if plan_keys is not None else None
    dkeys = frozenset(prepared_keys) if prepared_keys is not None else None
    if is_field_map(path):
        problems = _check_field_map(path, ckeys, pkeys, dkeys)
        flow = None
    else:
        flow, problems = compile_for_check(path)
    if flow is not None:
        scope = _Scope(frozenset(flow.env), set(), ckeys, pkeys, dkeys)
        _lint_flow(flow, scope)
        problems += scope.problems
    unique: dict[str, FlowError] = {}
    for p in problems:
        unique.setdefault(str(p), p)
    return sorted(unique.values(), key=lambda e: (str(e.path), e.line or 0, str(e)))


def is_field_map(path: Path) -> bool:
    """A field map is a list of entries or a mapping with ``fields:`` and no ``steps:``."""
    try:
        data, _lines = load_yaml(path)
    except FlowError:
        return False
    if isinstance(data, list):
        return bool(data) and all(isinstance(e, dict) and "label" in e for e in data)
    return isinstance(data, dict) and "fields" in data and "steps" not in data


def _check_field_map(
    path: Path,
    candidate_keys: frozenset[str] | None,
    plan_keys: frozenset[str] | None,
    prepared_keys: frozenset[str] | None,
) -> list[FlowError]:
    """A field map alone: its env and vars depend on the flow using it, the rest can be checked."""
    entries, problems = compile_field_map_for_check(path)
    scope = _Scope(None, None, candidate_keys, plan_keys, prepared_keys, problems)
    _lint_entries(entries, scope)
    return problems


def _lint_flow(flow: Flow, scope: _Scope) -> None:
    for t in flow.env.values():
        if t is not None:
            _names(t.names, t.where, scope)
    _lint_steps(flow.steps, scope)


def _lint_steps(steps: Iterable[RuntimeStep], scope: _Scope) -> None:
    terminal: RuntimeStep | None = None
    for step in steps:
        if terminal is not None:
            scope.problems.append(
                step.where.error(
                    S_("unreachable: after the unconditional {kind} at line {line}").format(
                        kind=terminal.kind, line=terminal.where.line
                    )
                )
            )
            terminal = None  # one report per run of dead steps is enough
            continue
        if step.when is not None:
            _cond(step.when, step.where, scope)
        _lint_step(step, scope)
        if step.terminal:
            terminal = step


def _lint_step(step: RuntimeStep, scope: _Scope) -> None:
    args = step.args
    if isinstance(args, RunFlow):
        for t in args.env.values():
            _names(t.names, t.where, scope)
        sub = args.flow
        if sub is not None:
            inner = _Scope(
                frozenset(sub.env),
                scope.vars,
                scope.candidate_keys,
                scope.plan_keys,
                scope.prepared_keys,
                scope.problems,
            )
            _lint_flow(sub, inner)
        return
    if isinstance(args, Retry):
        _lint_steps(args.steps, scope)
        return
    if isinstance(args, FillForm):
        _lint_entries(args.fields, scope)
        return
    inner = scope
    if isinstance(args, Expect) and args.expect.explain is not None and scope.vars is not None:
        # an explanation may name ${vars.shown}, what the page showed
        inner = _Scope(
            scope.env,
            {*scope.vars, "shown"},
            scope.candidate_keys,
            scope.plan_keys,
            scope.prepared_keys,
            scope.problems,
        )
    for t in _templates(args):
        _names(t.names, t.where, inner)
    if isinstance(args, Extract) and scope.vars is not None:
        scope.vars.add(args.var)


def _lint_entries(entries: Iterable[FormEntry], scope: _Scope) -> None:
    for entry in entries:
        if entry.when is not None:
            _cond(entry.when, entry.where, scope)
        values = entry.value if isinstance(entry.value, tuple) else (entry.value,)
        for t in values:
            _names(t.names, t.where, scope)


def _templates(value: object) -> Iterable[Template]:
    if isinstance(value, Template):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _templates(v)
    elif isinstance(value, tuple | list):
        for v in value:
            yield from _templates(v)
    elif hasattr(value, "__dataclass_fields__") and not isinstance(value, Flow | Cond):
        for name in value.__dataclass_fields__:
            yield from _templates(getattr(value, name))


def _cond(cond: Cond, where: Where, scope: _Scope) -> None:
    _names(cond.names(), where, scope)


def _names(names: Iterable[str], where: Where, scope: _Scope) -> None:
    for name in names:
        ns, _dot, rest = name.partition(".")
        key = rest.split(".")[0]
        problem = None
        if not key:
            problem = _("{} names a whole namespace; name a key in it").format(f"${{{name}}}")
        elif ns == "env" and scope.env is not None and key not in scope.env:
            problem = _("undefined variable {}: declare {} under env: in the flow header").format(
                f"${{{name}}}", key
            )
        elif ns == "vars" and scope.vars is not None and key not in scope.vars:
            problem = _("undefined variable {}: no earlier extract sets {}").format(f"${{{name}}}", key)
        elif ns == "candidate" and scope.candidate_keys is not None and key not in scope.candidate_keys:
            problem = _("unknown candidate key in {}").format(f"${{{name}}}")
        elif ns == "plan" and scope.plan_keys is not None and key not in scope.plan_keys:
            problem = _("unknown plan key in {}").format(f"${{{name}}}")
        elif ns == "prepared" and scope.prepared_keys is not None and key not in scope.prepared_keys:
            made = ", ".join(sorted(scope.prepared_keys))
            problem = _("unknown prepared key in {}: prepare makes {}").format(f"${{{name}}}", made)
        if problem:
            scope.problems.append(where.error(problem))
