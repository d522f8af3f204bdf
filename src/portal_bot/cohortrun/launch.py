"""Choosing the browser once, outside any event loop, and launching it once with the async API.

Playwright says where its own Chromium is only through its *sync* API, which refuses to run inside a
running event loop. So a run chooses its browser in plain synchronous code first
(:func:`choose_browser`), then enters the loop and launches that choice (:func:`launched`). Asking
inside the loop once made ``register`` skip Playwright's own Chromium without a word.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from portal_bot.browser import AsyncBrowser, BrowserChoice, async_playwright, find_browser, launch_options
from portal_bot.errors import BrowserUnavailableError
from portal_bot.settings import Settings


def choose_browser(settings: Settings) -> BrowserChoice:
    """The Chromium this run will launch (Playwright's own first, see :mod:`portal_bot.browser`).

    Call it before entering the run's event loop. Where the calling thread already runs a loop (a
    host program, a test session), Playwright is asked from a fresh thread, which has none.

    Raises:
        BrowserUnavailableError: there is no Chromium on this machine.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        choice = find_browser(settings.chromium)
    else:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="portal-bot-browser") as pool:
            choice = pool.submit(find_browser, settings.chromium).result()
    if choice is None:
        raise BrowserUnavailableError("no Chromium found", hint="run `portal-bot browser ensure`")
    return choice


@asynccontextmanager
async def launched(
    choice: BrowserChoice, *, headless: bool = True, args: tuple[str, ...] = ()
) -> AsyncIterator[AsyncBrowser]:
    """The chosen Chromium, started once for the whole run and closed at the end (``args``: more
    command-line flags, after :func:`~portal_bot.browser.launch_options`' own).

    Raises:
        BrowserUnavailableError: the browser did not start (its first error line and the path).
    """
    async with async_playwright() as pw:
        try:
            options = launch_options(choice, headless=headless)
            options["args"] = [*options["args"], *args]
            browser = await pw.chromium.launch(**options)
        except Exception as exc:
            if not type(exc).__module__.startswith("playwright"):
                raise
            first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
            raise BrowserUnavailableError(
                f"{choice.describe()} did not start: {first.strip()}",
                hint="run `portal-bot doctor`; `portal-bot browser ensure` installs a working one",
            ) from exc
        try:
            yield browser
        finally:
            await browser.close()
