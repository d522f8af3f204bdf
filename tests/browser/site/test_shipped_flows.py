"""The shipped flows (flows/*.yaml) against the mock portal, every variant, as the orchestrator runs them."""

from __future__ import annotations

from typing import Any

import pytest

from portal_bot.errors import SiteRejectedError
from portal_bot.mock_portal.server import RunningPortal
from portal_bot.portal.preview import MISSING, compare_preview, expected_preview, read_preview
from tests.browser.site.conftest import FLOWS, Session

pytestmark = pytest.mark.browser

FIELD_MAP = FLOWS / "fields" / "registration.yaml"
#: Per variant a candidate taking other branches: password login with an employer; QR login as a
#: student; QR login with 是否晋级申报 = 是 (the 原证书 section and its PDF).
CANDIDATE = {0: "赵静", 1: "王小明", 2: "孙浩然"}
VARIANT0 = pytest.mark.parametrize("portal", [0], indirect=True, ids=["variant0"])
#: Refusals and the preview read-back on variant 0 and on the renaming variant (no class, id or name
#: of the mock to lean on: the site's messages are found by role=alert, the preview by its table).
PLAIN_AND_RENAMED = pytest.mark.parametrize(
    "portal", [0, "renamed"], indirect=True, ids=["variant0", "renamed"]
)


def _variant(portal: RunningPortal) -> int:
    return int(portal.qa.get("/health").json()["variant"])


def _to_preview(s: Session) -> None:
    s.run("login.yaml")
    s.run("open-plan.yaml")
    s.run("register.yaml")


def _preview(s: Session) -> list[tuple[str, str, str]]:
    shown = s.aio.run(read_preview(s.page))
    return compare_preview(expected_preview(s.candidate, s.plan, FIELD_MAP), shown)


def test_a_candidate_registers_through_the_five_flows(session_for: Any, portal: RunningPortal) -> None:
    s: Session = session_for(CANDIDATE[_variant(portal)])
    _to_preview(s)
    assert s.page.url.endswith("/step4")
    assert _preview(s) == []
    assert s.portal.qa.applications(s.phone.account)[0]["state"] == "未提交"  # register does not submit
    s.run("submit.yaml")

    [app] = s.portal.qa.applications(s.phone.account)
    c = s.candidate
    assert app["state"] == "待审核" and app["plan_no"] == s.plan["plan_code"] and app["signed"]
    values = app["values"]
    assert values["name"] == c.name and values["id_number"] == c.id_number
    assert values["phone"] == c.phone and values["address"] == c.address
    assert values["education"] == c.education and values["category"] == c.category
    assert values["employer"] == c.employer and values["credit_code"] == c.credit_code
    assert values["years_in_occupation"] == c.years_in_occupation and values["post"] == c.post
    assert values["dispatched"] == c.dispatched
    assert values["technical_school_student"] == c.technical_school_student
    assert values["subjects"] == c.subjects and values["eligibility"] == c.eligibility
    assert values["application_method"] == c.application_method and values["title_certificate"] == "无"
    assert app["pdfs"]["materials"]["pages"] == 3
    assert s.phone.seen == (["login", "signature"] if c.account.method == "qr" else ["signature"])
    if c.promotion is None:
        assert values["promotion"] is None and "evidence" not in app["pdfs"]
    else:
        promo = values["promotion"]
        assert promo["cert_type"] == c.promotion.certificate_type and promo["level"] == "五级/初级工"
        assert promo["cert_number"] == c.promotion.number and promo["issuer"] == c.promotion.issuer
        assert promo["date"] == str(c.promotion.issued_on)
        assert app["pdfs"]["evidence"]["pages"] == 1


@VARIANT0
def test_a_saved_draft_is_continued_and_refilled(session_for: Any) -> None:
    s: Session = session_for("王小明")
    _to_preview(s)
    # the draft sits at step 4, signed; a second run walks back to step 2, refills it and signs no more
    s.candidate = s.candidate.model_copy(update={"address": "浙江省杭州市西湖区示例路99号"})
    s.run("login.yaml")  # already logged in: nothing to do
    s.run("open-plan.yaml")
    s.run("register.yaml")
    assert _preview(s) == []
    s.run("submit.yaml")
    [app] = s.portal.qa.applications(s.phone.account)
    assert app["state"] == "待审核" and app["values"]["address"] == "浙江省杭州市西湖区示例路99号"
    assert s.phone.seen == ["login", "signature"]


@VARIANT0
def test_a_returned_application_is_resubmitted(session_for: Any) -> None:
    s: Session = session_for("赵静")
    _to_preview(s)
    s.run("submit.yaml")
    [app] = s.portal.qa.applications(s.phone.account)
    s.portal.qa.set_state(app["id"], "驳回修改", "请补充工作证明")
    s.candidate = s.candidate.model_copy(update={"post": "碳排放核算主管"})
    s.run("open-plan.yaml")
    s.run("register.yaml")  # reopens at 填写报名信息; already signed
    s.run("submit.yaml")  # 继续提交审核
    [app] = s.portal.qa.applications(s.phone.account)
    assert app["state"] == "待审核" and app["values"]["post"] == "碳排放核算主管"


@PLAIN_AND_RENAMED
def test_the_preview_check_finds_what_the_site_shows_differently(session_for: Any) -> None:
    s: Session = session_for("赵静")
    _to_preview(s)
    # someone changes the address on the form behind the bot's back
    changed = s.candidate.model_copy(update={"address": "浙江省宁波市海曙区别处路8号"})
    s.run("open-plan.yaml")
    s.run("register.yaml", candidate=changed)
    differences = _preview(s)
    assert differences == [("通讯地址", s.candidate.address, "浙江省宁波市海曙区别处路8号")]
    shown = s.aio.run(read_preview(s.page))
    del shown["手机号码"]
    expected = expected_preview(s.candidate, s.plan, FIELD_MAP)
    assert ("手机号码", s.candidate.phone, MISSING) in compare_preview(expected, shown)


@PLAIN_AND_RENAMED
def test_a_wrong_password_is_the_sites_refusal(session_for: Any) -> None:
    s: Session = session_for("赵静")
    s.password = "not-the-password"
    with pytest.raises(SiteRejectedError) as caught:
        s.run("login.yaml")
    assert "密码" in caught.value.message


@PLAIN_AND_RENAMED
def test_a_closed_plan_is_refused_with_the_sites_message(session_for: Any) -> None:
    s: Session = session_for("赵静")
    s.plan = {**s.plan, "plan_code": "2024-S-000940"}
    s.run("login.yaml")
    s.run("open-plan.yaml")
    with pytest.raises(SiteRejectedError) as caught:
        s.run("register.yaml")
    assert "不在报名时间内" in caught.value.message
    assert s.portal.qa.applications(s.phone.account) == []


@PLAIN_AND_RENAMED
def test_a_value_the_site_refuses_names_the_field(session_for: Any) -> None:
    s: Session = session_for("赵静")
    s.run("login.yaml")
    s.run("open-plan.yaml")
    # a phone the profile checks would catch, forced through to see the site's own answer
    s.candidate = s.candidate.model_copy(update={"phone": "1360571000"})
    with pytest.raises(SiteRejectedError) as caught:
        s.run("register.yaml")
    assert caught.value.message == "手机号码格式不正确"
    assert caught.value.field == "手机号码"
    [app] = s.portal.qa.applications(s.phone.account)
    assert app["state"] == "未提交" and app["pdfs"]["materials"]["pages"] == 3


@VARIANT0
def test_login_keeps_the_right_session_and_replaces_another_candidates(session_for: Any) -> None:
    first: Session = session_for("赵静")
    first.run("login.yaml")
    first.run("login.yaml")  # already logged in as 赵静: nothing to do
    assert first.phone.seen == []
    second: Session = session_for("王小明")
    second.run("login.yaml")  # logs 赵静 out, 王小明 scans the login QR
    assert second.phone.seen == ["login"]
    greeting = second.aio.run(second.page.locator(".login-links .user").inner_text())
    assert greeting == "您好，王小明"
