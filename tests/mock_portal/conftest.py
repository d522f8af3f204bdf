"""Mock-portal tests use the package's own pytest plugin fixture ``mock_portal``, always on variant 0."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal_bot.mock_portal.server import RunningPortal, serve_in_thread
from tests.mock_portal.helpers import OPEN_CLIENTS


@pytest.fixture(scope="session")
def mock_portal() -> Iterator[RunningPortal]:
    """The plugin's fixture, but never renamed, even with PORTAL_BOT_MOCK_RENAME_SEED set: these tests
    check the mock itself (its markup, its column names, and the renaming variant against variant 0
    in test_rename_variant.py), not code that must work on any markup."""
    with serve_in_thread() as running:
        yield running


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while OPEN_CLIENTS:
        OPEN_CLIENTS.pop().close()
