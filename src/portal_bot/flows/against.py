"""``flows check --against DIR``: every page-addressing step of the flows, checked on recorded pages.

Offline: a recording (:mod:`portal_bot.recording.model`) holds the site's pages; the flows name texts,
labels and CSS on them. This module decides **which recorded page each step applies to** and turns
what the page says about the step's target into a status, with the site-mismatch suggestions of
:mod:`portal_bot.flows.mismatch` for a missing one. The reading of the pages themselves (Chromium,
the runner's own locate.js) is :mod:`portal_bot.flows.against_browser`; this module never opens a
browser, and never guesses a patch where there is no suggestion.

Which page a step applies to (docs/flows.md, "Checking flows against recorded pages"): each flow
is cut into *stretches*, the steps that happen on one page — a stretch starts at the flow's start,
at a ``goto``, and after every ``click``, ``human`` or ``run_flow`` (they may change the page).

1. **recorded**: a step the recording names (a page's ``steps`` or ``failed_step`` holds its
   ``file:line``; a ``fill_form`` entry counts as run where its ``fill_form`` step ran) is checked
   on the page(s) where it ran, and its stretch is on the first of them.
2. **inferred** otherwise (not for a ``register --record`` recording, which names every step that
   ran: a stretch it does not name did not run, and is not recorded): the stretch's page is the
   recorded page on which the most of its text and label targets resolve (a stretch that starts
   with a ``goto`` only considers pages whose URL path matches the goto's); ties go to the first
   such page at or after the previous stretch's page. A stretch with only CSS targets is on the
   page after the previous stretch's page.
3. A stretch none of whose targets resolve on any page, and that nothing above places, is **not
   recorded**: no page says it is the one the stretch is meant for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import urlsplit

from portal_bot.flows.mismatch import Suggestion, appeared, claims, merged, suggest
from portal_bot.flows.patch import Edit
from portal_bot.flows.settle import Absent
from portal_bot.flows.steps import (
    Click,
    Expect,
    Extract,
    FieldAction,
    FillForm,
    Flow,
    Goto,
    Human,
    Retry,
    RunFlow,
    RuntimeStep,
    Template,
    Tick,
    Where,
)
from portal_bot.privacy import mask_text
from portal_bot.recording.model import RecordedPage, Recording

Status = Literal["resolved", "missing", "not recorded"]

#: Step kinds after which the page may be another one (a stretch ends with them).
_MOVES = (Click, Human, RunFlow)
_FIELD_KINDS = {"fill": "text", "select": "select", "choose": "choose", "upload": "upload"}


@dataclass(frozen=True)
class Target:
    """One page-addressing step (or ``fill_form`` entry) and what it looks for.

    Attributes:
        flow: the flow the step belongs to (its claims decide elimination).
        where: the step's (or field map entry's) ``file:line``.
        also: other places that count as this step having run (the ``fill_form`` step of an entry).
        action: the step kind (``fill_form`` for a field map entry).
        text: the text, label or CSS looked for, as the page must show it.
        how: ``any``/``button``/``link`` (click), ``visible`` (expect), a field kind (text, select,
            choose, check, upload, value), ``option`` (a checkbox by its text) or ``css``.
        source: where the text is written (the env line for ``${env.X}``), None if no text to patch.
        stretch: the stretch of its flow (see the module docstring).
        goto: the URL path pattern of the goto that starts the stretch, if one does.
        conditional: the step (or entry) has a ``when:``; it may not apply to every such page.
        follows: the click that began the stretch (its text, None for a click by CSS, and
            ``file:line``), if one did: a missing expected text may be what appeared after it
            (:func:`appeared_after`).
    """

    flow: Flow
    where: Where
    also: tuple[Where, ...]
    action: str
    text: str
    how: str
    source: Where | None
    stretch: int
    goto: re.Pattern[str] | None = None
    conditional: bool = False
    follows: tuple[str | None, Where] | None = None

    @property
    def identifies(self) -> bool:
        """Whether finding this target says something about the page (CSS like ``body`` does not)."""
        return self.how != "css"


@dataclass(frozen=True)
class Finding:
    """What one recorded page says about one target."""

    found: bool
    suggestions: tuple[Suggestion, ...] = ()


@dataclass
class StepResult:
    target: Target
    status: Status
    page: RecordedPage | None = None
    suggestions: tuple[Suggestion, ...] = ()


@dataclass
class AgainstReport:
    """The check's answer: one result per target, in the flows' order."""

    root: Path
    steps: list[StepResult] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return sum(r.status == "missing" for r in self.steps)

    @property
    def unrecorded(self) -> int:
        return sum(r.status == "not recorded" for r in self.steps)

    def as_json(self, base: Path) -> dict[str, Any]:
        """The ``--json`` shape (paths of flow files relative to ``base`` when inside it)."""
        return {
            "steps": [
                {
                    "flow": display(r.target.where.path, base),
                    "line": r.target.where.line,
                    "action": r.target.action,
                    "target": r.target.text,
                    "page": f"pages/{r.page.name}.html" if r.page is not None else None,
                    "status": r.status,
                    "suggestions": [{"text": t, "score": s, "why": str(w)} for t, s, w in r.suggestions],
                }
                for r in self.steps
            ],
            "missing": self.missing,
            "unrecorded": self.unrecorded,
        }

    def edits(self) -> tuple[list[Edit], list[StepResult]]:
        """The best suggestion of each missing step as a patch edit, and the missing steps without one."""
        edits: dict[tuple[Path, int], Edit] = {}
        none: list[StepResult] = []
        for r in self.steps:
            if r.status != "missing":
                continue
            src = r.target.source
            if not r.suggestions or src is None or src.line is None:
                none.append(r)
                continue
            line = _line_holding(src.path, src.line, r.target.text)
            if line is None:
                none.append(r)
                continue
            text, _, why = r.suggestions[0]
            old, new = _yaml_text(r.target.text, text, src.path, line)
            edits.setdefault((src.path, line), Edit(src.path, line, old, new, why))
        return list(edits.values()), none


_PLAIN_UNSAFE = re.compile(r"[,\[\]{}:#&*!|>'\"%@`]|^\s|\s$")


def _yaml_text(old: str, new: str, path: Path, line: int) -> tuple[str, str]:
    """``old`` → ``new`` as they go on the line: a new text YAML would misread unquoted (a comma or
    colon in a flow mapping) is written double-quoted, replacing the old text's quotes if it had them."""
    if not _PLAIN_UNSAFE.search(new):
        return old, new
    quoted = json.dumps(new, ensure_ascii=False)
    text = path.read_text(encoding="utf-8").splitlines()[line - 1]
    for q in ('"', "'"):
        if f"{q}{old}{q}" in text:
            return f"{q}{old}{q}", quoted
    return old, quoted


def _line_holding(path: Path, line: int, text: str) -> int | None:
    """The line of a step that holds ``text``: its first line or one of the step's next lines
    (``expect:`` on one line, ``field: 姓名`` on the next). None when the step does not hold it."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for n in range(line, min(line + 8, len(lines)) + 1):
        if n > line and lines[n - 1].lstrip().startswith("- "):
            break  # the next step
        if text in lines[n - 1]:
            return n
    return None


def display(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


# --------------------------------------------------------------------------- which flows, which targets


def flow_order(paths: list[Path]) -> list[Path]:
    """The walk's order (login, open-plan, register, submit) first, then the others by name."""
    walk = ("login", "open-plan", "register", "submit")
    rank = {name: i for i, name in enumerate(walk)}
    return sorted(paths, key=lambda p: (rank.get(p.stem, len(walk)), p.name))


def _literal(t: Template, flow: Flow) -> tuple[str, Where] | None:
    """A template's text without a candidate: literal, or ``${env.X}`` with a literal default.

    Returns the text and where it is written (for the patch), or None when it needs run data.
    """
    if not t.names:
        return t.source, t.where
    if len(t.parts) == 1 and t.names[0].startswith("env."):
        default = flow.env.get(t.names[0][4:])
        if default is not None and not default.names:
            return default.source, default.where
    return None


def _goto_pattern(t: Template) -> re.Pattern[str]:
    """The URL path a goto opens, with each ``${...}`` matching any text within a path segment."""
    parts = [p if isinstance(p, str) else "\0" for p in t.parts]
    path = urlsplit("".join(parts)).path or "/"
    return re.compile("[^/]*".join(re.escape(s) for s in path.split("\0")))


def targets(flow: Flow) -> list[Target]:
    """The page-addressing steps of ``flow`` (not of the flows it runs), with their stretches.

    Steps whose target needs a candidate's data (``${candidate.…}``) cannot be checked offline and
    are left out; so are ``expect: url/hidden`` (not a target on the page) and ``human`` steps
    (their text comes when the person is done).
    """
    return _Collector(flow).walk(flow.steps).out


class _Collector:
    """Walks a flow's steps in order, numbering stretches as the module docstring says."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.out: list[Target] = []
        self.stretch = 0
        self.goto: re.Pattern[str] | None = None
        self.follows: tuple[str | None, Where] | None = None

    def walk(self, steps: tuple[RuntimeStep, ...]) -> _Collector:
        for step in steps:
            a = step.args
            if isinstance(a, Goto):
                self.stretch += 1
                self.goto = _goto_pattern(a.url)
                self.follows = None
            elif isinstance(a, Retry):
                self.walk(a.steps)
            else:
                _step_targets(step, a, self.add)
                if isinstance(a, _MOVES):
                    self.stretch += 1
                    self.goto = None
                    self.follows = (_clicked(a), step.where) if isinstance(a, Click) else None
        return self

    def add(
        self,
        step: RuntimeStep,
        action: str,
        t: Template | str,
        how: str,
        entry: Where | None = None,
        entry_when: bool = False,
    ) -> None:
        if isinstance(t, Template):
            lit = _literal(t, self.flow)
            if lit is None:
                return
            text, source = lit
        else:
            text, source = t, entry or step.where
        self.out.append(
            Target(
                self.flow,
                entry or step.where,
                (step.where,) if entry is not None else (),
                action,
                text,
                how,
                source if how not in ("css", "option") else None,
                self.stretch,
                self.goto,
                step.when is not None or (entry is not None and entry_when),
                self.follows,
            )
        )


def _clicked(a: Click) -> str | None:
    """The text a click clicks, as written (None: a click by CSS)."""
    return a.target.text.source if a.target.text is not None else None


def _step_targets(step: RuntimeStep, a: Any, add: Any) -> None:
    """Call ``add`` for each target one step addresses."""
    kind = step.kind
    if isinstance(a, Click):
        if a.target.text is not None:
            add(step, kind, a.target.text, a.target.role)
        elif a.target.css is not None:
            add(step, kind, a.target.css, "css")
    elif isinstance(a, FieldAction):
        if a.target.field is not None:
            add(step, kind, a.target.field, "date" if a.date else _FIELD_KINDS[kind])
        elif a.target.css is not None:
            add(step, kind, a.target.css, "css")
    elif isinstance(a, Tick):
        if a.field is not None:
            add(step, kind, a.field, "check")
        elif isinstance(a.options, tuple):
            for option in a.options:
                add(step, kind, option, "option")
    elif isinstance(a, Expect):
        e = a.expect
        if e.visible is not None:
            add(step, kind, e.visible, "visible")
        elif e.field is not None:
            add(step, kind, e.field, "value")
        elif e.css is not None:
            add(step, kind, e.css, "css")
    elif isinstance(a, Extract):
        if a.target.field is not None:
            add(step, kind, a.target.field, "value")
        elif a.target.css is not None:
            add(step, kind, a.target.css, "css")
    elif isinstance(a, FillForm):
        for entry in a.fields:
            how = "text" if entry.kind == "date" else entry.kind
            add(step, "fill_form", entry.label, how, entry.where, entry.when is not None)


def flows_and_subflows(flows: list[Flow]) -> list[Flow]:
    """The given flows and every flow they run, each once, in the walk's order."""
    seen: dict[Path, Flow] = {}

    def visit(flow: Flow) -> None:
        key = flow.path.resolve()
        if key in seen:
            return
        seen[key] = flow
        for step in _all_steps(flow.steps):
            if isinstance(step.args, RunFlow) and step.args.flow is not None:
                visit(step.args.flow)

    for flow in flows:
        visit(flow)
    by_path = {f.path: f for f in seen.values()}
    return [by_path[p] for p in flow_order(list(by_path))]


def _all_steps(steps: tuple[RuntimeStep, ...]) -> Iterator[RuntimeStep]:
    for step in steps:
        yield step
        if isinstance(step.args, Retry):
            yield from _all_steps(step.args.steps)


# --------------------------------------------------------------------------- which page


def _same_step(recorded: str, where: Where) -> bool:
    """Whether a recording's ``flows/register.yaml:23`` names ``where`` (compared by the path's tail)."""
    path, _, line = recorded.rpartition(":")
    if where.line is None or line != str(where.line):
        return False
    rec = PurePosixPath(path.replace("\\", "/")).parts
    mine = where.path.resolve().parts
    n = min(len(rec), 2 if where.path.parent.name == "fields" else 1)
    return bool(rec) and tuple(rec[-n:]) == tuple(mine[-n:])


def _ran_on(page: RecordedPage, where: Where) -> bool:
    return any(_same_step(s, where) for s in page.steps) or (
        page.failed_step is not None and _same_step(page.failed_step, where)
    )


Lookup = dict[tuple[int, int], Finding]  # (target index, page n) → finding


def place(recording: Recording, found: list[Target], look: Lookup) -> list[StepResult]:
    """Each target's status on the page(s) it applies to (see the module docstring)."""
    pages = list(recording.pages)
    ran = {
        i: [p for p in pages if any(_ran_on(p, w) for w in (t.where, *t.also))] for i, t in enumerate(found)
    }
    results: dict[int, StepResult] = {}
    stretches: dict[tuple[Path, int], list[int]] = {}
    for i, t in enumerate(found):
        stretches.setdefault((t.flow.path, t.stretch), []).append(i)
    cursor: dict[Path, int] = {}
    named = recording.made_by == "register"
    for (flow_path, _), members in stretches.items():
        pinned = next((ran[i][0] for i in members if ran[i]), None)
        after = cursor.get(flow_path, 0)
        # a register --record run names every step it ran: a stretch it does not name did not run
        # there (a flow that stopped early, 个人基本信息 already confirmed), so no page is guessed
        chosen = pinned or (
            None if named else _infer(pages, [found[i] for i in members], members, look, after)
        )
        if chosen is None and not named and after and not any(found[i].identifies for i in members):
            chosen = next((p for p in pages if p.n > after), None)  # CSS only: the page that came next
        if chosen is not None:
            cursor[flow_path] = chosen.n
        for i in members:
            if ran[i] or chosen is None:
                results[i] = _judge(found[i], ran[i], look, i)
            elif (found[i].conditional or named) and not look[i, chosen.n].found:
                # its when: may not hold there; or, in a register recording, it did not run there (the
                # flow stopped or failed before it): only the steps that ran can be missing
                results[i] = StepResult(found[i], "not recorded")
            else:
                results[i] = _judge(found[i], [chosen], look, i)
    return [appeared_after(results[i], pages) for i in range(len(found))]


def appeared_after(r: StepResult, pages: list[RecordedPage]) -> StepResult:
    """A missing expected text with the texts that appeared after the click before it put first.

    The page before the click is the one the recording says the click ran on; the page after, the
    one the text is missing on. Both pages' texts are the recorded ``offers`` (read on the live page).
    """
    t = r.target
    if r.status != "missing" or t.how != "visible" or t.follows is None or r.page is None:
        return r
    click, where = t.follows
    before = next((p for p in pages if _ran_on(p, where)), None)
    if before is None or before.n == r.page.n:
        return r
    new = appeared(t.text, before.offers.get("texts", []), r.page.offers, claims(t.flow), click)
    masked = [Suggestion(mask_text(text), s, why) for text, s, why in new]
    return StepResult(t, r.status, r.page, tuple(merged(masked, r.suggestions)))


def _judge(t: Target, on: list[RecordedPage], look: Lookup, i: int) -> StepResult:
    """Resolved when the target is on every page it applies to; else missing on the first without."""
    if not on:
        return StepResult(t, "not recorded")
    miss = next((p for p in on if not look[i, p.n].found), None)
    if miss is None:
        return StepResult(t, "resolved", on[0])
    return StepResult(t, "missing", miss, look[i, miss.n].suggestions)


def _infer(
    pages: list[RecordedPage], members: list[Target], index: list[int], look: Lookup, after: int
) -> RecordedPage | None:
    """The page of a stretch no recorded step pins: where the most of its targets resolve."""
    goto = members[0].goto
    cands = [p for p in pages if goto is None or goto.fullmatch(p.path)]
    score = {
        p.n: sum(look[i, p.n].found for i, t in zip(index, members, strict=True) if t.identifies)
        for p in cands
    }
    best = max(score.values(), default=0)
    enough = best > 0 and 2 * best >= sum(t.identifies for t in members)
    if not enough and (goto is None or not cands):
        return None
    top = [p for p in cands if score[p.n] == best]
    return next((p for p in top if p.n >= after), top[0])


# --------------------------------------------------------------------------- findings


def is_found(target: Target, answer: Any) -> bool:
    """Whether an in-page answer found the target: True/False for texts and CSS, a locate.js
    ``resolveLabels`` result for labels (any error — absent, no control, ambiguous, another kind of
    control — is a step that would fail there)."""
    if target.how == "option":
        return bool(answer.get("picks")) and all("ref" in p for p in answer["picks"])
    if isinstance(answer, dict):
        return answer.get("error") is None
    return bool(answer)


def finding(target: Target, found: bool, offers: dict[str, Any] | None) -> Finding:
    """A finding; a missing text or label carries §1's suggestions from the page's ``offers``."""
    if found or offers is None or target.how in ("css", "option"):
        return Finding(found)
    absent = Absent(target.text, target.how, offers)
    suggestions = tuple(Suggestion(mask_text(t), s, w) for t, s, w in suggest(absent, claims(target.flow)))
    return Finding(False, suggestions)
