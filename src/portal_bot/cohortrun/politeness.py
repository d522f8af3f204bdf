"""Politeness towards the portal: a per-host cap on concurrency and a minimum gap between page loads.

The real portal serves a whole province; portal-bot must never look like a load test. Loopback
hosts (the mock portal) get no delay so tests and the demo stay fast. The limiter applies to page
loads (documents: navigations and form posts), not to images and scripts a page pulls in.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from portal_bot.browser import AsyncBrowserContext


@dataclass(frozen=True)
class Politeness:
    """How hard portal-bot may use one host."""

    max_concurrency: int
    min_interval: float  # seconds between two page loads on the same host

    @classmethod
    def for_url(cls, url: str) -> Politeness:
        """Conservative for any real host, fast for loopback (the mock portal)."""
        return cls(max_concurrency=32, min_interval=0.0) if is_loopback(url) else cls(2, 2.0)


def is_loopback(url: str) -> bool:
    """True for http(s)://127.x.x.x, [::1] and localhost."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HostLimiter:
    """Spaces page loads on one host at least ``min_interval`` apart, across all candidates."""

    def __init__(self, politeness: Politeness) -> None:
        self.politeness = politeness
        self._lock = asyncio.Lock()
        self._next_slot = 0.0
        self.waited = 0.0  # total seconds spent waiting, for the summary

    async def page_load(self) -> None:
        """Wait for this host's next free slot."""
        if self.politeness.min_interval <= 0:
            return
        async with self._lock:
            now = time.monotonic()
            delay = self._next_slot - now
            if delay > 0:
                self.waited += delay
                await asyncio.sleep(delay)
                now = time.monotonic()
            self._next_slot = now + self.politeness.min_interval


def effective_concurrency(requested: int, url: str) -> int:
    """The number of candidates worked on at once: the request, capped by the host's politeness."""
    return max(1, min(requested, Politeness.for_url(url).max_concurrency))


#: File names of the resource types a read may skip, for a context that needs no other routing.
_NAMES = {
    "image": ("png", "jpg", "jpeg", "gif", "webp", "svg", "ico", "bmp"),
    "font": ("woff", "woff2", "ttf", "otf", "eot"),
    "media": ("mp4", "webm", "mp3", "ogg", "wav"),
}


async def _abort(route: Any) -> None:
    await route.abort()


async def be_polite(
    context: AsyncBrowserContext, limiter: HostLimiter, *, skip: frozenset[str] = frozenset()
) -> None:
    """Route a browser context's requests through the limiter: every page load waits for its slot.

    Args:
        context: the candidate's browser context.
        limiter: the run's limiter for this host (shared by all candidates).
        skip: resource types never fetched at all (a status read needs no images or fonts).
    """
    if limiter.politeness.min_interval <= 0:  # nothing to space (the mock portal)
        names = ",".join(ext for kind in sorted(skip) for ext in _NAMES.get(kind, ()))
        if names:  # skipped by file name: the page and its scripts never wait for a Python round trip
            await context.route(f"**/*.{{{names}}}", _abort)
        return

    async def handle(route: Any) -> None:
        kind = route.request.resource_type
        if kind in skip:
            await route.abort()
            return
        if kind == "document":
            await limiter.page_load()
        await route.continue_()

    await context.route("**/*", handle)
