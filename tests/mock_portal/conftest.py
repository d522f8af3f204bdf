"""Mock-portal tests use the package's own pytest plugin fixture ``mock_portal``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.mock_portal.helpers import OPEN_CLIENTS


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while OPEN_CLIENTS:
        OPEN_CLIENTS.pop().close()
