"""The mock portal's QA client: what tests, the demo, the benches and ``--simulate-human`` call.

Kept apart from the server so a run that only *calls* the QA API (``portal-bot register
--simulate-human``) does not import FastAPI, uvicorn and the whole replica: that import cost about
a second of every simulated run's start (issue 14). Only httpx here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

#: The header every QA call carries the replica's token in (checked by ``mock_portal.qa``).
QA_HEADER = "X-QA-Token"


class QAClient(httpx.Client):
    """An httpx client bound to ``/__qa/`` with the replica's token, plus a few helpers.

    Helpers raise ``httpx.HTTPStatusError`` when the replica refuses (its JSON says why).
    """

    def __init__(self, base_url: str, token: str, **kwargs: Any) -> None:
        super().__init__(base_url=f"{base_url}/__qa", headers={QA_HEADER: token}, timeout=30, **kwargs)

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self._json("POST", "/reset")

    def create_account(self, **fields: Any) -> dict[str, Any]:
        """username, password, name, id_number, phone (and id_type, address, id_photo, info_confirmed …)."""
        result: dict[str, Any] = self._json("POST", "/accounts", json=fields)
        return result

    def applications(self, account: str | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._json(
            "GET", "/applications", params={"account": account} if account else {}
        )
        return result

    def set_state(self, app_id: int, state: str, reason: str = "", *, step: bool = False) -> dict[str, Any]:
        """Move an application through the site's transitions to ``state`` (only one with ``step``);
        409 (``{message, allowed}``) when the site could not get there."""
        result: dict[str, Any] = self._json(
            "POST", f"/applications/{app_id}/state", json={"state": state, "reason": reason, "step": step}
        )
        return result

    def complete_payment(self, app_id: int) -> dict[str, Any]:
        """The payment service confirms the order opened on the 缴费 page: 待缴费 → 已缴费."""
        result: dict[str, Any] = self._json("POST", f"/applications/{app_id}/payment/complete")
        return result

    def scan_login(self, account: str, token: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self._json(
            "POST", "/login-qr/scan", json={"account": account, "token": token}
        )
        return result

    def sign(
        self, *, application_id: int | None = None, account: str | None = None, plan_no: str | None = None
    ) -> dict[str, Any]:
        body = {"application_id": application_id, "account": account, "plan_no": plan_no}
        result: dict[str, Any] = self._json("POST", "/sign/scan", json=body)
        return result

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        """latency_ms, error_rate, seed, upload_latency_ms."""
        result: dict[str, Any] = self._json("POST", "/faults", json=faults)
        return result

    def clear_faults(self) -> None:
        self._json("DELETE", "/faults")

    def expire_sessions(self, account: str | None = None) -> int:
        return int(self._json("POST", "/sessions/expire", json={"account": account})["expired"])

    def set_clock(
        self,
        now: datetime | None = None,
        *,
        advance_seconds: float | None = None,
        frozen: bool = False,
        real: bool = False,
    ) -> str:
        body: dict[str, Any] = {"frozen": frozen, "real": real, "advance_seconds": advance_seconds}
        if now is not None:
            body["now"] = now.isoformat()
        return str(self._json("POST", "/clock", json=body)["now"])

    def configure(self, **settings: Any) -> dict[str, Any]:
        """sign_ttl_seconds, login_qr_ttl_seconds, variant."""
        result: dict[str, Any] = self._json("POST", "/config", json=settings)
        return result

    def plans(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._json("GET", "/plans")
        return result

    def application(self, app_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", f"/applications/{app_id}")
        return result

    def pending_login_qrs(self) -> list[dict[str, Any]]:
        """Login QR codes shown and not yet scanned, newest first: ``[{token, created_at}]``."""
        result: list[dict[str, Any]] = self._json("GET", "/login-qr")
        return result
