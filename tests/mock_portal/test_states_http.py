"""Application states, 驳回修改 → 继续提交审核, and isolation between accounts."""

from __future__ import annotations

import httpx
import pytest

from portal_bot.mock_portal.db import STATES
from portal_bot.mock_portal.server import RunningPortal
from tests.mock_portal import helpers as h

#: A plausible life of one application that meets every state (审核不通过 is final, so it comes last).
LIFE = ["驳回修改", "待审核", "审核通过", "待缴费", "已缴费", "已生成准考证"]


def test_every_state_shows_in_the_list_with_its_reason(mock_portal: RunningPortal) -> None:
    browser, app_id = h.submitted_application(mock_portal)
    for state in LIFE:
        reason = "材料不清晰" if state in ("驳回修改", "审核不通过") else ""
        mock_portal.qa.set_state(app_id, state, reason, step=True)
        listing = browser.get("/user/applications").text
        assert f'<td class="state state-1">{state}</td>' in listing
        assert f'<td class="reason">{reason}</td>' in listing
    history = mock_portal.qa.applications("zhangsan")[0]["history"]
    assert [e["state"] for e in history] == ["待审核", *LIFE]  # the submission, then each change
    other, other_id = h.submitted_application(mock_portal, "lisi")
    mock_portal.qa.set_state(other_id, "审核不通过", "不符合申报条件")
    assert '<td class="state state-1">审核不通过</td>' in other.get("/user/applications").text
    assert set(STATES) == {"未提交", "待审核", *LIFE, "审核不通过"}


def test_returned_application_is_edited_and_resubmitted_to_pending(mock_portal: RunningPortal) -> None:
    browser, app_id = h.submitted_application(mock_portal)
    mock_portal.qa.set_state(app_id, "驳回修改", "请上传清晰的身份证正反面")
    page = browser.get(f"/user/app/{app_id}").text
    assert "驳回修改" in page and "请上传清晰的身份证正反面" in page and "修改报名信息" in page
    step2 = browser.get(f"/user/app/{app_id}/step2").text
    assert "审核意见（驳回修改）：请上传清晰的身份证正反面" in step2
    fixed = h.post_step2(
        browser,
        mock_portal,
        app_id,
        h.GUIDE_PLAN,
        h.step2_values(post="碳排放核算主管"),
        {"materials": ("清晰.pdf", h.pdf(2))},
    )
    assert fixed.url.path.endswith("/step3")
    preview = browser.get(f"/user/app/{app_id}/step4").text
    assert "继续提交审核" in preview and "碳排放核算主管" in preview
    done = browser.post(f"/user/app/{app_id}/step4")
    assert "待审核" in done.text
    [app] = mock_portal.qa.applications("zhangsan")
    assert app["state"] == "待审核" and app["reason"] == ""
    assert app["values"]["post"] == "碳排放核算主管" and app["pdfs"]["materials"]["filename"] == "清晰.pdf"


@pytest.mark.parametrize("state", ["审核不通过", "审核通过", "待缴费", "已缴费", "已生成准考证"])
def test_decided_applications_cannot_be_edited(mock_portal: RunningPortal, state: str) -> None:
    browser, app_id = h.submitted_application(mock_portal)
    mock_portal.qa.set_state(app_id, state, "不符合申报条件" if state == "审核不通过" else "")
    for step in (1, 2, 3, 4):
        assert browser.get(f"/user/app/{app_id}/step{step}").url.path == f"/user/app/{app_id}"
    h.post_step2(browser, mock_portal, app_id, h.GUIDE_PLAN, h.step2_values(post="改了"))
    assert browser.post(f"/user/app/{app_id}/step4").url.path == f"/user/app/{app_id}"
    [app] = mock_portal.qa.applications("zhangsan")
    assert app["state"] == state and app["values"]["post"] == "碳排放核算"


def test_qa_state_changes_are_validated(mock_portal: RunningPortal) -> None:
    _, app_id = h.submitted_application(mock_portal)
    for state, reason in (("已通过", ""), ("驳回修改", "")):
        with pytest.raises(httpx.HTTPStatusError) as caught:
            mock_portal.qa.set_state(app_id, state, reason)
        assert caught.value.response.status_code == 422


def test_accounts_cannot_see_or_touch_each_others_applications(mock_portal: RunningPortal) -> None:
    owner, app_id = h.submitted_application(mock_portal, "zhangsan")
    mock_portal.qa.set_state(app_id, "驳回修改", "请补充材料")
    h.make_account(mock_portal, "lisi", name="李四", id_number=h.id_number(seq="456"), info_confirmed=True)
    other = h.login(mock_portal, "lisi")
    for path in (
        f"/user/app/{app_id}",
        f"/user/app/{app_id}/step1",
        f"/user/app/{app_id}/step2",
        f"/user/app/{app_id}/step3",
        f"/user/app/{app_id}/step4",
        f"/user/app/{app_id}/photo.jpg",
        f"/user/app/{app_id}/signature.png",
        f"/user/app/{app_id}/sign/status",
    ):
        answer = other.get(path)
        assert answer.status_code == 404 and answer.text == "非法请求 404！", path
    for path in (
        f"/user/app/{app_id}/step2",
        f"/user/app/{app_id}/step4",
        f"/user/app/{app_id}/step3/refresh",
    ):
        assert other.post(path, data={"x": "1"}).status_code == 404, path
    malformed = other.get("/user/app/not-a-number")
    assert malformed.status_code == 404 and malformed.text == "非法请求 404！"
    assert "张三" not in other.get("/user/applications").text
    assert "2024-S-000911" not in other.get("/user/applications").text
    [app] = mock_portal.qa.applications("zhangsan")
    assert app["state"] == "驳回修改" and app["values"]["name"] == "张三"
    # lisi's own application for the same plan is a separate one.
    mine = h.start_application(other)
    assert mine != app_id and "李四" in other.get("/").text
    assert owner.get(f"/user/app/{mine}").status_code == 404


def test_logout_ends_the_session(mock_portal: RunningPortal) -> None:
    h.make_account(mock_portal, info_confirmed=True)
    browser = h.login(mock_portal)
    token = browser.cookies["JSESSIONID"]
    browser.get("/sso/logout")
    stale = h.get(f"{mock_portal.url}/user/applications", cookies={"JSESSIONID": token})
    assert stale.status_code == 404 and stale.text == "非法请求 404！"
