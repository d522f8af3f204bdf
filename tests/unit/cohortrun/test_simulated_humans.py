"""A simulated person never scans a login code it was not shown (it may be another candidate's)."""

from __future__ import annotations

from typing import Any

import pytest

from portal_bot.cohortrun.humans import Person, SimulatedHumans
from portal_bot.errors import PortalTimeoutError
from portal_bot.flows.human import HumanRequest, QrCode
from tests.asyncutil import run_async


class QA:
    def __init__(self) -> None:
        self.scans: list[tuple[str, str | None]] = []

    def scan_login(self, account: str, token: str | None = None) -> dict[str, Any]:
        self.scans.append((account, token))
        return {"ok": True}


async def _done(_seconds: float) -> None:
    return None


class Page:
    url = "http://127.0.0.1:1/sso/login"

    async def evaluate(self, _js: str) -> None:
        return None


def _request(qr: QrCode | None) -> HumanRequest:
    return HumanRequest("login", Page(), qr, None, 5, "login", _done)  # type: ignore[arg-type]


def test_the_token_comes_from_the_codes_picture_address() -> None:
    qa = QA()
    humans = SimulatedHumans(qa, "http://127.0.0.1:1", Person("王小明", "wxm", "2024-S-000911"))
    run_async(lambda: humans(_request(QrCode(None, None, "/sso/qr/abc123.png"))))
    assert qa.scans == [("wxm", "abc123")]


def test_no_code_on_the_page_is_a_portal_timeout_and_nothing_is_scanned() -> None:
    qa = QA()
    humans = SimulatedHumans(qa, "http://127.0.0.1:1", Person("王小明", "wxm", "2024-S-000911"))
    with pytest.raises(PortalTimeoutError, match="no login QR code showed"):
        run_async(lambda: humans(_request(None)))
    assert qa.scans == []
