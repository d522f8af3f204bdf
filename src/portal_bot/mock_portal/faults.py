"""Fault injection for the mock portal: added latency, a seeded share of 5xx answers, slow uploads.

Set through the QA API; applies to the portal's pages only (never to ``/__qa/`` or ``/static/``),
so a test can always reach the backdoor that turns the faults off again.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field, fields
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass
class Faults:
    latency_ms: int = 0
    """Added to every page answer."""
    error_rate: float = 0.0
    """Share (0..1) of page answers replaced by a 503; deterministic for a given seed."""
    seed: int = 0
    upload_latency_ms: int = 0
    """Added to every multipart (upload) request, on top of latency_ms."""
    _rng: random.Random = field(default_factory=random.Random, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def configure(self, **values: Any) -> None:
        with self._lock:
            for key, value in values.items():
                if key.startswith("_") or not hasattr(self, key):
                    raise ValueError(f"unknown fault {key!r}")
                setattr(self, key, type(getattr(self, key))(value))
            if not 0.0 <= self.error_rate <= 1.0:
                raise ValueError("error_rate must be between 0 and 1")
            self._rng = random.Random(self.seed)

    def clear(self) -> None:
        self.configure(latency_ms=0, error_rate=0.0, seed=0, upload_latency_ms=0)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}

    def roll_error(self) -> bool:
        with self._lock:
            return self.error_rate > 0 and self._rng.random() < self.error_rate


class FaultMiddleware:
    """Pure ASGI middleware (no response buffering) applying :class:`Faults` to page requests."""

    def __init__(
        self,
        app: ASGIApp,
        faults: Faults,
        log: deque[tuple[float, str, str]] | None = None,
        navigations: deque[tuple[float, str]] | None = None,
    ) -> None:
        self.app = app
        self.faults = faults
        self.log = log  # every request's arrival but the QA API's (static files too), when given
        self.navigations = navigations  # the paths a browser opened as a page (a tab's navigation)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if self.log is not None and scope["type"] == "http" and not path.startswith("/__qa/"):
            self.log.append((time.monotonic(), scope.get("method", ""), path))
        if self.navigations is not None and scope["type"] == "http":
            # Browsers mark a page load "Sec-Fetch-Mode: navigate"; an HTTP client's fetch is unmarked.
            if (b"sec-fetch-mode", b"navigate") in scope.get("headers", []):
                self.navigations.append((time.monotonic(), path))
        if scope["type"] != "http" or path.startswith(("/__qa/", "/static/")):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        delay = self.faults.latency_ms
        if request.method == "POST" and "multipart/" in request.headers.get("content-type", ""):
            delay += self.faults.upload_latency_ms
        if delay:
            await asyncio.sleep(delay / 1000)
        if self.faults.roll_error():
            response: Response = HTMLResponse(
                "<html><body><h1>503 Service Unavailable</h1><p>系统繁忙，请稍后再试</p></body></html>",
                status_code=503,
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


#: The QA API takes small JSON bodies; anything larger is refused before it is read into memory.
QA_MAX_BODY = 1024 * 1024


class QABodyLimit:
    """Refuse QA API bodies over :data:`QA_MAX_BODY` with a short 413, by Content-Length or while
    streaming (chunked bodies have none)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith("/__qa/"):
            await self.app(scope, receive, send)
            return
        too_big = JSONResponse({"detail": f"body larger than {QA_MAX_BODY} bytes"}, status_code=413)
        length = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if not length.isdigit() or int(length) > QA_MAX_BODY:
            await too_big(scope, receive, send)
            return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > QA_MAX_BODY:
                    raise _BodyTooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, tracked)
        except _BodyTooLarge:
            if not started:
                await too_big(scope, receive, send)


class _BodyTooLarge(Exception):
    pass
