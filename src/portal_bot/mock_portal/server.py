"""Running the mock portal: in a background thread (tests, the demo) or in the foreground (CLI).

``serve_in_thread`` follows httpx's test-server pattern: a ``uvicorn.Server`` in a daemon thread,
wait until it has started, ``should_exit`` on the way out. It binds 127.0.0.1 by default and
never opens any outgoing connection.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from portal_bot.mock_portal.app import Portal, create_app
from portal_bot.mock_portal.clock import Clock
from portal_bot.mock_portal.db import Store
from portal_bot.mock_portal.qa import QA_HEADER


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


@dataclass
class RunningPortal:
    """A replica serving in this process: ``url`` for browsers, ``qa`` for the backdoor."""

    url: str
    qa: QAClient
    portal: Portal


def build_portal(
    *,
    data_dir: Path | None = None,
    variant: int = 0,
    clock: Clock | None = None,
    qa_token: str | None = None,
    sign_ttl_seconds: int = 300,
    rename_seed: int | None = None,
    drift: Mapping[str, str] | None = None,
) -> Portal:
    """A replica's state: SQLite under ``data_dir`` (in memory without), its clock and variant."""
    return Portal(
        Store(data_dir),
        clock or Clock(),
        variant=variant,
        qa_token=qa_token,
        sign_ttl_seconds=sign_ttl_seconds,
        rename_seed=rename_seed,
        drift=drift,
    )


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    if os.name == "posix":  # on Windows SO_REUSEADDR would let two servers share a port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    # Listen now, not when uvicorn starts: whoever reads the printed URL may connect at once, and
    # connections made before uvicorn accepts wait in the backlog instead of being refused.
    sock.listen(2048)
    return sock


@contextmanager
def serve_in_thread(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    data_dir: Path | None = None,
    variant: int = 0,
    clock: Clock | None = None,
    qa_token: str | None = None,
    sign_ttl_seconds: int = 300,
    rename_seed: int | None = None,
    drift: Mapping[str, str] | None = None,
) -> Iterator[RunningPortal]:
    """Serve a replica on ``host:port`` (0 = a free port) for the duration of the ``with`` block.

    ``rename_seed``: the renaming variant (see :mod:`portal_bot.mock_portal.rename`).
    """
    portal, server, sock = serve_forever(
        host=host,
        port=port,
        data_dir=data_dir,
        variant=variant,
        clock=clock or Clock(),
        qa_token=qa_token,
        sign_ttl_seconds=sign_ttl_seconds,
        rename_seed=rename_seed,
        drift=drift,
        access_log=False,
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="mock-portal")
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the mock portal did not start")
        time.sleep(0.01)
    bound = sock.getsockname()
    shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    url = f"http://{shown}:{bound[1]}"
    qa = QAClient(url, portal.qa_token)
    try:
        yield RunningPortal(url=url, qa=qa, portal=portal)
    finally:
        qa.close()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        portal.store.close()


def serve_forever(
    *,
    host: str,
    port: int,
    data_dir: Path | None,
    variant: int,
    clock: Clock,
    qa_token: str | None,
    sign_ttl_seconds: int,
    rename_seed: int | None = None,
    drift: Mapping[str, str] | None = None,
    access_log: bool = True,
) -> tuple[Portal, uvicorn.Server, socket.socket]:
    """A replica's server, not started, on a socket that already listens: the CLI prints where it
    is, then runs it; :func:`serve_in_thread` runs it in a thread."""
    portal = build_portal(
        data_dir=data_dir,
        variant=variant,
        clock=clock,
        qa_token=qa_token,
        sign_ttl_seconds=sign_ttl_seconds,
        rename_seed=rename_seed,
        drift=drift,
    )
    sock = _bind(host, port)
    config = uvicorn.Config(create_app(portal), log_level="warning", lifespan="off", access_log=access_log)
    server = uvicorn.Server(config)
    return portal, server, sock
