"""The one list of step kinds: for each, its syntax model, its compiled step and its handler.

A step kind has three parts, one per layer of the engine (Maestro's ``YamlFluentCommand`` →
``MaestroCommand`` → executor):

* its **syntax model** in :mod:`portal_bot.flows.schema`, registered with :func:`syntax`: the
  pydantic model of ``- kind: {...}``, which also says how the step reads in progress events;
* its **compiled step** in :mod:`portal_bot.flows.steps`, registered with :func:`compiler`: a frozen
  dataclass and the function that builds it from the model (templates parsed, files loaded);
* its **handler** in :mod:`portal_bot.flows.page_steps` or :mod:`portal_bot.flows.control_steps`
  (imported by :mod:`portal_bot.flows.runner`), registered with :func:`handler`: what the runner
  does with it on a page.

Everything else is derived from this registry: the discriminated union of steps and the "did you
mean" list of the parser, the compiler's and the runner's dispatch. Adding a kind is those three
registrations and nothing else; ``tests/unit/test_step_registry.py`` fails while one is missing.

This module imports nothing of the engine, so every layer can register into it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T", bound=type)


@dataclass
class StepKind:
    """The parts of one step kind, filled in as the layers register them."""

    name: str
    syntax: type | None = None
    """The pydantic model of the step's arguments (a ``schema.StepArgs``)."""
    wrapper: type[BaseModel] | None = None
    """The one-key model ``{name: syntax}`` the union of steps is made of (built by schema)."""
    compiled: type | None = None
    """The dataclass the compiler turns the arguments into (a ``steps.StepArgs``)."""
    compile: Callable[..., Any] | None = None
    """``compile(compiler, args, at) -> compiled``."""
    handle: Callable[..., Any] | None = None
    """``await handle(runner, flow, step, ctx, timeout, index)``."""
    maps_own_errors: bool = False
    """The handler runs inner steps that map their own errors (``retry``, ``run_flow``): the runner
    does not wrap it in its error mapping and 5xx watch."""
    navigates: bool = False
    """The handler loads a new page and reads its own answer's status (``goto``)."""

    def missing(self) -> list[str]:
        """The parts not registered yet."""
        parts = {"syntax model": self.syntax, "compiled step": self.compiled, "handler": self.handle}
        return [name for name, part in parts.items() if part is None]


_KINDS: dict[str, StepKind] = {}


def _kind(name: str) -> StepKind:
    return _KINDS.setdefault(name, StepKind(name))


def syntax(name: str) -> Callable[[_T], _T]:
    """Class decorator for a syntax model: ``@syntax("goto") class GotoArgs(StepArgs): ...``."""

    def register(model: _T) -> _T:
        kind = _kind(name)
        if kind.syntax is not None and kind.syntax is not model:
            raise RuntimeError(f"step kind {name} has two syntax models")
        kind.syntax = model
        return model

    return register


def compiler(name: str, compiled: type) -> Callable[[_F], _F]:
    """Decorator for the function compiling a kind's arguments into ``compiled``."""

    def register(fn: _F) -> _F:
        kind = _kind(name)
        kind.compiled, kind.compile = compiled, fn
        return fn

    return register


def handler(name: str, *, maps_own_errors: bool = False, navigates: bool = False) -> Callable[[_F], _F]:
    """Decorator for the runner's handler of a kind (``handler(runner, flow, step, ctx, timeout, index)``)."""

    def register(fn: _F) -> _F:
        kind = _kind(name)
        kind.handle, kind.maps_own_errors, kind.navigates = fn, maps_own_errors, navigates
        return fn

    return register


def get(name: str) -> StepKind:
    """The registered kind ``name``.

    Raises:
        KeyError: no such kind.
    """
    return _KINDS[name]


def names() -> list[str]:
    """Every kind with a syntax model, in registration order (the order of the docs)."""
    return [k.name for k in _KINDS.values() if k.syntax is not None]


def kinds() -> Iterator[StepKind]:
    """Every kind anything registered, complete or not."""
    return iter(list(_KINDS.values()))
