import asyncio
import time

import pytest

from portal_bot.cohortrun.politeness import HostLimiter, Politeness, effective_concurrency, is_loopback
from tests.asyncutil import run_async


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8000/", True),
        ("http://127.8.9.1/", True),
        ("http://[::1]:9000/x", True),
        ("http://localhost/", True),
        ("https://zynl.rlsbt.zj.gov.cn", False),
        ("http://192.168.1.5/", False),
    ],
)
def test_loopback(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_real_portal_is_capped_and_mock_is_not() -> None:
    assert effective_concurrency(8, "https://zynl.rlsbt.zj.gov.cn") == 2
    assert effective_concurrency(8, "http://127.0.0.1:5000") == 8
    assert effective_concurrency(0, "http://127.0.0.1:5000") == 1
    assert Politeness.for_url("https://zynl.rlsbt.zj.gov.cn").min_interval >= 1.0


def test_page_loads_are_spaced_across_tasks() -> None:
    limiter = HostLimiter(Politeness(max_concurrency=4, min_interval=0.05))
    stamps: list[float] = []

    async def load() -> None:
        await limiter.page_load()
        stamps.append(time.monotonic())

    async def main() -> None:
        await asyncio.gather(*(load() for _ in range(4)))

    run_async(main)
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert len(gaps) == 3
    assert min(gaps) >= 0.045
    assert limiter.waited > 0
