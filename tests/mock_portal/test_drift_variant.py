"""The drift variant: texts the flows rely on are reworded on every page; the QA API is not."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
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


def _step2(portal: RunningPortal) -> tuple[str, httpx.Client, int]:
    """填写报名信息 of a fresh application (HTML), the logged-in client and the application id."""
    h.make_account(portal, info_confirmed=True)
    browser = h.login(portal)
    app_id = h.start_application(browser)
    assert h.upload_photo(browser, portal, app_id, h.GUIDE_PLAN, h.photo()).status_code == 200
    return browser.get(f"/user/app/{app_id}/step2").text, browser, app_id


def _order(page: str, *labels: str) -> list[str]:
    """``labels`` in the order the form's label cells show them (not the tips above a section)."""

    def at(label: str) -> int:
        found = re.search(rf"{re.escape(label)}：?</(?:td|div)>", page)
        assert found is not None, label
        return found.start()

    return sorted(labels, key=at)


def test_the_variant_also_moves_one_field_to_another_section(
    mock_portal: RunningPortal, drifted: RunningPortal
) -> None:
    assert [(m.field, m.section, m.after) for m in DRIFT.moves] == [("address", "work", "post")]
    plain, _, _ = _step2(mock_portal)
    assert _order(plain, "文化程度", "通讯地址", "手机号码", "所在单位", "从事岗位") == [
        "文化程度",
        "通讯地址",
        "手机号码",
        "所在单位",
        "从事岗位",
    ]
    page, browser, app_id = _step2(drifted)
    assert _order(
        page, "文化程度", "联系电话", "所在单位", "从事岗位", "通讯地址", "是否人力资源派遣员工"
    ) == [
        "文化程度",
        "联系电话",
        "所在单位",
        "从事岗位",
        "通讯地址",
        "是否人力资源派遣员工",
    ]
    # the same rules where it now stands: an empty address is refused, a full form goes through
    values = h.step2_values(address="")
    refused = h.post_step2(browser, drifted, app_id, h.GUIDE_PLAN, values)
    assert "请填写通讯地址" in refused.text and refused.url.path.endswith("/step2")
    files = {"materials": ("材料.pdf", h.pdf(3))}
    done = h.post_step2(browser, drifted, app_id, h.GUIDE_PLAN, h.step2_values(), files)
    assert done.url.path.endswith("/step3"), done.text


def test_a_plain_mapping_moves_nothing() -> None:
    from portal_bot.mock_portal.drift import moves_of

    assert moves_of({"马上报名": "立即报名"}) == () and moves_of(None) == ()
