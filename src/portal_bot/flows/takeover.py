"""A person takes over a step the site no longer matches, and what they did becomes a flow edit.

When a step's target is not on a settled page (a site mismatch) and the runner was given a
:data:`Takeover` handler (``register --headed``), it does not fail: it hands a :class:`HandOver` to
the handler, which tells a person what the step wanted, lets them do it by hand in the browser and
answers True when they confirm (the flow resumes at the next step) or False when they decline (the
step fails as the site mismatch it is).

While the person works, :class:`Capture` listens in the page (locate.js ``watchHands``, through a
binding): what they click (the button's or link's text and role) and which control they change
(its label as a person reads it, found by the locator's own label logic). Never a value: what a
person types stays in the page. :meth:`HandOver.edit` turns the capture into a
:class:`~portal_bot.flows.patch.Edit` of the step's line (old text → the text the site has).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger

from portal_bot.browser import AsyncPage
from portal_bot.errors import SiteMismatchError
from portal_bot.flows.labels import label_key
from portal_bot.flows.locate import page_function
from portal_bot.flows.mismatch import Reason, shown
from portal_bot.flows.patch import Edit
from portal_bot.flows.settle import Absent
from portal_bot.flows.steps import Context, FieldAction, RuntimeStep, Template, Tick, as_text
from portal_bot.i18n import N_, _
from portal_bot.privacy import mask_text

_BINDING = "__pbHand"
_WATCH_JS = page_function("watchHands")
#: Waits for the records still on their way to Python (a binding call returns once Python ran it):
#: on a busy machine the person's last change arrived after the takeover ended, and was lost.
_STOP_JS = """async () => {
  window.__pbHandsOff = true;
  const sent = window.__pbHandsSent || [];
  window.__pbHandsSent = [];
  await Promise.allSettled(sent);
}"""

#: What the step does, by the kind of target it missed (settle.Absent.kind).
_VERB = {
    "text": "fill",
    "date": "fill",
    "select": "select",
    "choose": "choose",
    "check": "tick",
    "upload": "upload",
    "value": "read",
    "button": "click",
    "link": "click",
    "any": "click",
    "visible": "see",
}
#: Which captured record answers a step of that verb.
_ANSWER = {"click": ("click",), "see": ("text", "click")}
#: A step's verb as a person reads it.
_VERB_WORD = {
    **{"click": N_("click"), "fill": N_("fill"), "select": N_("select"), "choose": N_("choose")},
    **{"tick": N_("tick"), "upload": N_("upload"), "read": N_("read"), "see": N_("see")},
}

#: A text that can replace a plain YAML scalar as it is (no quoting, no flow-mapping characters).
_PLAIN = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`][^:#,\[\]{}]*$")


@dataclass
class HandOver:
    """One step a person is asked to do by hand.

    Attributes:
        page: the candidate's browser page, left on the page where the step failed.
        error: the site mismatch the step would have failed with (file:line, suggestions).
        verb: what the step does: click, fill, select, choose, tick, upload, read or see.
        want: the text or label the step looked for.
        value: the value the step would have used, masked (None for a click).
        source: where that value comes from in the flow (``${candidate.phone}``), if templated.
        flow: the flow's name; ``index``: the step's number in it ("3", "3.1").
    """

    page: AsyncPage
    error: SiteMismatchError
    verb: str
    want: str
    value: str | None = None
    source: str | None = None
    flow: str = ""
    index: str = ""

    @classmethod
    def of(
        cls,
        page: AsyncPage,
        error: SiteMismatchError,
        absent: Absent,
        step: RuntimeStep,
        ctx: Context,
        *,
        flow: str,
        index: str,
        value: Template | tuple[Template, ...] | None = None,
    ) -> HandOver:
        """The hand-over of ``step`` (or of a fill_form entry, whose ``value`` is given)."""
        args = step.args
        if value is None and isinstance(args, FieldAction):
            value = args.value
        elif value is None and isinstance(args, Tick):
            value = args.options
        verb = _VERB.get(absent.kind, absent.kind)
        shown_value = source = None
        if value is not None and verb not in ("click", "see", "read"):
            templates = value if isinstance(value, tuple) else (value,)
            texts = _texts(templates, ctx)
            if verb == "upload":  # a prepared file: its name says which
                texts = [Path(t).name for t in texts]
            shown_value = mask_text("、".join(texts))
            refs = [t.source for t in templates if "${" in t.source]
            source = ", ".join(refs) or None
        return cls(page, error, verb, absent.want, shown_value, source, flow, index)

    @property
    def where(self) -> str:
        """``file:line`` of the step (for a fill_form entry: the field map's line)."""
        path = self.error.path
        return f"{path.name if path else '?'}:{self.error.line or '?'}"

    def wanted(self, *, english: bool = False) -> str:
        """What the step wanted, as a person reads it: "fill 手机号码 with 138****0000".

        In the language people read, or ``english`` (the ledger's).
        """
        say = N_ if english else _
        if self.verb == "see":
            return say(N_("see the text '{}' (click the text the page shows instead, if it differs)")).format(
                self.want
            )
        verb = say(_VERB_WORD.get(self.verb, self.verb))
        if self.value is None:
            return say(N_("{verb} {want}")).format(verb=verb, want=self.want)
        if not self.source:
            return say(N_("{verb} {want} with {value}")).format(verb=verb, want=self.want, value=self.value)
        return say(N_("{verb} {want} with {value} (the candidate's {source})")).format(
            verb=verb, want=self.want, value=self.value, source=self.source.strip("${}")
        )

    def edit(self, records: list[dict[str, str]]) -> Edit | None:
        """The flow edit that makes the step find what the person used, or None when nothing fits.

        The last record of the step's sort counts (a click for a click, a changed control for a
        field); an edit is made only when that text differs from the step's and can stand in the
        YAML line as it is.
        """
        kinds = _ANSWER.get(self.verb, ("field",))
        used = next((r for r in reversed(records) if r.get("what") in kinds and r.get("text")), None)
        path, line = self.error.path, self.error.line
        if used is None or path is None or line is None:
            return None
        new = shown(used["text"]).strip()
        if not new or label_key(new) == label_key(self.want) or not _PLAIN.match(new):
            return None
        why = Reason.by_hand(used.get("role") or used.get("kind") or used["what"])
        return Edit(Path(path), line, self.want, new, why)


#: Called with each hand-over; True when the person did the step, False when they declined.
Takeover = Callable[[HandOver], Awaitable[bool]]


@dataclass
class _Listening:
    records: list[dict[str, str]] = field(default_factory=list)
    active: bool = True


_BOUND: weakref.WeakKeyDictionary[Any, list[_Listening]] = weakref.WeakKeyDictionary()


class Capture:
    """Records what a person clicks and changes on ``page`` between :meth:`start` and :meth:`stop`."""

    def __init__(self, page: AsyncPage) -> None:
        self.page = page
        self._now = _Listening()

    async def start(self) -> None:
        page = self.page
        if page not in _BOUND:
            listeners: list[_Listening] = []
            _BOUND[page] = listeners

            def hand(source: Any, record: Any) -> None:
                for listening in listeners:
                    if listening.active and isinstance(record, dict):
                        listening.records.append(_clean(record))

            await page.expose_binding(_BINDING, hand)
        _BOUND[page].append(self._now)
        page.on("domcontentloaded", self._watch)  # a click that loads a page: listen on that one too
        await self._watch()

    async def _watch(self, *_: Any) -> None:
        try:
            await self.page.evaluate(_WATCH_JS, _BINDING)
        except Exception as exc:  # the page is navigating: domcontentloaded comes again
            logger.debug("hand watch not installed yet: {}", exc)

    async def stop(self) -> list[dict[str, str]]:
        """Stop listening; the records, oldest first (never a value)."""
        self.page.remove_listener("domcontentloaded", self._watch)
        try:  # first: the page's records still in flight reach self._now.records
            await self.page.evaluate(_STOP_JS)
        except Exception as exc:  # the page is gone: nothing left to stop
            logger.debug("hand watch not stopped: {}", exc)
        self._now.active = False
        listeners = _BOUND.get(self.page)
        if listeners is not None and self._now in listeners:
            listeners.remove(self._now)
        return self._now.records


def _texts(templates: tuple[Template, ...], ctx: Context) -> list[str]:
    """The values as texts (a ``${list}`` as its items); none when one cannot be rendered."""
    out: list[str] = []
    for t in templates:
        try:
            v = t.value(ctx)
        except Exception as exc:  # the step would have failed on it too: show the template
            logger.debug("cannot show the value of {}: {}", t.source, exc)
            return [t.source]
        out += [as_text(x) for x in v] if isinstance(v, list | tuple) else [as_text(v)]
    return out


def _clean(record: dict[str, Any]) -> dict[str, str]:
    """Only the known keys, as short masked texts: a page cannot smuggle anything else in."""
    return {k: mask_text(str(record[k]))[:80] for k in ("what", "text", "role", "kind") if record.get(k)}
