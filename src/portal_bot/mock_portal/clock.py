"""The mock portal's clock: real time in China Standard Time, or a time a QA engineer set.

Registration windows, QR expiry and submission times all read this clock, so tests can move a
plan's window open or shut without waiting. It never changes the system clock.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

#: China Standard Time (no DST); a fixed offset needs no tz database, so it works on Windows too.
CST = timezone(timedelta(hours=8), "CST")


class Clock:
    """A settable clock: ``now()`` is real time plus an offset, or a frozen instant."""

    def __init__(self, now: datetime | None = None, *, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen: datetime | None = None
        if now is not None:
            self.set(now, frozen=frozen)

    def now(self) -> datetime:
        """The current instant, timezone-aware, in China Standard Time."""
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return datetime.now(CST) + self._offset

    def set(self, when: datetime, *, frozen: bool = False) -> None:
        """Make ``now()`` return ``when`` from here on (ticking on, unless ``frozen``)."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=CST)
        when = when.astimezone(CST)
        with self._lock:
            if frozen:
                self._frozen = when
                self._offset = timedelta(0)
            else:
                self._frozen = None
                self._offset = when - datetime.now(CST)

    def advance(self, seconds: float) -> None:
        """Move the clock forward (or back, with a negative number)."""
        with self._lock:
            if self._frozen is not None:
                self._frozen += timedelta(seconds=seconds)
            else:
                self._offset += timedelta(seconds=seconds)

    def reset(self) -> None:
        """Back to real time."""
        with self._lock:
            self._frozen = None
            self._offset = timedelta(0)

    @property
    def is_real(self) -> bool:
        with self._lock:
            return self._frozen is None and self._offset == timedelta(0)
