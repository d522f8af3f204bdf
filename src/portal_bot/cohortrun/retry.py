"""The one retry policy: how many tries, and how long to wait before the next.

Four loops retry something: a flow's ``retry`` block, a registration attempt per candidate, a status
read per candidate and a notifier's send. Each loop decides *what* is worth another try (only the
caller knows which errors are transient); this policy decides *how often* and *how long*, so the
backoff rule lives in one place. Waits double from ``delay`` up to ``max_delay`` and, with
``jitter``, are drawn from the upper half of that, so parallel candidates do not retry in step.

This module imports nothing of portal_bot: the flow runner and the notifiers below the run layer use
it too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Tries and waits for one kind of transient failure.

    Args:
        attempts: tries in all (1: no retry).
        delay: the wait after the first failure, in seconds (0: retry at once).
        max_delay: the cap on any wait.
        jitter: draw each wait from [wait/2, wait] instead of using it as is.
    """

    attempts: int = 3
    delay: float = 2.0
    max_delay: float = 30.0
    jitter: bool = True

    def again(self, attempt: int) -> bool:
        """True when try number ``attempt`` (counting from 1) failing leaves another try."""
        return attempt < self.attempts

    def wait(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after try number ``attempt`` failed."""
        base: float = min(self.max_delay, self.delay * 2.0 ** (attempt - 1))
        if not self.jitter:
            return base
        return base * (0.5 + (rng or _rng).random() / 2)


_rng = random.Random()

#: A registration attempt per candidate: a portal error (5xx, timeout, lost session) is tried again
#: from the site's own state after 2 s, 4 s, … up to 30 s.
REGISTER_RETRY = RetryPolicy(attempts=3, delay=2.0, max_delay=30.0)
#: A status read per candidate: one more try at once; the next scheduled run is the real retry.
STATUS_RETRY = RetryPolicy(attempts=2, delay=0.0, max_delay=0.0, jitter=False)
