"""Choosing the browser once and launching it once with the async API.

Playwright's own Chromium comes first, and only a running Playwright driver knows where it is.
Starting a driver just to ask (its sync API) and then another to launch cost 2–4 s of every run, so
:func:`choose_browser` only checks an explicit choice (the settings, ``PORTAL_BOT_CHROMIUM``) and
:func:`launched` asks the driver it launches with (``chromium.executable_path``: no round trip). The
sync API refuses to run inside a running event loop; asking that way inside the loop once made
``register`` skip Playwright's own Chromium without a word, which is why nothing here uses it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

from portal_bot.browser import AsyncBrowser, BrowserChoice, async_playwright, find_browser, launch_options
from portal_bot.errors import BrowserUnavailableError
from portal_bot.i18n import _
from portal_bot.settings import Settings

#: Playwright's own Chromium if it is installed, else a system one: decided in :func:`launched`.
OWN_FIRST = BrowserChoice("playwright", None)


def _none_found() -> BrowserUnavailableError:
    return BrowserUnavailableError(_("no Chromium found"), hint=_("run `portal-bot browser ensure`"))


def choose_browser(settings: Settings) -> BrowserChoice:
    """The Chromium this run will launch: the one the settings or ``PORTAL_BOT_CHROMIUM`` name, else
    :data:`OWN_FIRST` (see :mod:`portal_bot.browser` for the order).

    Call it before entering the run's event loop. Where the calling thread already runs a loop (a
    host program, a test session), the check runs in a fresh thread, which has none.

    Raises:
        BrowserUnavailableError: the named browser does not exist.
    """
    if settings.chromium is None and not os.environ.get("PORTAL_BOT_CHROMIUM"):
        return OWN_FIRST
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        choice = find_browser(settings.chromium)
    else:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="portal-bot-browser") as pool:
            choice = pool.submit(find_browser, settings.chromium).result()
    if choice is None:
        raise _none_found()
    return choice


@asynccontextmanager
async def launched(
    choice: BrowserChoice, *, headless: bool = True, args: tuple[str, ...] = ()
) -> AsyncIterator[AsyncBrowser]:
    """The chosen Chromium, started once for the whole run and closed at the end (``args``: more
    command-line flags, after :func:`~portal_bot.browser.launch_options`' own).

    Raises:
        BrowserUnavailableError: there is no Chromium, or it did not start (its first error line and
            the path).
    """
    async with async_playwright() as pw:
        if choice is OWN_FIRST:

            def own() -> Path | None:
                path = Path(pw.chromium.executable_path)
                return path if path.exists() else None

            found = find_browser(own_path=own)
            if found is None:
                raise _none_found()
            choice = found
        try:
            options = launch_options(choice, headless=headless)
            options["args"] = [*options["args"], *args]
            browser = await pw.chromium.launch(**options)
        except Exception as exc:
            if not type(exc).__module__.startswith("playwright"):
                raise
            first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
            raise BrowserUnavailableError(
                _("{browser} did not start: {why}").format(browser=choice.describe(), why=first.strip()),
                hint=_("run `portal-bot doctor`; `portal-bot browser ensure` installs a working one"),
            ) from exc
        try:
            yield browser
        finally:
            await browser.close()
