"""Browser test rig: the static fixture pages on 127.0.0.1 and an async Chromium on its own loop.

The runner is async; pytest is not. A session-scoped event loop runs in a thread, owns one async
Playwright and one Chromium (launched as portal_bot.browser says), and tests hand it coroutines.
Each test gets a fresh context and page.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest

from portal_bot.browser import AsyncBrowser, AsyncPage, async_playwright, find_browser, launch_options

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
T = TypeVar("T")


class _Handler(SimpleHTTPRequestHandler):
    """Static files, plus /flaky which fails with 503 until it has been asked `fail_first` times."""

    counters: dict[str, int] = {}
    fail_first = 2

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path.startswith("/flaky"):
            n = self.counters.get("flaky", 0) + 1
            self.counters["flaky"] = n
            if n <= self.fail_first:
                self.send_error(503, "busy")
                return
            self.path = "/done.html"
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(PAGES)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def flaky_counter() -> Iterator[dict[str, int]]:
    _Handler.counters.clear()
    yield _Handler.counters
    _Handler.counters.clear()


class Aio:
    """An event loop in a thread; ``run(coro)`` waits for the result in the test's thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.browser: AsyncBrowser | None = None

    def run(self, coro: Awaitable[T], timeout: float = 60) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[arg-type]
        return future.result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


@pytest.fixture(scope="session")
def aio() -> Iterator[Aio]:
    choice = find_browser()
    if choice is None:
        raise pytest.UsageError("no Chromium found: run `make browser`")
    aio = Aio()
    manager = async_playwright()

    async def start() -> Any:
        pw = await manager.start()
        aio.browser = await pw.chromium.launch(**launch_options(choice))
        return pw

    playwright = aio.run(start())
    yield aio

    async def stop() -> None:
        assert aio.browser is not None
        await aio.browser.close()
        await playwright.stop()

    aio.run(stop())
    aio.close()


@pytest.fixture
def apage(aio: Aio) -> Iterator[AsyncPage]:
    assert aio.browser is not None
    context = aio.run(aio.browser.new_context(locale="zh-CN"))
    page = aio.run(context.new_page())
    yield page
    aio.run(context.close())


Run = Callable[[Awaitable[T]], T]
