"""Choosing and launching the run's browser with one Playwright driver (issue 14: a second driver
started only to ask where Playwright's Chromium is cost 2–4 s of every register and status run)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import portal_bot.browser as browser_module
from portal_bot.browser import AsyncBrowser, BrowserChoice
from portal_bot.cohortrun.launch import OWN_FIRST, LaunchAhead, choose_browser, launched
from portal_bot.errors import BrowserUnavailableError
from portal_bot.settings import Settings
from tests.asyncutil import run_async


def _no_sync_driver() -> Path | None:
    raise AssertionError("a second Playwright driver was started to find the browser")


def test_without_an_explicit_browser_the_choice_waits_for_the_launching_driver(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PORTAL_BOT_CHROMIUM", raising=False)
    monkeypatch.setattr(browser_module, "playwright_chromium_path", _no_sync_driver)
    assert choose_browser(Settings(chromium=None)) is OWN_FIRST


def test_a_named_browser_that_does_not_exist_is_refused_before_any_driver(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PORTAL_BOT_CHROMIUM", str(tmp_path / "no-such-chrome"))
    monkeypatch.setattr(browser_module, "playwright_chromium_path", _no_sync_driver)
    with pytest.raises(BrowserUnavailableError, match="does not exist"):
        choose_browser(Settings(chromium=None))


@pytest.mark.browser
def test_launched_finds_and_starts_a_browser_with_its_own_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTAL_BOT_CHROMIUM", raising=False)
    monkeypatch.setattr(browser_module, "playwright_chromium_path", _no_sync_driver)

    async def version() -> str:
        async with launched(OWN_FIRST) as browser:
            return browser.version

    assert run_async(version)


def test_the_launch_ahead_starts_before_it_is_asked_and_a_failure_waits_for_the_walk() -> None:
    """The browser is chosen (then launched) while the caller still checks its data; a failure is
    raised only by run(), where the walk would start, and a run that never walks never hears of it."""
    asked = threading.Event()

    def choose() -> BrowserChoice:
        asked.set()
        raise BrowserUnavailableError("no Chromium found")

    with LaunchAhead(choose):  # nothing to walk: the failure stays quiet
        assert asked.wait(30), "the launch did not start before run()"
    walked: list[str] = []

    async def walk() -> None:
        walked.append("walked")

    with LaunchAhead(choose) as ahead, pytest.raises(BrowserUnavailableError, match="no Chromium"):
        ahead.run(walk)
    assert walked == []


@pytest.mark.browser
def test_the_launch_ahead_runs_the_walk_on_its_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTAL_BOT_CHROMIUM", raising=False)
    with LaunchAhead(lambda: OWN_FIRST) as ahead:

        async def walk() -> AsyncBrowser:
            async with ahead.launched() as browser:
                page = await browser.new_page()
                assert await page.evaluate("1 + 1") == 2
                return browser

        assert ahead.run(walk).version


@pytest.mark.browser
def test_an_exception_of_the_walk_is_raised_in_the_caller() -> None:
    class Boom(Exception):
        pass

    async def walk() -> None:
        raise Boom()

    with LaunchAhead(lambda: OWN_FIRST) as ahead, pytest.raises(Boom):
        ahead.run(walk)
