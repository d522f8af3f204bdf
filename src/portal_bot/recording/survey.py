"""``portal-bot survey``: a person walks the site in a browser window; every page they reach is saved.

The browser is headed and starts on the portal's address with no saved login (the person logs in
themselves). Every tab of that window is followed: each time a tab shows another document, path or
title (a load, or a single-page app's navigation), the page is recorded once it has settled, the
same way ``register --record`` records (:mod:`.snapshot`), with ``reason="survey"``; the same page
twice in a row is saved once. The survey ends when the person closes the browser, or presses Enter
(or Ctrl-C) in the terminal; the recording is complete after every page, so any of these leaves a
whole folder.

This module never types or clicks: the person does everything.

Tests drive the window from outside: :data:`TEST_PORT_ENV` (tests only) makes the browser headless
and opens Chromium's debugging port so a test can connect to it and play the person.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from loguru import logger

from portal_bot.browser import AsyncBrowserContext, AsyncPage, BrowserChoice, new_context, unreachable
from portal_bot.cohortrun.launch import launched
from portal_bot.recording.recorder import Recorder, wait_settled
from portal_bot.recording.snapshot import STATE_JS

#: Tests only: ``PORTAL_BOT_SURVEY_TEST_PORT=N`` runs the survey headless with Chromium's debugging
#: port N open on 127.0.0.1, for a test to connect and walk the site as the person would.
TEST_PORT_ENV = "PORTAL_BOT_SURVEY_TEST_PORT"
_POLL = 0.3


def _stdin_enter(loop: asyncio.AbstractEventLoop, done: asyncio.Event) -> None:
    """Set ``done`` when a line is read from stdin; at end of input (no terminal), never."""

    def read() -> None:
        try:
            line = sys.stdin.readline()
        except (OSError, ValueError):  # no stdin at all
            return
        if line:
            loop.call_soon_threadsafe(done.set)

    # a daemon thread: a blocked readline must never keep the process alive after the survey
    threading.Thread(target=read, name="portal-bot-survey-enter", daemon=True).start()


async def _follow(page: AsyncPage, recorder: Recorder, said: Callable[[str], None]) -> None:
    """Record ``page`` each time it shows another document, path or title, once settled."""
    last: tuple[Any, ...] | None = None
    while not page.is_closed():
        try:
            state = await page.evaluate(STATE_JS)
        except Exception as exc:  # navigating, or closing: look again
            logger.debug("survey: cannot read the page yet: {}", exc)
            await asyncio.sleep(_POLL)
            continue
        now = (state["doc"], state["path"], state.get("hash"), state["title"])
        if now != last and page.url.startswith(("http://", "https://")):
            await wait_settled(page)
            before = recorder.pages
            entry = await recorder.record(page, reason="survey")
            if entry is not None:
                last = now
                if recorder.pages > before:
                    said(f"saved page {entry.n}: {entry.snap.path} {entry.snap.title}")
        await asyncio.sleep(_POLL)


async def run_survey(
    choice: BrowserChoice,
    portal_url: str,
    out: Path,
    *,
    names: Iterable[str] = (),
    say: Callable[[str], None] = lambda _: None,
) -> Recorder:
    """Open the portal in a headed browser and record every page a person reaches until they stop.

    Args:
        choice: the Chromium to launch (chosen outside the event loop).
        portal_url: where the browser starts.
        out: the recording folder (new or empty).
        names: the cohort's names and other personal texts to mask.
        say: where progress lines go (the terminal).

    Raises:
        ConfigError: ``out`` holds files already.
        BrowserUnavailableError: the browser did not start.
        PortalUnreachableError: nothing answered at ``portal_url``.
    """
    recorder = Recorder(out, made_by="survey", site=portal_url, names=names, dedup="row")
    port = os.environ.get(TEST_PORT_ENV)
    args = (f"--remote-debugging-port={int(port)}",) if port else ()
    done = asyncio.Event()
    _stdin_enter(asyncio.get_running_loop(), done)
    try:
        async with launched(choice, headless=bool(port), args=args) as browser:
            browser.on("disconnected", lambda _: done.set())
            context = await new_context(browser)
            followers: set[asyncio.Task[None]] = set()

            def follow(page: AsyncPage) -> None:
                task = asyncio.ensure_future(_follow(page, recorder, say))
                followers.add(task)
                task.add_done_callback(followers.discard)
                page.on("close", lambda _: _last_closed(context, done))

            context.on("page", follow)
            page = await context.new_page()
            follow(page)
            try:
                await page.goto(portal_url)
            except Exception as exc:
                gone = unreachable(portal_url, exc)
                if gone is not None:
                    raise gone from exc
                raise
            say("walk the site in the browser window; close it, or press Enter here, when you are done")
            await done.wait()
            for task in list(followers):
                task.cancel()
            for task in list(followers):
                with contextlib.suppress(BaseException):
                    await task
    finally:
        recorder.save()
    return recorder


def _last_closed(context: AsyncBrowserContext, done: asyncio.Event) -> None:
    """The person closed the last tab: that is closing the browser."""
    if not any(not p.is_closed() for p in context.pages):
        done.set()
