"""Telling a page that is still loading from one that has settled, so a missing target fails at once.

A step whose label, button or text is not on the page used to wait out its whole timeout (20 s) and
then look like the site being slow (a portal error, retried). Waiting only helps while the page is
still changing, so a target is **absent** when the page has settled without it:

* ``document.readyState`` is ``complete``;
* no request of the page is in flight, and none started or ended for :data:`SETTLE` seconds;
* the page's shape (element count, text length) has not changed for :data:`SETTLE` seconds.

Then the step raises :class:`Absent` with what the page offers (``pageOffers`` in locate.js), and
the runner turns it into a :class:`~portal_bot.errors.SiteMismatchError` with suggestions
(:mod:`portal_bot.flows.mismatch`). A page that never settles (polling scripts, a hung request)
keeps the old behaviour: the step's timeout decides.

Only pages a :class:`~portal_bot.flows.runner.FlowRunner` runs on are watched (:func:`watch`); the
locator on any other page waits as before.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

from loguru import logger

from portal_bot.browser import AsyncPage
from portal_bot.flows.locate import PageFunction, page_function

#: Seconds a page must stay unchanged and quiet to count as settled.
SETTLE = 0.75
#: Seconds a click or expect waits before looking for its target itself (the usual case needs none).
LOOK_AFTER = 0.5
_POLL = 0.2

TARGET = PageFunction("targetPresent")
OFFERS_JS = page_function("pageOffers")
OFFERS = PageFunction("pageOffers")
#: The page's short shown texts (pageOffers' ``texts``), read before a click an expected text follows.
TEXTS = PageFunction("pageTexts")


class Absent(Exception):
    """A step's target is not on a settled page.

    Attributes:
        want: the label or text looked for.
        kind: what it should be: a field kind (text, select, choose, check, upload, value),
            ``button``/``link``/``any`` for a click, ``visible`` for an expected text.
        offers: locate.js ``pageOffers``: path, title, labels (text, kind), buttons, links, texts.
        where: the field map entry's location for a fill_form entry (set by the runner).
    """

    def __init__(self, want: str, kind: str, offers: dict[str, Any]) -> None:
        super().__init__(f"{kind} {want} is not on the page")
        self.want, self.kind, self.offers = want, kind, offers
        self.where: Any = None


class Traffic:
    """The page's requests in flight and when the last one started or ended."""

    def __init__(self, page: AsyncPage) -> None:
        self.page = page
        self.inflight: set[Any] = set()
        self.last = time.monotonic()
        page.on("request", self._start)
        page.on("requestfinished", self._end)
        page.on("requestfailed", self._end)

    def _start(self, request: Any) -> None:
        self.inflight.add(request)
        self.last = time.monotonic()

    def _end(self, request: Any) -> None:
        self.inflight.discard(request)
        self.last = time.monotonic()

    def quiet_since(self) -> float | None:
        """When the page last had network activity, or None while a request is in flight."""
        return None if self.inflight else self.last

    def detach(self) -> None:
        for event, handler in (("request", self._start), ("requestfinished", self._end)):
            self.page.remove_listener(event, handler)
        self.page.remove_listener("requestfailed", self._end)


_WATCHED: weakref.WeakKeyDictionary[Any, Traffic] = weakref.WeakKeyDictionary()


def watch(page: AsyncPage) -> None:
    """Start telling settled from loading on ``page`` (idempotent; from inside the page's loop)."""
    if page not in _WATCHED:
        _WATCHED[page] = Traffic(page)


def unwatch(page: AsyncPage) -> None:
    traffic = _WATCHED.pop(page, None)
    if traffic is not None:
        traffic.detach()


class Settling:
    """Feeds on successive ``ready``/``fp`` readings of a page; says when it has settled."""

    def __init__(self, page: AsyncPage) -> None:
        self.traffic = _WATCHED.get(page)
        self._fp: object = None
        self._since = time.monotonic()

    @property
    def active(self) -> bool:
        return self.traffic is not None

    def see(self, answer: dict[str, Any]) -> bool:
        """True once the page has been complete, unchanged and quiet for :data:`SETTLE` seconds."""
        now = time.monotonic()
        if not answer.get("ready") or answer.get("fp") != self._fp:
            self._fp = answer.get("fp") if answer.get("ready") else None
            self._since = now
            return False
        quiet = self.traffic.quiet_since() if self.traffic is not None else None
        if quiet is None:
            return False
        return now - max(self._since, quiet) >= SETTLE


async def offers(page: AsyncPage) -> dict[str, Any]:
    """What the page offers (see locate.js ``pageOffers``)."""
    found: dict[str, Any] = await OFFERS(page)
    return found


async def settled(
    page: AsyncPage,
    reading: str | PageFunction,
    arg: Any = None,
    *,
    at_most: float | None = None,
    restart: Callable[[dict[str, Any]], bool] | None = None,
) -> dict[str, Any]:
    """Poll ``reading`` (a page function answering ``ready``/``fp``, see locate.js
    ``settledness``) every :data:`_POLL` seconds until the page has settled; return that reading.

    The one readiness wait of the project: the step look-out (:func:`unless_absent`) and the
    recorder (:func:`portal_bot.recording.recorder.wait_settled`) both use it.

    Args:
        page: a page; watched from here if no runner watches it yet.
        reading: the page function evaluated each time.
        arg: its argument.
        at_most: give up after this many seconds and return the last reading (``{}`` if none);
            None waits for as long as it takes (the caller cancels).
        restart: a reading for which this is true starts the quiet period over (the step's target
            is present: Playwright's own waiting decides).
    """
    watch(page)
    settling = Settling(page)
    deadline = None if at_most is None else time.monotonic() + at_most
    answer: dict[str, Any] = {}
    while deadline is None or time.monotonic() < deadline:
        try:
            asked = reading(page, arg) if isinstance(reading, PageFunction) else page.evaluate(reading, arg)
            answer = await asyncio.wait_for(asked, at_most)
        except Exception as exc:  # stuck, or a navigation replaced the document: look again
            logger.debug("waiting for the page to settle: {}", exc)
            answer = {}
        if answer:
            if restart is not None and restart(answer):
                settling = Settling(page)
            elif settling.see(answer):
                return answer
        await asyncio.sleep(_POLL)
    return answer


async def _watch_target(page: AsyncPage, text: str, how: str) -> NoReturn:
    if page not in _WATCHED:
        await asyncio.Event().wait()  # not a runner's page: the step's timeout decides
    await asyncio.sleep(LOOK_AFTER)
    # an expired page is never "settled without the target": locate reports the session instead
    await settled(page, TARGET, [text, how], restart=lambda a: bool(a["present"] or a["expired"]))
    raise Absent(text, how, await offers(page))


async def unless_absent(action: Awaitable[None], page: AsyncPage, text: str, how: str) -> None:
    """Run a click or expect; raise :class:`Absent` if its target is missing from a settled page."""
    work = asyncio.ensure_future(action)
    look = asyncio.ensure_future(_watch_target(page, text, how))
    try:
        await asyncio.wait({work, look}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not look.done():
            look.cancel()
    if work.done():
        work.result()
        return
    if not isinstance(look.exception(), Absent):  # the look-out failed itself: the step decides
        logger.debug("looking for {} failed: {!r}", text, look.exception())
        await work
        return
    work.cancel()
    try:
        await work
    except (asyncio.CancelledError, Exception) as exc:
        logger.debug("step given up, its target is absent: {!r}", exc)
    look.result()  # raises Absent
