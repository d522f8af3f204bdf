"""Reading a page's HTML that was fetched without a browser page: a sandbox of reader pages.

A status read needs the text of one table. Opening a browser page for it costs a renderer process
per candidate (a fresh context each, so no candidate ever sees another's session or cache). The
sandbox instead reads HTML fetched with the candidate's cookies (``context.request``, no renderer)
in a few long-lived pages of one context of its own, which:

- runs no script of the site (JavaScript off): a page's scripts cannot call the site, redirect or
  change what is read;
- holds no cookie and no storage: it never had a session, so nothing of one candidate can reach
  another through it;
- loads stylesheets only (so hidden text stays hidden, as in the browser), everything else aborted.

A page drawn by scripts (a list filled in by the site's JavaScript) reads as no list here; the
caller then reads it in a real browser page (:func:`portal_bot.portal.applications.read_applications`).
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from portal_bot.browser import AsyncBrowser, AsyncPage, new_context

_HEAD_RE = re.compile(r"<head(?:\s[^>]*)?>", re.IGNORECASE)
_BASE_RE = re.compile(r"<base\s", re.IGNORECASE)
_DOCTYPE_RE = re.compile(r"^\s*<!doctype[^>]*>", re.IGNORECASE)


def with_base(document: str, url: str) -> str:
    """``document`` with a ``<base href=url>`` so its links resolve as they did at ``url``.

    A document that names its own base keeps it. The element goes right after ``<head>`` (or after
    the doctype when there is no head), never before the doctype, which would change the page's mode.
    """
    if _BASE_RE.search(document):
        return document
    base = f'<base href="{html.escape(url, quote=True)}">'
    head = _HEAD_RE.search(document)
    if head is not None:
        return document[: head.end()] + base + document[head.end() :]
    doctype = _DOCTYPE_RE.match(document)
    at = doctype.end() if doctype else 0
    return document[:at] + base + document[at:]


async def _stylesheets_only(route: Any) -> None:
    if route.request.resource_type == "stylesheet":
        await route.continue_()
    else:
        await route.abort()


class Sandbox:
    """Reader pages in one cookieless, scriptless context, one per worker."""

    def __init__(self, pages: list[AsyncPage]) -> None:
        self._free: asyncio.Queue[AsyncPage] = asyncio.Queue()
        for page in pages:
            self._free.put_nowait(page)

    @asynccontextmanager
    async def page(self) -> AsyncIterator[AsyncPage]:
        """A reader page for one read; nobody else uses it until the read is done."""
        page = await self._free.get()
        try:
            yield page
        finally:
            self._free.put_nowait(page)

    async def load(self, page: AsyncPage, document: str, url: str) -> None:
        """Show ``document`` (fetched from ``url``) in ``page``; its stylesheets load, nothing else."""
        await page.set_content(with_base(document, url), wait_until="load")


@asynccontextmanager
async def sandbox(browser: AsyncBrowser, size: int) -> AsyncIterator[Sandbox]:
    """A :class:`Sandbox` of ``size`` pages for the duration of a run (the pages start together, so
    every read finds its page ready)."""
    context = await new_context(browser, java_script_enabled=False)
    try:
        await context.route("**/*", _stylesheets_only)
        yield Sandbox(list(await asyncio.gather(*(context.new_page() for _ in range(max(1, size))))))
    finally:
        await context.close()
