"""Shared fixtures: an isolated state directory for every test, loguru → caplog, and the browser choice.

Browser tests use pytest-playwright's fixtures; ``browser_type_launch_args`` picks Playwright's own
Chromium where installed, else the system one (see portal_bot.browser).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from loguru import logger

from portal_bot.browser import find_browser, launch_options
from portal_bot.i18n import set_language

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the user's real state directory (ledger, sessions) from a test."""
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("PORTAL_BOT_STATE_DIR", str(state))
    return state


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests read English unless they ask for Chinese (``set_language("zh")``, ``PORTAL_BOT_LANG=zh``).

    The environment variable reaches the subprocesses the CLI and e2e tests start; the reset undoes
    a ``--lang zh`` an in-process CliRunner test left behind.
    """
    monkeypatch.setenv("PORTAL_BOT_LANG", "en")
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def caplog(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """loguru → caplog, as loguru's documentation shows."""
    logger.enable("portal_bot")
    handler_id = logger.add(
        caplog.handler,
        format="{message}",
        level=0,
        filter=lambda record: record["level"].no >= caplog.handler.level,
        enqueue=False,
    )
    caplog.set_level(logging.DEBUG)
    yield caplog
    logger.remove(handler_id)
    logger.disable("portal_bot")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    choice = find_browser()
    if choice is None:
        raise pytest.UsageError("no Chromium found: run `make browser` (portal-bot browser ensure)")
    return {**browser_type_launch_args, **launch_options(choice)}
