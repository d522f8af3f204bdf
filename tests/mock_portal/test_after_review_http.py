"""After 提交: only the site's own state transitions, the 缴费 page and the 准考证 page (issue 12)."""

from __future__ import annotations

import httpx
import pytest

from portal_bot.mock_portal.server import RunningPortal
from portal_bot.mock_portal.states import path_to
from tests.mock_portal import helpers as h


@pytest.mark.parametrize(
    ("start", "wanted", "allowed"),
    [
        ("已生成准考证", "未提交", []),
        ("审核不通过", "待审核", []),
        ("已缴费", "待审核", ["已生成准考证"]),
        ("待缴费", "驳回修改", ["已缴费"]),
    ],
)
def test_implausible_transitions_are_409_with_the_allowed_ones(
    mock_portal: RunningPortal, start: str, wanted: str, allowed: list[str]
) -> None:
    _, app_id = h.submitted_application(mock_portal)
    mock_portal.qa.set_state(app_id, start, "不符合申报条件" if start == "审核不通过" else "")
    with pytest.raises(httpx.HTTPStatusError) as caught:
        mock_portal.qa.set_state(app_id, wanted, "原因" if wanted == "驳回修改" else "")
    assert caught.value.response.status_code == 409
    assert caught.value.response.json()["detail"]["allowed"] == allowed
    assert mock_portal.qa.application(app_id)["state"] == start


def test_a_far_state_is_reached_through_each_site_transition(mock_portal: RunningPortal) -> None:
    _, app_id = h.submitted_application(mock_portal)
    with pytest.raises(httpx.HTTPStatusError) as caught:
        mock_portal.qa.set_state(app_id, "待缴费", step=True)
    assert caught.value.response.json()["detail"]["allowed"] == ["驳回修改", "审核不通过", "审核通过"]
    app = mock_portal.qa.set_state(app_id, "已缴费")
    assert [e["state"] for e in app["history"]] == ["待审核", "审核通过", "待缴费", "已缴费"]
    assert app["payment"]["paid_at"]
    assert path_to("驳回修改", "驳回修改") == ["待审核", "驳回修改"]


def test_pay_page_opens_an_order_the_payment_service_completes(mock_portal: RunningPortal) -> None:
    browser, app_id = h.submitted_application(mock_portal)
    assert "审核通过后方可缴费" in browser.get(f"/user/app/{app_id}/pay").text
    mock_portal.qa.set_state(app_id, "审核通过")
    approved = browser.get(f"/user/app/{app_id}/pay").text
    assert "280.00 元" in approved and "去支付" not in approved
    mock_portal.qa.set_state(app_id, "待缴费")
    assert "去缴费" in browser.get(f"/user/app/{app_id}").text
    with pytest.raises(httpx.HTTPStatusError) as caught:
        mock_portal.qa.complete_payment(app_id)  # nobody clicked 去支付 yet
    assert caught.value.response.status_code == 409
    page = browser.get(f"/user/app/{app_id}/pay").text
    assert "280.00 元" in page and "去支付" in page
    waiting = browser.post(f"/user/app/{app_id}/pay").text
    assert "正在等待支付结果" in waiting and "订单号" in waiting
    assert mock_portal.qa.application(app_id)["state"] == "待缴费"
    paid = mock_portal.qa.complete_payment(app_id)
    assert paid["state"] == "已缴费" and paid["payment"]["amount"] == 280
    page = browser.get(f"/user/app/{app_id}/pay").text
    assert "已缴费" in page and "缴费时间" in page


def test_ticket_page_after_the_ticket_is_generated(mock_portal: RunningPortal) -> None:
    browser, app_id = h.submitted_application(mock_portal)
    assert "准考证尚未生成" in browser.get(f"/user/app/{app_id}/ticket").text
    mock_portal.qa.set_state(app_id, "已生成准考证")
    assert "查看准考证" in browser.get(f"/user/app/{app_id}").text
    ticket = browser.get(f"/user/app/{app_id}/ticket").text
    for text in (
        "职业技能等级认定准考证",
        "准考证号",
        "张三",
        "碳排放管理员（碳排放核算员）",
        "中级工",
        "打印准考证",
    ):
        assert text in ticket
    assert h.id_number() not in ticket, "the ID number is masked"
    other = h.client(mock_portal)
    assert other.get(f"/user/app/{app_id}/ticket").status_code == 404


def test_bad_input_to_the_qa_api_gets_a_short_4xx(mock_portal: RunningPortal) -> None:
    qa = mock_portal.qa
    huge = qa.get(f"/applications/{10**30}")
    assert huge.status_code == 422 and len(huge.content) < 2000
    state = qa.post(f"/applications/{2**63}/state", json={"state": "待审核"})
    assert state.status_code == 422
    clock = qa.post("/clock", json={"advance_seconds": 1e300})
    assert clock.status_code == 422 and len(clock.content) < 2000
    body = b'{"username": "' + b"x" * 5_000_000 + b'"}'
    big = qa.post("/accounts", content=body, headers={"Content-Type": "application/json"})
    assert big.status_code == 413 and len(big.content) < 200

    def chunks() -> object:
        yield b'{"username": "'
        for _ in range(50):
            yield b"x" * 100_000
        yield b'"}'

    streamed = qa.post("/accounts", content=chunks(), headers={"Content-Type": "application/json"})  # type: ignore[arg-type]
    assert 400 <= streamed.status_code < 500 and len(streamed.content) < 200
    bad = qa.post("/accounts", json={"username": "y" * 100_000})
    assert bad.status_code == 422 and len(bad.content) < 2000
    assert qa.get("/health").status_code == 200
    assert h.client(mock_portal).get(f"/user/app/{10**30}").status_code == 404
