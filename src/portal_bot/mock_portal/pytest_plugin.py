"""pytest plugin (entry point ``pytest11: mock_portal``): a session-scoped mock portal for tests.

Fixtures:
    mock_portal   a :class:`~portal_bot.mock_portal.server.RunningPortal` on a free 127.0.0.1 port,
                  started once per session and reset before every test that uses it.
    base_url      pytest-playwright's base URL, pointed at the mock portal, but ONLY when no
                  ``--base-url`` / ``base_url`` ini is configured and the session has tests that use
                  ``mock_portal``; otherwise the configured value (or None) as before.
    browser_type_launch_args
                  pytest-playwright's launch arguments plus portal-bot's choice of Chromium
                  (``PORTAL_BOT_CHROMIUM``, Playwright's own, else the system one) and its quiet
                  flags, when the session uses ``mock_portal`` and the browser is Chromium; so the
                  documented example runs on a machine where only a system Chromium exists.

Nothing starts unless a test asks for ``mock_portal``: projects that have portal-bot installed
but never use the fixture see no server, no thread and no change to ``base_url``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

FIXTURE = "mock_portal"


@pytest.fixture(scope="session")
def mock_portal() -> Iterator[Any]:
    """A mock portal serving on a free port for the whole session (reset before each test using it)."""
    from portal_bot.mock_portal.server import serve_in_thread

    with serve_in_thread(rename_seed=rename_seed_from_env()) as running:
        yield running


def rename_seed_from_env() -> int | None:
    """The renaming variant's seed from ``PORTAL_BOT_MOCK_RENAME_SEED``, or None (variant 0 markup)."""
    from portal_bot.mock_portal.rename import seed_from_env

    try:
        return seed_from_env()
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.fixture(autouse=True)
def _mock_portal_reset(request: pytest.FixtureRequest) -> None:
    """Reset accounts, applications, faults and the clock before each test that uses the portal."""
    if FIXTURE in request.fixturenames:
        request.getfixturevalue(FIXTURE).qa.reset()


def _configured_base_url(config: pytest.Config) -> str | None:
    try:
        option = config.getoption("--base-url")
    except ValueError:
        option = None
    try:
        ini = config.getini("base_url")
    except ValueError:
        ini = None
    return str(option or ini) if (option or ini) else None


def _uses_mock_portal(request: pytest.FixtureRequest) -> bool:
    return any(FIXTURE in getattr(item, "fixturenames", ()) for item in request.session.items)


class _PlaywrightDefaults:
    """Registered in pytest_configure, after pytest-playwright's own fixtures, so it takes precedence."""

    @pytest.fixture(scope="session")
    @classmethod
    def base_url(cls, pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> str | None:
        configured = _configured_base_url(pytestconfig)
        if configured:
            return configured
        if _uses_mock_portal(request):
            return str(request.getfixturevalue(FIXTURE).url)
        return None

    @pytest.fixture(scope="session")
    @classmethod
    def browser_type_launch_args(
        cls, browser_type_launch_args: dict[str, Any], browser_name: str, request: pytest.FixtureRequest
    ) -> dict[str, Any]:
        if browser_name != "chromium" or not _uses_mock_portal(request):
            return browser_type_launch_args
        from portal_bot.browser import find_browser, launch_options

        choice = find_browser()
        if choice is None:
            raise pytest.UsageError("no Chromium found: run `portal-bot browser ensure`")
        ours = launch_options(choice)
        args = [*browser_type_launch_args.get("args", []), *ours.pop("args")]
        return {**ours, **browser_type_launch_args, "args": list(dict.fromkeys(args))}


def pytest_configure(config: pytest.Config) -> None:
    manager = config.pluginmanager
    if manager.hasplugin("playwright") or manager.hasplugin("base_url"):
        manager.register(_PlaywrightDefaults(), "mock-portal-playwright-defaults")
