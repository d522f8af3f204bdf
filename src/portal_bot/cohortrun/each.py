"""Working on every candidate of a cohort, a few at a time, each isolated from the others.

Whatever one candidate's work raises — a portal-bot error the work did not handle, or a raw
exception from Playwright or a bug — becomes that candidate's outcome through ``crashed``; the
others go on, and the caller always gets one result per candidate to record and report.
Cancellation and Ctrl-C are not caught: they stop the run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from loguru import logger

from portal_bot.privacy import mask_text

T = TypeVar("T")
R = TypeVar("R")


def describe(exc: BaseException) -> str:
    """One masked line for an unexpected exception: its type and the first 200 characters."""
    text = " ".join(str(exc).split())[:200]
    return mask_text(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)


async def for_each(
    items: Sequence[T],
    work: Callable[[T], Awaitable[R]],
    *,
    concurrency: int,
    crashed: Callable[[T, Exception], R],
) -> list[R]:
    """``work(item)`` for every item, at most ``concurrency`` at once, results in input order.

    Args:
        items: the candidates (or anything per candidate).
        work: one candidate's whole job.
        concurrency: how many at once (already capped by politeness).
        crashed: the result for an item whose ``work`` raised instead of returning.
    """
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(item: T) -> R:
        async with gate:
            try:
                return await work(item)
            except Exception as exc:  # one candidate never fails the run
                logger.warning("a candidate's work failed: {}", describe(exc))
                return crashed(item, exc)

    return list(await asyncio.gather(*(one(i) for i in items)))
