"""Public pages, login (password and QR), plan search and detail, and the session rule, over HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from portal_bot.mock_portal.server import RunningPortal
from tests.mock_portal import helpers as h

MENU = (
    "首页",
    "培训报名",
    "补贴公示",
    "评价报名",
    "竞赛报名",
    "专家培训报名",
    "技能证书查询",
    "技校证书查询",
    "考试指南",
)


def test_home_has_the_guides_header_and_menu(mock_portal: RunningPortal) -> None:
    page = h.client(mock_portal).get("/").text
    for text in ("浙江省职业能力一体化工作平台", "个人用户登录", "法人登录", *MENU):
        assert text in page
    assert "请输入评价机构名称或评价报名计划关键字" in page
    assert re.search(r'(src|href)="(https?:)?//', page) is None, "no external asset"


def test_personal_login_hands_over_to_sso_and_back_with_a_ticket(mock_portal: RunningPortal) -> None:
    h.make_account(mock_portal)
    browser = h.client(mock_portal)
    home = browser.get("/").text
    link = re.search(r'href="(/sso/login\?service=[^"]+)"[^>]*>个人用户登录', home)
    assert link is not None
    login = browser.get(link.group(1).replace("&amp;", "&"))
    assert "个人登录" in login.text and "浙里办 APP 扫码登录" in login.text
    wrong = browser.post("/sso/login", data={"loginname": "zhangsan", "loginpwd": "nope"})
    assert "用户名或密码错误" in wrong.text and "JSESSIONID" not in browser.cookies
    done = browser.post(
        "/sso/login", data={"loginname": "zhangsan", "loginpwd": h.PASSWORD}, follow_redirects=False
    )
    assert done.status_code == 303 and "/sso/callback?ticket=ST-" in done.headers["location"]
    back = browser.get(done.headers["location"])
    assert back.url.path == "/user/basic-info"
    assert "张三" in back.text and "个人基本信息" in back.text
    again = browser.get(done.headers["location"])
    assert again.status_code == 404, "a ticket works once"


def test_login_qr_is_a_real_qr_and_a_phone_get_completes_it(mock_portal: RunningPortal) -> None:
    h.make_account(mock_portal)
    browser = h.client(mock_portal)
    page = browser.get("/sso/login", params={"method": "qr"}).text
    token = re.search(r'src="/sso/qr/([^".]+)\.png"', page)
    assert token is not None
    image = browser.get(f"/sso/qr/{token.group(1)}.png")
    assert image.headers["content-type"] == "image/png" and image.content.startswith(b"\x89PNG")
    status = f"/sso/qr/{token.group(1)}/status"
    assert browser.get(status).json() == {"status": "pending"}
    phone = h.get(f"{mock_portal.url}/sso/qr/{token.group(1)}")  # the only account: no question asked
    assert "登录成功" in phone.text
    answer = browser.get(status).json()
    assert answer["status"] == "scanned"
    assert browser.get(answer["redirect"]).url.path == "/user/basic-info"
    assert "JSESSIONID" in browser.cookies


def test_login_qr_with_several_accounts_asks_the_phone_which_and_qa_scan_picks_by_account(
    mock_portal: RunningPortal,
) -> None:
    h.make_account(mock_portal, "zhangsan")
    h.make_account(mock_portal, "lisi", name="李四", id_number=h.id_number(seq="456"))
    browser = h.client(mock_portal)
    token = re.search(r"/sso/qr/([^\".]+)\.png", browser.get("/sso/login").text)
    assert token is not None
    phone = h.get(f"{mock_portal.url}/sso/qr/{token.group(1)}")
    assert "确认登录" in phone.text
    mock_portal.qa.scan_login("lisi", token.group(1))
    answer = browser.get(f"/sso/qr/{token.group(1)}/status").json()
    assert "李四" in browser.get(answer["redirect"]).text
    with pytest.raises(httpx.HTTPStatusError):
        mock_portal.qa.scan_login("lisi", token.group(1))


def test_login_qr_expires(mock_portal: RunningPortal) -> None:
    h.make_account(mock_portal)
    browser = h.client(mock_portal)
    token = re.search(r"/sso/qr/([^\".]+)\.png", browser.get("/sso/login").text)
    assert token is not None
    mock_portal.qa.set_clock(advance_seconds=301)
    assert browser.get(f"/sso/qr/{token.group(1)}/status").json()["status"] == "expired"
    assert "二维码已过期" in h.get(f"{mock_portal.url}/sso/qr/{token.group(1)}").text


@pytest.mark.parametrize(
    "path",
    ["/user/basic-info", "/user/applications", "/user/app/1", "/user/app/1/step2", "/pj/plan/911/apply"],
)
def test_pages_behind_login_answer_illegal_request_without_a_session(
    mock_portal: RunningPortal, path: str
) -> None:
    answer = h.client(mock_portal).get(path)
    assert answer.status_code == 404 and answer.text == "非法请求 404！"
    forged = h.get(f"{mock_portal.url}{path}", cookies={"JSESSIONID": "0" * 32})
    assert forged.status_code == 404 and forged.text == "非法请求 404！"


def _count(page: str) -> int:
    found = re.search(r"查询结果: 共(\d+)条", page)
    assert found is not None
    return int(found.group(1))


def test_plan_search_keyword_filters_and_pagination(mock_portal: RunningPortal) -> None:
    browser = h.client(mock_portal)
    first = browser.get("/pj/plans").text
    for text in (
        "首页</a> &gt; 技能评价报名计划",
        "评价认定类型",
        "职业技能等级认定",
        "专项职业能力考核",
        "请选择职业名称",
        "请选择工种名称",
        "请选择等级",
        "请选择所在市",
        "请选择所在区县",
        "报名开始时间",
        "报名结束时间",
        "认定考试日期",
        "职业(工种)",
    ):
        assert text in first
    assert _count(first) == 28 and "第 1/3 页" in first
    assert first.count('href="/pj/plan/') == 10
    last = browser.get("/pj/plans", params={"page": 3}).text
    assert "第 3/3 页" in last and last.count('href="/pj/plan/') == 8

    guide = browser.get("/pj/plans", params={"keyword": "浙江省生态与环境修复技术协会"}).text
    assert _count(guide) == 5 and "第 1/1 页" in guide
    assert (
        "浙江省生态与环境修复技术协会4月份碳排放管理员（碳排放核算员）中级工申报计划（编号：2024-S-000911）"
        in guide
    )
    narrowed = browser.get(
        "/pj/plans",
        params={
            "keyword": "生态与环境修复",
            "occupation": "碳排放管理员",
            "work_type": "碳排放核算员",
            "level": "中级工",
        },
    ).text
    assert _count(narrowed) == 2 and "2024-S-000911" in narrowed and "2024-S-000937" in narrowed
    special = browser.get("/pj/plans", params={"type": "专项职业能力考核"}).text
    assert _count(special) == 2
    ningbo = browser.get("/pj/plans", params={"city": "宁波市"}).text
    assert (
        _count(ningbo) == 4
        and '<option value="鄞州区">' in ningbo
        and '<option value="南湖区">' not in ningbo
    )
    assert _count(browser.get("/pj/plans", params={"city": "宁波市", "district": "海曙区"}).text) == 2
    cascade = browser.get("/pj/plans", params={"occupation": "碳排放管理员"}).text
    assert '<option value="碳排放监测员">' in cascade and '<option value="数据标注员">' not in cascade
    assert _count(browser.get("/pj/plans", params={"keyword": "不存在的机构"}).text) == 0


def test_plan_detail_has_the_guides_tables(mock_portal: RunningPortal) -> None:
    page = h.client(mock_portal).get("/pj/plan/911").text
    for text in (
        "首页</a> &gt; 技能评价申报计划",
        "基本信息",
        "计划编号",
        "2024-S-000911",
        "计划年度",
        "2024年度",
        "计划名称",
        "机构名称",
        "浙江省生态与环境修复技术协会",
        "联系人",
        "联系电话",
        "计划类型",
        "职业技能等级认定",
        "职业工种",
        "碳排放管理员（碳排放核算员）",
        "职业工种编码",
        "4-09-07-04-03",
        "认定范围",
        "申报条件",
        "申报说明",
        "马上报名",
        "累计从事本职业或相关职业工作满5年。",
    ):
        assert text in page
    assert "胡芬" not in page and "13806506139" not in page, "contact details are fictional"


def test_basic_info_must_be_confirmed_before_applying_and_checks_the_phone(
    mock_portal: RunningPortal,
) -> None:
    h.make_account(mock_portal)
    browser = h.login(mock_portal)
    redirected = browser.get("/pj/plan/911/apply")
    assert redirected.url.path == "/user/basic-info" and "技能评价报名" in redirected.text
    page = redirected.text
    phone_name = re.search(r'手机号码</td><td><input type="text" name="(column\d+)"', page)
    address_name = re.search(r'通讯地址</td><td><input type="text" name="(column\d+)"', page)
    assert phone_name and address_name
    bad = browser.post(
        "/user/basic-info",
        data={phone_name.group(1): "12345", address_name.group(1): "杭州", "next": "/pj/plan/911/apply"},
    )
    assert "手机号码格式不正确" in bad.text
    good = browser.post(
        "/user/basic-info",
        data={
            phone_name.group(1): "13900139000",
            address_name.group(1): "杭州",
            "next": "/pj/plan/911/apply",
        },
    )
    assert good.url.path.endswith("/step1"), "技能评价报名 continues to the plan that was chosen"
    assert mock_portal.qa.applications("zhangsan")[0]["state"] == "未提交"


@pytest.mark.parametrize(
    ("plan_id", "message"), [(h.CLOSED_PLAN, "报名已结束"), (h.NOT_OPEN_PLAN, "报名尚未开始")]
)
def test_apply_outside_the_window_is_refused(mock_portal: RunningPortal, plan_id: int, message: str) -> None:
    h.make_account(mock_portal, info_confirmed=True)
    browser = h.login(mock_portal)
    page = browser.get(f"/pj/plan/{plan_id}/apply")
    assert "不在报名时间内" in page.text and message in page.text
    assert mock_portal.qa.applications("zhangsan") == []


def test_the_clock_opens_and_closes_windows(mock_portal: RunningPortal) -> None:
    h.make_account(mock_portal, info_confirmed=True)
    browser = h.login(mock_portal)
    not_open = h.plan(mock_portal, h.NOT_OPEN_PLAN)
    mock_portal.qa.set_clock(not_open.start + timedelta(hours=1))
    assert browser.get(f"/pj/plan/{h.NOT_OPEN_PLAN}/apply").url.path.endswith("/step1")
    guide = h.plan(mock_portal, h.GUIDE_PLAN)
    mock_portal.qa.set_clock(guide.end + timedelta(seconds=1))
    assert "不在报名时间内" in browser.get(f"/pj/plan/{h.GUIDE_PLAN}/apply").text
