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
from pathlib import Path

import uvicorn

from portal_bot.mock_portal.app import Portal, create_app
from portal_bot.mock_portal.clock import Clock
from portal_bot.mock_portal.db import Store
from portal_bot.mock_portal.qaclient import QAClient


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
