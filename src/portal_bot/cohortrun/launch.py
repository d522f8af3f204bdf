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
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from loguru import logger

from portal_bot.browser import AsyncBrowser, BrowserChoice, async_playwright, find_browser, launch_options
from portal_bot.errors import BrowserUnavailableError
from portal_bot.i18n import S_
from portal_bot.settings import Settings

T = TypeVar("T")

#: Playwright's own Chromium if it is installed, else a system one: decided in :func:`launched`.
OWN_FIRST = BrowserChoice("playwright", None)


def _none_found() -> BrowserUnavailableError:
    return BrowserUnavailableError(S_("no Chromium found"), hint=S_("run `portal-bot browser ensure`"))


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
                S_("{browser} did not start: {why}").format(browser=choice.describe(), why=first.strip()),
                hint=S_("run `portal-bot doctor`; `portal-bot browser ensure` installs a working one"),
            ) from exc
        try:
            yield browser
        finally:
            await browser.close()


class LaunchAhead:
    """The run's browser, launched in its own thread while the caller checks data and sets up the
    ledger; the walk then runs on that thread's event loop (:meth:`run`).

    Starting the Playwright driver and Chromium took 1.5–2 s of every ``register`` run after
    validate, prepare and the ledger had finished (issue 14). Launching contacts no site, so a data
    error found meanwhile still stops the run before any page is opened: only the work given to
    :meth:`run` gets the browser (:meth:`launched`), and a run that never calls it just closes it.
    A launch that failed is raised by :meth:`run`, where the run used to launch, and only there: a
    run with nothing to walk never hears of it.

    Use as a context manager; leaving it closes the browser and ends the thread.
    """

    def __init__(self, choose: Callable[[], BrowserChoice], *, headless: bool = True) -> None:
        """``choose``: the run's :func:`choose_browser`, called in the launching thread (no loop
        runs there yet); what it raises is raised by :meth:`run` too."""
        self._choose, self._headless = choose, headless
        self._browser: Future[AsyncBrowser] = Future()
        self._orders: Future[Callable[[], Awaitable[Any]] | None] = Future()
        self._box: dict[str, Any] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self._thread = threading.Thread(target=self._target, name="portal-bot-browser", daemon=True)

    def __enter__(self) -> LaunchAhead:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._orders.done():
            self._orders.set_result(None)
        self._join()

    def _target(self) -> None:
        try:
            choice = self._choose()
            self._box["result"] = asyncio.run(self._main(choice))
        except BaseException as exc:  # re-raised by run() in the caller's thread
            self._box["error"] = exc
            if not self._browser.done():
                self._browser.set_exception(exc)

    async def _main(self, choice: BrowserChoice) -> Any:
        self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
        started = time.monotonic()
        async with launched(choice, headless=self._headless) as browser:
            logger.debug("browser launched ahead in {:.2f} s", time.monotonic() - started)
            self._browser.set_result(browser)
            work = await asyncio.wrap_future(self._orders)
            return None if work is None else await work()

    def _join(self) -> None:
        try:
            self._thread.join()
        except BaseException:  # Ctrl-C: the walk is cancelled as asyncio.run would, then closed
            if self._loop is not None and self._task is not None:
                try:
                    self._loop.call_soon_threadsafe(self._task.cancel)
                except RuntimeError:  # the loop has just ended by itself
                    pass
            self._thread.join()
            raise

    @asynccontextmanager
    async def launched(self) -> AsyncIterator[AsyncBrowser]:
        """The browser, for the work :meth:`run` runs (closed once that work has ended)."""
        yield await asyncio.wrap_future(self._browser)

    def run(self, work: Callable[[], Awaitable[T]]) -> T:
        """``work()`` on the browser's event loop (once); its result, or its exception raised here.

        Raises:
            BrowserUnavailableError: there is no Chromium, or it did not start (see :func:`launched`).
        """
        started = time.monotonic()
        self._browser.exception()  # waits for the launch; a failed one is raised below
        logger.debug("the walk waited {:.2f} s for the browser", time.monotonic() - started)
        self._orders.set_result(work)
        self._join()
        if "error" in self._box:
            raise self._box["error"]
        result: T = self._box["result"]
        return result


def launch_ahead(settings: Settings, *, headed: bool = False) -> LaunchAhead:
    """The run's Chromium (:func:`choose_browser`), launching from now on; enter it with ``with``.

    ``register`` calls it first thing, before it imports the rest of the run's code: the driver and
    Chromium start on the other core while Python loads (issue 14).
    """
    return LaunchAhead(lambda: choose_browser(settings), headless=not headed)
