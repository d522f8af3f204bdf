import random
from datetime import timedelta

import pytest

from portal_bot.errors import ConfigError, PortalTimeoutError
from portal_bot.settings import REAL_PORTAL_URL
from portal_bot.status.schedule import (
    REAL_PORTAL_FLOOR,
    check_interval,
    jittered,
    minimum_interval,
    parse_interval,
    run_every,
)

LOCAL = "http://127.0.0.1:8765"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6h", timedelta(hours=6)),
        ("30m", timedelta(minutes=30)),
        ("1d", timedelta(days=1)),
        ("90s", timedelta(seconds=90)),
        ("1h30m", timedelta(minutes=90)),
        (" 2H ", timedelta(hours=2)),
        ("1.5h", timedelta(minutes=90)),
    ],
)
def test_parse_interval(text: str, expected: timedelta) -> None:
    assert parse_interval(text) == expected


@pytest.mark.parametrize(
    "text", ["", "6", "h", "6x", "-1h", "0m", "6h foo", "six hours", "1.5.2h", "h6", "31d", "9999999999d"]
)
def test_nonsense_intervals_are_one_clear_error(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_interval(text)
    message = str(info.value)
    assert message.startswith("--every:") and "\n" not in message


def test_the_real_portal_is_never_polled_more_often_than_the_floor() -> None:
    assert minimum_interval(REAL_PORTAL_URL) == REAL_PORTAL_FLOOR == timedelta(minutes=15)
    with pytest.raises(ConfigError, match="at least 15m"):
        check_interval(timedelta(minutes=10), REAL_PORTAL_URL)
    assert check_interval(timedelta(minutes=15), REAL_PORTAL_URL) == timedelta(minutes=15)


def test_a_local_mock_portal_may_be_polled_quickly() -> None:
    assert check_interval(timedelta(seconds=5), LOCAL) == timedelta(seconds=5)
    with pytest.raises(ConfigError):
        check_interval(timedelta(seconds=5), "https://portal.example.org")


def test_jitter_stays_within_ten_percent_and_is_deterministic_under_a_seed() -> None:
    six = timedelta(hours=6)
    first = [jittered(six, random.Random(7)) for _ in range(3)]
    again = [jittered(six, random.Random(7)) for _ in range(3)]
    assert first == again
    rng = random.Random(1)
    waits = [jittered(six, rng) for _ in range(500)]
    assert all(0.9 * 6 * 3600 <= w <= 1.1 * 6 * 3600 for w in waits)
    assert len({round(w) for w in waits}) > 100  # it does vary


def test_jitter_fraction_must_be_sane() -> None:
    with pytest.raises(ConfigError):
        jittered(timedelta(hours=1), random.Random(0), jitter=1.5)


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _loop(fake: FakeTime, starts: list[float], *, seed: int, runs: int, took: float = 0.0) -> None:
    def job() -> int:
        starts.append(fake.now)
        fake.now += took
        return 0

    run_every(
        job,
        timedelta(hours=1),
        portal_url=REAL_PORTAL_URL,
        seed=seed,
        max_runs=runs,
        sleep=fake.sleep,
        clock=fake.clock,
        step=60,
    )


def test_run_every_waits_jittered_slots_from_each_start() -> None:
    fake, starts = FakeTime(), []
    _loop(fake, starts, seed=3, runs=4, took=120)
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert len(starts) == 4
    assert all(3240 <= g <= 3960 for g in gaps)
    assert max(fake.sleeps) <= 60  # sleeps in short slices so Ctrl-C is noticed

    fake2, starts2 = FakeTime(), []
    _loop(fake2, starts2, seed=3, runs=4, took=120)
    assert starts2 == starts


def test_an_overrun_is_followed_after_the_floor_never_back_to_back() -> None:
    fake, starts = FakeTime(), []
    _loop(fake, starts, seed=0, runs=2, took=2 * 3600)
    assert starts[1] - starts[0] == pytest.approx(2 * 3600 + REAL_PORTAL_FLOOR.total_seconds())


def test_ctrl_c_stops_the_loop_cleanly() -> None:
    fake = FakeTime()

    def interrupted_sleep(seconds: float) -> None:
        raise KeyboardInterrupt

    result = run_every(
        lambda: 3, timedelta(hours=1), portal_url=LOCAL, sleep=interrupted_sleep, clock=fake.clock
    )
    assert result.runs == 1 and result.interrupted and result.last_exit_code == 3


def test_a_failed_run_does_not_end_the_loop(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeTime()
    calls: list[int] = []

    def job() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise PortalTimeoutError("portal did not answer")
        return 0

    result = run_every(
        job, timedelta(minutes=1), portal_url=LOCAL, max_runs=2, sleep=fake.sleep, clock=fake.clock
    )
    assert result.runs == 2 and result.last_exit_code == 0 and not result.interrupted
    assert "portal did not answer" in caplog.text


def test_run_every_refuses_an_interval_below_the_floor() -> None:
    with pytest.raises(ConfigError):
        run_every(lambda: 0, timedelta(minutes=1), portal_url=REAL_PORTAL_URL, max_runs=1)
