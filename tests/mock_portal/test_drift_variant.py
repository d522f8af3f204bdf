"""The drift variant: texts the flows rely on are reworded on every page; the QA API is not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal_bot.mock_portal.drift import DRIFT
from portal_bot.mock_portal.server import RunningPortal, serve_in_thread
from tests.mock_portal import helpers as h


@pytest.fixture
def drifted() -> Iterator[RunningPortal]:
    with serve_in_thread(drift=DRIFT) as running:
        yield running


def test_the_variant_rewords_at_least_five_texts_the_flows_use() -> None:
    assert len(DRIFT) >= 5
    assert DRIFT["马上报名"] == "立即报名" and DRIFT["手机号码"] == "联系电话"


def test_pages_show_the_new_wording_and_the_guides_one_is_gone(
    mock_portal: RunningPortal, drifted: RunningPortal
) -> None:
    detail = f"/pj/plan/{h.GUIDE_PLAN}"
    plain = h.get(f"{mock_portal.url}{detail}").text
    assert "马上报名" in plain
    page = h.get(f"{drifted.url}{detail}").text
    assert "立即报名" in page and "马上报名" not in page
    home = h.get(f"{drifted.url}/").text
    assert "个人登录" in home and "个人用户登录" not in home
    assert drifted.qa.plans()  # the QA API still answers JSON
