"""``--every 6h``: repeated status runs for people without cron, with jitter and a floor.

:func:`parse_interval` reads ``90s``, ``30m``, ``6h``, ``1d`` (and combinations such as ``1h30m``);
anything else is one clear ConfigError. :func:`minimum_interval` is the floor: 15 minutes against
any portal that is not on this machine (the real site must never be hammered), a second against a
local mock portal. :func:`run_every` runs a callable, sleeps until the next jittered slot in short
steps (so Ctrl-C is honoured on every platform), and returns cleanly when interrupted.

This module must never run the callable more often than the floor, and never let one failed run
end the loop: it logs the failure and waits for the next slot.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from loguru import logger

from portal_bot.cohortrun.politeness import is_loopback
from portal_bot.errors import ConfigError, PortalBotError
from portal_bot.i18n import S_

REAL_PORTAL_FLOOR = timedelta(minutes=15)
LOCAL_PORTAL_FLOOR = timedelta(seconds=1)
DEFAULT_JITTER = 0.1
MAX_INTERVAL = timedelta(days=30)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PART_RE = re.compile(r"(\d+(?:\.\d+)?)([smhd])")


def parse_interval(text: str) -> timedelta:
    """``"6h"`` → 6 hours. Units: s, m, h, d; parts may be combined (``1h30m``).

    Raises:
        ConfigError: the text is not such an interval, or is zero.
    """
    compact = text.strip().lower().replace(" ", "")
    parts = _PART_RE.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise ConfigError(
            S_("cannot read {!r} as an interval").format(text),
            field="--every",
            hint=S_("write a number and a unit: 90s, 30m, 6h, 1d, or 1h30m"),
        )
    seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise ConfigError(
            S_("{!r} is no interval at all").format(text), field="--every", hint=S_("use e.g. 6h")
        )
    if seconds > MAX_INTERVAL.total_seconds():
        raise ConfigError(
            S_("{!r} is longer than 30 days").format(text), field="--every", hint=S_("use cron for that")
        )
    return timedelta(seconds=seconds)


def minimum_interval(portal_url: str) -> timedelta:
    """The shortest interval allowed between two runs against ``portal_url``."""
    return LOCAL_PORTAL_FLOOR if is_loopback(portal_url) else REAL_PORTAL_FLOOR


def check_interval(interval: timedelta, portal_url: str) -> timedelta:
    """Return ``interval`` when it respects the floor for this portal, else raise ConfigError."""
    floor = minimum_interval(portal_url)
    if interval < floor:
        raise ConfigError(
            S_("every {every} is too often for {host}").format(
                every=_fmt(interval), host=urlsplit(portal_url).hostname or portal_url
            ),
            field="--every",
            hint=S_("use at least {}; the portal must never be hammered").format(_fmt(floor)),
        )
    return interval


def _fmt(interval: timedelta) -> str:
    seconds = int(interval.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def jittered(interval: timedelta, rng: random.Random, *, jitter: float = DEFAULT_JITTER) -> float:
    """Seconds until the next run: ``interval`` ± ``jitter`` (a fraction), uniformly."""
    if not 0 <= jitter < 1:
        raise ConfigError(S_("jitter {} must be at least 0 and below 1").format(jitter), field="jitter")
    base = interval.total_seconds()
    return base * (1 + rng.uniform(-jitter, jitter))


@dataclass(frozen=True)
class LoopResult:
    """How a :func:`run_every` loop ended."""

    runs: int
    last_exit_code: int | None
    interrupted: bool


def run_every(
    job: Callable[[], int],
    interval: timedelta,
    *,
    portal_url: str,
    jitter: float = DEFAULT_JITTER,
    seed: int | None = None,
    max_runs: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    step: float = 1.0,
) -> LoopResult:
    """Run ``job`` now and then every ``interval`` (± jitter) until Ctrl-C or ``max_runs``.

    The next slot is counted from the start of the previous run; a run that overran its slot is
    followed after the floor, never at once. A run that raises a PortalBotError is logged and the
    loop goes on.

    Args:
        job: one status run; returns its exit code.
        interval: the wanted interval, checked against the floor for ``portal_url``.
        portal_url: the portal the job talks to (decides the floor).
        jitter: fraction of the interval to vary each wait by (0.1 = ±10%).
        seed: makes the jitter deterministic (tests).
        max_runs: stop after this many runs (None: until interrupted).
        sleep, clock, step: injectable for tests; the wait sleeps in ``step``-second slices.
    """
    check_interval(interval, portal_url)
    floor = minimum_interval(portal_url).total_seconds()
    rng = random.Random(seed)
    runs = 0
    last: int | None = None
    try:
        while max_runs is None or runs < max_runs:
            started = clock()
            try:
                last = job()
            except PortalBotError as exc:
                logger.error("status run failed: {}", exc)
                last = 1
            runs += 1
            if max_runs is not None and runs >= max_runs:
                break
            wait = jittered(interval, rng, jitter=jitter)
            deadline = started + max(wait, floor)
            if deadline <= clock():  # the run overran its slot: skip it rather than run back to back
                deadline = clock() + floor
            logger.info("next status run in {:.0f} s", deadline - clock())
            while (remaining := deadline - clock()) > 0:
                sleep(min(step, remaining))
    except KeyboardInterrupt:
        logger.info("stopped after {} run(s)", runs)
        return LoopResult(runs, last, interrupted=True)
    return LoopResult(runs, last, interrupted=False)
