"""The walk's reads of 我的技能评价报名: beside the flows, never in the page they are on (issue 14).

A registration reads the site's application list twice: after the login (is there an application
for this plan already?) and right before 提交 (was it submitted meanwhile?). Both reads must leave
the candidate's page where the flows have it, and neither should cost the run a page load it can
avoid:

- the list is fetched with the candidate's cookies (``context.request``: no renderer, no page) and
  read in the run's sandbox (:mod:`portal_bot.portal.sandbox`), as ``status`` reads it;
- a site that draws the list with its scripts shows no list there: from then on, for the rest of
  the run, the list is loaded in a second page of the candidate's context, opened ahead of its
  first read;
- every read is a task, so the walk can start it early and await it where the answer is needed:
  the read after the login runs while open-plan finds the plan, and with --confirm auto the read
  before 提交 runs while the preview is photographed.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

from loguru import logger

from portal_bot.browser import AsyncPage
from portal_bot.cohortrun.politeness import HostLimiter
from portal_bot.portal.sandbox import Sandbox

T = TypeVar("T")

#: How long a fetched application list may take: Playwright's default for a page load, as before.
LIST_TIMEOUT_MS = 30_000


def quiet(task: asyncio.Future[T]) -> asyncio.Future[T]:
    """``task``, whose failure is not logged as never retrieved when the walk ended another way."""
    task.add_done_callback(lambda t: t.cancelled() or t.exception())
    return task


class ListReader:
    """How this run reads the list: in the sandbox while that works, else in pages.

    ``sandbox`` may still be opening (a future): the first read waits for it, the walk does not.
    """

    def __init__(
        self, portal_url: str, limiter: HostLimiter, sandbox: Sandbox | asyncio.Future[Sandbox] | None
    ) -> None:
        self.portal_url, self.limiter = portal_url, limiter
        self._sandbox = sandbox

    @property
    def pages_only(self) -> bool:
        """True once reads go to pages (no sandbox, or a list drawn by scripts)."""
        return self._sandbox is None

    async def in_page(self, page: AsyncPage) -> list[Any]:
        """The list loaded in ``page`` (a real page load, the site's scripts run)."""
        from portal_bot.portal.applications import read_applications

        return await read_applications(page, self.portal_url)

    async def fetched(self, page: AsyncPage) -> list[Any] | None:
        """The list fetched with ``page``'s session and read in the sandbox; None when there is no
        sandbox or the site draws its list by scripts (then there is none for the rest of the run)."""
        from portal_bot.portal.applications import read_applications_fetched

        opening = self._sandbox
        if opening is None:
            return None
        sandbox = await opening if isinstance(opening, asyncio.Future) else opening
        await self.limiter.page_load()  # context.request passes no route: the politeness waits here
        rows = await read_applications_fetched(
            page.context, sandbox, self.portal_url, timeout_ms=LIST_TIMEOUT_MS
        )
        if rows is None and self._sandbox is not None:  # said once: another candidate may have seen it
            logger.info("我的技能评价报名 has no list without its scripts: reading it in pages")
            self._sandbox = None
        return rows

    def beside(self, page: AsyncPage) -> SideList:
        """The reads of one candidate, whose flows run in ``page``."""
        return SideList(page, self)


class SideList:
    """One candidate's list reads, each a task that leaves ``page`` where it is."""

    def __init__(self, page: AsyncPage, reader: ListReader) -> None:
        self._main, self._reader = page, reader
        self._page: asyncio.Future[AsyncPage] | None = None

    def open(self) -> None:
        """Start opening the second page now if reads will need one (no sandbox), so the next read
        finds it ready; a page costs about 0.1 s to open."""
        if self._page is None and self._reader.pages_only:
            self._page = quiet(asyncio.ensure_future(self._opened()))

    async def _opened(self) -> AsyncPage:
        side = await self._main.context.new_page()
        # a new page comes to the front, and the one behind gets no animation frames: Playwright's
        # "stable" check on every click and fill would then crawl (20 s for the registration form)
        await self._main.bring_to_front()
        return side

    def read(self) -> asyncio.Future[list[Any]]:
        """Start reading the list; await the task for the rows (or the read's error)."""
        return quiet(asyncio.ensure_future(self._read()))

    async def _read(self) -> list[Any]:
        rows = await self._reader.fetched(self._main)
        if rows is not None:
            return rows
        if self._page is None:
            self._page = quiet(asyncio.ensure_future(self._opened()))
        # shielded: a read cancelled while the page opens leaves the page to the next read
        return await self._reader.in_page(await asyncio.shield(self._page))
