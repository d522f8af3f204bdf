"""The one retry policy gives the waits each of the four retry loops had before (issue 9)."""

from __future__ import annotations

import random

import pytest

from portal_bot.cohortrun.retry import REGISTER_RETRY, STATUS_RETRY, RetryPolicy


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5, 6])
def test_register_waits_are_the_old_capped_jittered_doubling(attempt: int) -> None:
    ours, old = random.Random(attempt), random.Random(attempt)
    expected = min(30.0, 2.0**attempt) * (0.5 + old.random() / 2)  # register/run.py before
    assert REGISTER_RETRY.wait(attempt, ours) == pytest.approx(expected)


def test_a_flow_retry_block_waits_as_the_runner_did() -> None:
    policy = RetryPolicy(attempts=4, delay=0.5, max_delay=1.5)
    ours, old = random.Random(7), random.Random(7)
    for attempt in (1, 2, 3):
        expected = min(1.5, 0.5 * 2 ** (attempt - 1)) * (0.5 + old.random() / 2)
        assert policy.wait(attempt, ours) == pytest.approx(expected)
    assert [policy.again(a) for a in (1, 2, 3, 4)] == [True, True, True, False]


def test_status_and_notifier_retry_once_without_jitter() -> None:
    assert STATUS_RETRY.attempts == 2 and STATUS_RETRY.wait(1) == 0.0
    notifier = RetryPolicy(attempts=2, delay=0.25, max_delay=0.25, jitter=False)
    assert notifier.wait(1) == 0.25 and notifier.again(1) and not notifier.again(2)
