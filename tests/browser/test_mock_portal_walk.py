"""A person's path through the mock portal in a real Chromium, finding fields by their labels.

This walk is the mock's own test, written against its markup (``td.tit`` / ``div.form-lbl`` rows,
``.x-select``, ``td.state``): it runs on variant 0 even when PORTAL_BOT_MOCK_RENAME_SEED puts the
session's ``mock_portal`` on the renaming variant (the shipped flows prove that one:
tests/browser/site). The screenshots of docs/mock-portal come from here, so they show variant 0.

Set PORTAL_BOT_SCREENSHOTS_DIR (``make screenshots`` does, to docs/mock-portal) to keep a
screenshot of every page; otherwise they go to the test's temporary directory.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, Locator, Page, expect

from portal_bot.mock_portal.server import RunningPortal, serve_in_thread
from tests.mock_portal import helpers as h

pytestmark = pytest.mark.browser


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    target = os.environ.get("PORTAL_BOT_SCREENSHOTS_DIR")
    folder = Path(target) if target else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def snap(page: Page, shots: Path, name: str) -> None:
    """A full-page screenshot, reduced to a 64-colour palette so the committed PNGs stay small."""
    picture = Image.open(io.BytesIO(page.screenshot(full_page=True, type="png")))
    picture.convert("RGB").quantize(colors=64).save(shots / f"{name}.png", optimize=True)


def control(page: Page, label: str) -> Locator:
    """The cell holding the control(s) of the row labelled ``label`` (table or div layout)."""
    text = f"normalize-space(translate(., '*：:', ''))='{label}'"
    return page.locator(
        f"xpath=//td[contains(@class,'tit')][{text}]/following-sibling::td[1]"
        f" | //div[contains(@class,'form-lbl')][{text}]/following-sibling::div[1]"
    )


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option of a native select or a custom x-select by its text."""
    cell = control(page, label)
    if cell.locator("select").count():
        cell.locator("select").select_option(label=option)
    else:
        cell.locator(".x-select-value").click()
        cell.locator(".x-select-options li", has_text=re.compile(f"^{re.escape(option)}$")).click()


def radio(page: Page, label: str, option: str) -> None:
    control(page, label).locator("label.radio", has_text=option).locator("input").check()


@pytest.fixture(scope="module")
def variant0() -> Iterator[RunningPortal]:
    """A replica with the mock's own markup: never renamed (see the module's docstring)."""
    with serve_in_thread() as running:
        yield running


@pytest.fixture
def page(browser: Browser, browser_context_args: dict[str, Any], variant0: RunningPortal) -> Iterator[Page]:
    """pytest-playwright's page, its relative addresses on :func:`variant0`."""
    context = browser.new_context(**{**browser_context_args, "base_url": variant0.url})
    yield context.new_page()
    context.close()


@pytest.fixture
def person(variant0: RunningPortal) -> RunningPortal:
    variant0.qa.reset()
    h.make_account(variant0)
    return variant0


def _login_with_password(page: Page, shots: Path) -> None:
    page.goto("/")
    snap(page, shots, "01-home")
    page.get_by_role("link", name="个人用户登录").click()
    expect(page.get_by_text("浙里办 APP 扫码登录")).to_be_visible()
    snap(page, shots, "02-login")
    page.get_by_placeholder("请输入政务服务网账号/手机号").fill("zhangsan")
    page.get_by_placeholder("请输入密码").fill(h.PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".crumb")).to_contain_text("个人基本信息")


def _fill_step2(page: Page, phone: str) -> None:
    for subject in ("理论考试", "实操考试"):
        control(page, "申报科目").locator("label.checkbox", has_text=subject).locator("input").check()
    choose(page, "考生类别", "社会人员")
    choose(page, "文化程度", "大学")
    control(page, "通讯地址").locator("input").fill("浙江省杭州市西湖区文三路1号")
    control(page, "手机号码").locator("input").fill(phone)
    control(page, "所在单位").locator("input[type=text]").fill("杭州绿色低碳科技有限公司")
    control(page, "统一社会信用代码").locator("input").fill(h.credit_code())
    control(page, "本职业工作年限").locator("input").fill("6")
    control(page, "从事岗位").locator("input").fill("碳排放核算")
    radio(page, "是否人力资源派遣员工", "否")
    radio(page, "是否省内技工学校在籍生", "否")
    radio(page, "是否晋级申报", "否")
    choose(page, "专业技术职称证书", "无")
    choose(page, "申报方式", "常规申报")
    control(page, "符合申报条件").locator("tr", has_text="(1)").locator("input").check()


def test_a_person_registers_and_resubmits_after_a_return(
    person: RunningPortal, page: Page, shots: Path, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.set_default_timeout(10_000)
    _login_with_password(page, shots)
    snap(page, shots, "03-basic-info")
    page.get_by_role("button", name="技能评价报名").click()
    expect(page.get_by_text("查询结果: 共28条")).to_be_visible()
    expect(page.get_by_text("第 1/3 页")).to_be_visible()
    page.get_by_role("link", name="下一页").click()
    expect(page.get_by_text("第 2/3 页")).to_be_visible()

    page.get_by_placeholder("请输入评价机构名称或评价报名计划关键字").fill("浙江省生态与环境修复技术协会")
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_text("查询结果: 共5条")).to_be_visible()
    page.locator("select[name=occupation]").select_option(label="碳排放管理员")
    page.locator("select[name=work_type]").select_option(label="碳排放核算员")
    page.locator("select[name=level]").select_option(label="中级工")
    expect(page.get_by_text("查询结果: 共2条")).to_be_visible()
    snap(page, shots, "04-plan-search")
    page.get_by_role("link", name=re.compile("4月份.*2024-S-000911")).click()
    expect(page.get_by_text("4-09-07-04-03")).to_be_visible()
    snap(page, shots, "05-plan-detail")
    page.get_by_role("link", name="马上报名").click()

    expect(page.locator(".step.current")).to_contain_text("上传证件照")
    photo = tmp_path / "证件照.jpg"
    photo.write_bytes(h.portrait())
    page.locator("input[type=file]").set_input_files(photo)
    page.get_by_role("link", name="上传照片").click()
    expect(page.get_by_text("照片上传成功")).to_be_visible()
    snap(page, shots, "06-step1-photo")
    page.get_by_role("link", name="下一步").click()

    expect(page.locator(".step.current")).to_contain_text("填写报名信息")
    expect(control(page, "姓名").locator("input")).to_have_value("张三")
    expect(control(page, "姓名").locator("input")).not_to_be_editable()
    expect(control(page, "报考职业工种编码").locator("input")).to_have_value("4-09-07-04-03")
    _fill_step2(page, phone="1380013800")
    materials = tmp_path / "材料.pdf"
    materials.write_bytes(h.pdf(3))
    control(page, "其他材料PDF扫描件").locator("input[type=file]").set_input_files(materials)
    page.get_by_role("link", name="下一步").click()
    expect(page.locator(".errors")).to_contain_text("手机号码格式不正确")
    expect(control(page, "手机号码")).to_contain_text("手机号码格式不正确")
    snap(page, shots, "07-step2-error")
    control(page, "手机号码").locator("input").fill("13800138000")
    page.get_by_role("link", name="下一步").click()

    expect(page.locator(".step.current")).to_contain_text("扫码在线签名")
    expect(page.get_by_text("等待扫码签名")).to_be_visible()
    snap(page, shots, "08-step3-sign")
    person.qa.sign(account="zhangsan")
    expect(page.locator(".sign-state")).to_have_text("已签名")
    page.get_by_role("link", name="下一步").click()

    expect(page.locator(".step.current")).to_contain_text("预览确认提交")
    expect(page.locator("table.preview")).to_contain_text("杭州绿色低碳科技有限公司")
    expect(page.locator("table.preview img.sig")).to_be_visible()
    snap(page, shots, "09-step4-preview")
    page.get_by_role("link", name="提交", exact=True).click()
    expect(page.locator("td.state")).to_have_text("待审核")

    [app] = person.qa.applications("zhangsan")
    person.qa.set_state(app["id"], "驳回修改", "身份证反面不清晰，请重新上传")
    page.goto("/user/applications")
    expect(page.locator("td.reason")).to_have_text("身份证反面不清晰，请重新上传")
    snap(page, shots, "10-applications")
    page.get_by_role("link", name="修改").click()
    control(page, "从事岗位").locator("input").fill("碳排放核算主管")
    page.get_by_role("link", name="下一步").click()
    page.get_by_role("link", name="下一步").click()
    page.get_by_role("link", name="继续提交审核").click()
    expect(page.locator("td.state")).to_have_text("待审核")
    assert person.qa.applications("zhangsan")[0]["values"]["post"] == "碳排放核算主管"

    # after the review (invented pages): 缴费, then the 准考证
    person.qa.set_state(app["id"], "待缴费")
    page.goto(f"/user/app/{app['id']}")
    page.get_by_role("link", name="去缴费").click()
    expect(page.get_by_text("280.00 元")).to_be_visible()
    page.get_by_role("button", name="去支付").click()
    expect(page.get_by_text("正在等待支付结果")).to_be_visible()
    person.qa.complete_payment(app["id"])
    page.reload()
    expect(page.get_by_text("缴费时间")).to_be_visible()
    snap(page, shots, "11-pay")
    person.qa.set_state(app["id"], "已生成准考证")
    page.goto(f"/user/app/{app['id']}")
    page.get_by_role("link", name="查看准考证").click()
    expect(page.get_by_text("职业技能等级认定准考证")).to_be_visible()
    snap(page, shots, "12-ticket")


def test_qr_login_completes_when_the_phone_scans(person: RunningPortal, page: Page, shots: Path) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.set_default_timeout(10_000)
    page.goto("/")
    page.get_by_role("link", name="个人用户登录").click()
    page.get_by_text("浙里办 APP 扫码登录").click()
    expect(page.locator("img.qr-img")).to_be_visible()
    snap(page, shots, "02b-login-qr")
    person.qa.scan_login("zhangsan")
    expect(page).to_have_url(re.compile("/user/basic-info$"))


def test_a_scanned_login_redirects_once_however_often_the_page_is_told_to_check(
    person: RunningPortal, page: Page
) -> None:
    """A timer tick and the simulation's portalPollNow() answering together must not navigate twice.

    The ticket in the redirect can be used once; a second navigation to it is refused (非法请求)
    and the person never gets logged in: the stall seen under load before portal.js checked one
    at a time.
    """
    page.set_default_timeout(10_000)
    page.goto("/sso/login")
    page.get_by_text("浙里办 APP 扫码登录").click()
    expect(page.locator("img.qr-img")).to_be_visible()
    callbacks: list[str] = []
    page.on("request", lambda r: callbacks.append(r.url) if "/sso/callback" in r.url else None)
    person.qa.scan_login("zhangsan")
    page.evaluate("() => { for (let i = 0; i < 5; i++) window.portalPollNow(); }")  # all at once
    expect(page).to_have_url(re.compile("/user/basic-info$"))
    expect(page.get_by_text("退出")).to_be_visible()
    assert len(callbacks) == 1, callbacks


def test_form_behaviour_custom_dropdowns_employer_and_promotion(person: RunningPortal, page: Page) -> None:
    person.qa.create_account(
        username="lisi",
        password="pw",
        name="李四",
        id_number=h.id_number(seq="456"),
        phone="13900139000",
        info_confirmed=True,
        id_photo=True,
    )
    page.goto("/sso/login")
    page.get_by_placeholder("请输入政务服务网账号/手机号").fill("lisi")
    page.get_by_placeholder("请输入密码").fill("pw")
    page.get_by_role("button", name="登录").click()
    page.goto(f"/pj/plan/{h.GUIDE_PLAN}/apply")
    expect(page.get_by_text("系统已自动采集二代身份证照片")).to_be_visible()
    page.get_by_role("link", name="下一步").click()
    choose(page, "文化程度", "硕士研究生")
    expect(control(page, "文化程度").locator(".x-select-value")).to_have_text("硕士研究生")
    expect(control(page, "文化程度").locator("input[type=hidden]")).to_have_value("14")
    control(page, "所在单位").get_by_text("无工作单位").click()
    expect(control(page, "所在单位").locator("input[type=text]")).to_be_disabled()
    expect(control(page, "统一社会信用代码").locator("input")).to_be_disabled()
    expect(control(page, "原证书编号")).to_be_hidden()
    radio(page, "是否晋级申报", "是")
    expect(control(page, "原证书编号")).to_be_visible()
    radio(page, "原证书类型", "技能等级认定证书")
    choose(page, "原证书等级", "五级/初级工")
    expect(control(page, "原证书等级").locator("input[type=hidden]")).to_have_value("5")


@pytest.mark.parametrize("variant", [1, 2])
def test_labels_find_every_field_in_other_variants_and_plans(
    page: Page, tmp_path: Path, variant: int
) -> None:
    with serve_in_thread(variant=variant) as other:
        h.make_account(other, info_confirmed=True)
        page.set_default_timeout(10_000)
        page.goto(f"{other.url}/sso/login")
        page.get_by_placeholder("请输入政务服务网账号/手机号").fill("zhangsan")
        page.get_by_placeholder("请输入密码").fill(h.PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.goto(f"{other.url}/pj/plan/{h.OTHER_MONTH_PLAN}/apply")
        photo = tmp_path / "photo.jpg"
        photo.write_bytes(h.portrait())
        page.locator("input[type=file]").set_input_files(photo)
        page.get_by_role("link", name="上传照片").click()
        page.get_by_role("link", name="下一步").click()
        _fill_step2(page, phone="13800138000")
        materials = tmp_path / "m.pdf"
        materials.write_bytes(h.pdf(1))
        control(page, "其他材料PDF扫描件").locator("input[type=file]").set_input_files(materials)
        page.get_by_role("link", name="下一步").click()
        expect(page.locator(".step.current")).to_contain_text("扫码在线签名")
        [app] = other.qa.applications("zhangsan")
        assert app["plan_no"] == "2024-S-000937"
        assert app["values"]["education"] == "大学" and app["values"]["eligibility"] == [1]
        page.context.clear_cookies()
