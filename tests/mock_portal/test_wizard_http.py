"""The four-step wizard's rules, enforced on the server, with the site's Chinese messages."""

from __future__ import annotations

import re

import httpx
import pytest

from portal_bot.mock_portal import form
from portal_bot.mock_portal.server import RunningPortal
from tests.mock_portal import helpers as h


def _at_step2(
    portal: RunningPortal, plan_id: int = h.GUIDE_PLAN, **account: object
) -> tuple[httpx.Client, int]:
    h.make_account(portal, info_confirmed=True, **account)
    browser = h.login(portal)
    app_id = h.start_application(browser, plan_id)
    assert "照片上传成功" in h.upload_photo(browser, portal, app_id, plan_id, h.photo()).text
    return browser, app_id


def _errors(page: str) -> list[str]:
    block = re.search(r'<div class="errors" role="alert"><ul>(.*?)</ul></div>', page, re.S)
    return re.findall(r"<li>(.*?)</li>", block.group(1)) if block else []


def test_wizard_shows_breadcrumb_and_the_four_steps(mock_portal: RunningPortal) -> None:
    browser, app_id = _at_step2(mock_portal)
    page = browser.get(f"/user/app/{app_id}/step1").text
    plan_name = "浙江省生态与环境修复技术协会4月份碳排放管理员（碳排放核算员）中级工申报计划"
    assert f"用户中心 &gt; 我的技能评价报名 &gt; {plan_name}（编号：2024-S-000911）" in page
    for text in ("上传证件照", "填写报名信息", "扫码在线签名", "预览确认提交", "大于215*300（宽*高）像素"):
        assert text in page


def test_photo_rules_over_http_and_next_needs_a_photo(mock_portal: RunningPortal) -> None:
    h.make_account(mock_portal, info_confirmed=True)
    browser = h.login(mock_portal)
    app_id = h.start_application(browser)
    assert "请先上传证件照" in browser.get(f"/user/app/{app_id}/step2").text
    wide = h.upload_photo(browser, mock_portal, app_id, h.GUIDE_PLAN, h.photo(400, 440))
    assert "照片宽高比应大于等于0.65且小于等于0.8" in wide.text
    png = h.upload_photo(browser, mock_portal, app_id, h.GUIDE_PLAN, h.photo(fmt="PNG"), name="me.png")
    assert "照片格式应为JPG或JPEG格式" in png.text
    assert mock_portal.qa.applications("zhangsan")[0]["photo"] is None
    ok = h.upload_photo(browser, mock_portal, app_id, h.GUIDE_PLAN, h.photo(300, 400))
    assert "照片上传成功" in ok.text and "300×400" in ok.text
    assert mock_portal.qa.applications("zhangsan")[0]["photo"]["width"] == 300
    assert browser.get(f"/user/app/{app_id}/photo.jpg").headers["content-type"] == "image/jpeg"


def test_an_auto_collected_id_photo_is_already_there(mock_portal: RunningPortal) -> None:
    h.make_account(mock_portal, info_confirmed=True, id_photo=True)
    browser = h.login(mock_portal)
    app_id = h.start_application(browser)
    assert "系统已自动采集二代身份证照片" in browser.get(f"/user/app/{app_id}/step1").text
    assert browser.get(f"/user/app/{app_id}/step2").status_code == 200


def test_step2_is_prefilled_from_plan_and_account_with_fixed_fields_read_only(
    mock_portal: RunningPortal,
) -> None:
    browser, app_id = _at_step2(mock_portal)
    page = browser.get(f"/user/app/{app_id}/step2").text
    col = form.columns(h.plan(mock_portal, h.GUIDE_PLAN), 0)
    for key, value in (
        # the guide's step 2 for this plan: 报考职业名称 碳排放核算员, 报考工种名称 "-"
        ("occupation", "碳排放核算员"),
        ("work_type", "-"),
        ("occupation_code", "4-09-07-04-03"),
        ("level", "中级工"),
        ("name", "张三"),
        ("id_number", h.id_number()),
        ("birth_date", "2003-05-14"),
    ):
        assert f'name="{col[key]}" id="{col[key]}" value="{value}" readonly' in page
    assert re.search(
        rf'<select name="{col["sex"]}" id="{col["sex"]}" disabled>.*?<option value="1" selected>男',
        page,
        re.S,
    )
    assert page.count('class="x-select"') >= 2
    assert "<label for" not in page and "aria-label" not in page
    # Tampering with read-only fields changes nothing: they come from the real-name data.
    values = h.step2_values(name="李四", id_number="110105194912310021", sex="2", birth_date="1949-12-31")
    h.post_step2(browser, mock_portal, app_id, h.GUIDE_PLAN, values, {"materials": ("m.pdf", h.pdf())})
    saved = mock_portal.qa.applications("zhangsan")[0]["values"]
    assert (saved["name"], saved["id_number"], saved["sex"]) == ("张三", h.id_number(), "男")


def test_step2_reports_every_missing_field_in_chinese(mock_portal: RunningPortal) -> None:
    browser, app_id = _at_step2(mock_portal)
    page = h.post_step2(browser, mock_portal, app_id, h.GUIDE_PLAN, {}).text
    for message in (
        "请选择申报科目",
        "请选择考生类别",
        "请选择文化程度",
        "请填写通讯地址",
        "请填写手机号码",
        "请填写所在单位或勾选无工作单位",
        "请填写统一社会信用代码",
        "请填写本职业工作年限",
        "请填写从事岗位",
        "请选择是否人力资源派遣员工",
        "请选择是否省内技工学校在籍生",
        "请选择是否晋级申报",
        "请选择专业技术职称证书",
        "请选择申报方式",
        "请选择符合的申报条件",
        "请上传其他材料PDF扫描件",
    ):
        assert message in _errors(page)
    assert '<span class="err-msg" role="alert">请填写手机号码</span>' in page
    assert mock_portal.qa.applications("zhangsan")[0]["values"] == {}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"phone": "1380013800"}, "手机号码格式不正确"),
        ({"credit_code": "91330106MA2B3C4D5X"}, "统一社会信用代码校验位不正确"),
        ({"years_in_occupation": "abc"}, "本职业工作年限应为0到60之间的整数"),
        ({"category": "9"}, "请选择考生类别"),
    ],
)
def test_step2_field_rules(mock_portal: RunningPortal, override: dict[str, str], message: str) -> None:
    browser, app_id = _at_step2(mock_portal)
    page = h.post_step2(
        browser,
        mock_portal,
        app_id,
        h.GUIDE_PLAN,
        h.step2_values(**override),
        {"materials": ("m.pdf", h.pdf())},
    ).text
    assert _errors(page) == [message]
    assert "已上传：m.pdf（2页）" in page, "the upload is kept while the rest is fixed"


def test_students_must_answer_like_the_guide_says(mock_portal: RunningPortal) -> None:
    browser, app_id = _at_step2(mock_portal)
    student = h.step2_values(category="2")
    page = h.post_step2(
        browser, mock_portal, app_id, h.GUIDE_PLAN, student, {"materials": ("m.pdf", h.pdf())}
    ).text
    assert _errors(page) == [
        "院校学生请勾选无工作单位",
        "院校学生本职业工作年限应填0",
        "院校学生从事岗位应填无",
    ]
    fixed = h.step2_values(
        category="2",
        no_employer="1",
        employer=None,
        credit_code=None,
        years_in_occupation="0",
        post="无",
        eligibility=["3"],
    )
    done = h.post_step2(browser, mock_portal, app_id, h.GUIDE_PLAN, fixed)
    assert done.url.path.endswith("/step3"), _errors(done.text)
    saved = mock_portal.qa.applications("zhangsan")[0]["values"]
    assert saved["employer"] is None and saved["credit_code"] is None and saved["years_in_occupation"] == 0
    dispatched = h.step2_values(
        category="2", no_employer="1", years_in_occupation="0", post="无", dispatched="1", eligibility=["3"]
    )
    assert _errors(h.post_step2(browser, mock_portal, app_id, h.GUIDE_PLAN, dispatched).text) == [
        "院校学生应选择非人力资源派遣员工"
    ]


def test_promotion_needs_the_original_certificate_and_its_evidence(mock_portal: RunningPortal) -> None:
    browser, app_id = _at_step2(mock_portal)
    promo = h.step2_values(promotion="1", eligibility=["2"])
    page = h.post_step2(
        browser, mock_portal, app_id, h.GUIDE_PLAN, promo, {"materials": ("m.pdf", h.pdf())}
    ).text
    assert _errors(page) == [
        "请选择原证书类型",
        "请选择原证书等级",
        "请填写原职业(工种)",
        "请填写原证书编号",
        "请填写原证书取得时间",
        "请填写原证书发证机构",
        "请上传原证书佐证材料",
    ]
    full = h.step2_values(
        promotion="1",
        eligibility=["2"],
        orig_cert_type="2",
        orig_occupation="碳排放管理员（碳排放核算员）",
        orig_cert_number="Y330000000123",
        orig_level="5",
        orig_date="2021/06/30",
        orig_issuer="浙江省生态与环境修复技术协会",
    )
    bad_date = h.post_step2(
        browser, mock_portal, app_id, h.GUIDE_PLAN, full, {"orig_evidence": ("证书.pdf", h.pdf(1))}
    )
    assert _errors(bad_date.text) == ["原证书取得时间格式不正确（yyyy-mm-dd）"]
    full["orig_date"] = "2021-06-30"
    done = h.post_step2(browser, mock_portal, app_id, h.GUIDE_PLAN, full)
    assert done.url.path.endswith("/step3"), _errors(done.text)
    [app] = mock_portal.qa.applications("zhangsan")
    assert app["values"]["promotion"] == {
        "cert_type": "技能等级认定证书",
        "occupation": "碳排放管理员（碳排放核算员）",
        "cert_number": "Y330000000123",
        "level": "五级/初级工",
        "date": "2021-06-30",
        "issuer": "浙江省生态与环境修复技术协会",
    }
    assert app["pdfs"]["evidence"]["pages"] == 1
    # Back to 否: the original-certificate details and evidence are dropped.
    h.post_step2(browser, mock_portal, app_id, h.GUIDE_PLAN, h.step2_values())
    [app] = mock_portal.qa.applications("zhangsan")
    assert app["values"]["promotion"] is None and "evidence" not in app["pdfs"]


def test_a_second_pdf_upload_replaces_the_first_and_bad_pdfs_are_refused(mock_portal: RunningPortal) -> None:
    browser, app_id = _at_step2(mock_portal)
    values = h.step2_values()
    h.post_step2(browser, mock_portal, app_id, h.GUIDE_PLAN, values, {"materials": ("一.pdf", h.pdf(1))})
    h.post_step2(browser, mock_portal, app_id, h.GUIDE_PLAN, values, {"materials": ("二.pdf", h.pdf(4))})
    pdfs = mock_portal.qa.applications("zhangsan")[0]["pdfs"]
    assert pdfs["materials"]["filename"] == "二.pdf" and pdfs["materials"]["pages"] == 4
    fake = h.post_step2(
        browser, mock_portal, app_id, h.GUIDE_PLAN, values, {"materials": ("假.pdf", b"GIF89a")}
    )
    assert _errors(fake.text) == ["只允许上传PDF文件"]
    assert mock_portal.qa.applications("zhangsan")[0]["pdfs"]["materials"]["pages"] == 4


def test_signature_qr_expires_refreshes_and_is_signed_by_a_phone_get(mock_portal: RunningPortal) -> None:
    browser, app_id = _at_step2(mock_portal)
    h.post_step2(
        browser, mock_portal, app_id, h.GUIDE_PLAN, h.step2_values(), {"materials": ("m.pdf", h.pdf())}
    )
    page = browser.get(f"/user/app/{app_id}/step3").text
    for text in ("个人承诺书", "本人已阅读并理解《国家职业技能标准》", "刷新二维码", "等待扫码签名"):
        assert text in page
    early = browser.get(f"/user/app/{app_id}/step4").text
    assert "请先扫码完成在线签名" in early
    token = re.search(rf"/user/app/{app_id}/sign/([^\".]+)\.png", page)
    assert token is not None
    assert browser.get(f"/user/app/{app_id}/sign/{token.group(1)}.png").content.startswith(b"\x89PNG")
    mock_portal.qa.set_clock(advance_seconds=301)
    assert browser.get(f"/user/app/{app_id}/sign/status").json() == {"status": "expired"}
    assert "二维码已过期" in h.get(f"{mock_portal.url}/sign/{token.group(1)}").text
    refreshed = browser.post(f"/user/app/{app_id}/step3/refresh").text
    new = re.search(rf"/user/app/{app_id}/sign/([^\".]+)\.png", refreshed)
    assert new is not None and new.group(1) != token.group(1)
    phone = h.get(f"{mock_portal.url}/sign/{new.group(1)}")
    assert "签名成功" in phone.text
    assert browser.get(f"/user/app/{app_id}/sign/status").json() == {"status": "signed"}
    assert "已签名" in browser.get(f"/user/app/{app_id}/step3").text
    preview = browser.get(f"/user/app/{app_id}/step4").text
    for text in (
        "我的签名",
        "是否人力资源派遣员工",
        "专业技术职称证书",
        "常规申报",
        # the guide's preview wording (the form says 满5年, the preview 5年(含)以上)
        "(1) 累计从事本职业或相关职业工作5年(含)以上。",
        "<th>省内技工学校在籍生</th>",
        "m.pdf（2页）",
        "杭州绿色低碳科技有限公司",
        "提交",
        "上一步",
    ):
        assert text in preview


def test_submitting_again_via_apply_shows_the_existing_application(mock_portal: RunningPortal) -> None:
    browser, app_id = h.submitted_application(mock_portal)
    again = browser.get(f"/pj/plan/{h.GUIDE_PLAN}/apply")
    assert again.url.path == f"/user/app/{app_id}" and "待审核" in again.text
    assert browser.get(f"/user/app/{app_id}/step2").url.path == f"/user/app/{app_id}", "no edits after submit"
    assert len(mock_portal.qa.applications("zhangsan")) == 1


def test_a_draft_continues_where_it_stopped_and_another_month_is_a_separate_application(
    mock_portal: RunningPortal,
) -> None:
    browser, app_id = _at_step2(mock_portal)
    h.post_step2(
        browser, mock_portal, app_id, h.GUIDE_PLAN, h.step2_values(), {"materials": ("m.pdf", h.pdf())}
    )
    again = browser.get(f"/pj/plan/{h.GUIDE_PLAN}/apply")
    assert again.url.path == f"/user/app/{app_id}/step3"
    other = h.start_application(browser, h.OTHER_MONTH_PLAN)
    assert other != app_id
    assert [a["plan_no"] for a in mock_portal.qa.applications("zhangsan")] == [
        "2024-S-000911",
        "2024-S-000937",
    ]


PRODUCT_LABELS = (
    "报考职业名称",
    "报考工种名称",
    "报考职业工种编码",
    "报考职业等级",
    "申报科目",
    "考生类别",
    "姓名",
    "性别",
    "身份证件类型",
    "身份证件号码",
    "出生日期",
    "文化程度",
    "通讯地址",
    "手机号码",
    "所在单位",
    "统一社会信用代码",
    "本职业工作年限",
    "从事岗位",
    "是否人力资源派遣员工",
    "是否省内技工学校在籍生",
    "是否晋级申报",
    "原证书类型",
    "原职业(工种)",
    "原证书编号",
    "原证书等级",
    "原证书取得时间",
    "原证书发证机构",
    "原证书佐证材料",
    "专业技术职称证书",
    "申报方式",
    "符合申报条件",
    "其他材料PDF扫描件",
)


def test_step2_has_every_label_of_product_md_in_a_table_or_div_row(mock_portal: RunningPortal) -> None:
    browser, app_id = _at_step2(mock_portal)
    page = browser.get(f"/user/app/{app_id}/step2").text
    for label in PRODUCT_LABELS:
        escaped = re.escape(label)
        table = rf'<td class="tit">(<span class="red">\*</span> )?{escaped}</td>'
        div = rf'<div class="form-lbl">(<i>\*</i>)?{escaped}：</div>'
        assert len(re.findall(f"{table}|{div}", page)) == 1, label
    for text in (
        "理论考试",
        "实操考试",
        "社会人员",
        "院校学生",
        "无工作单位",
        "职业资格证书",
        "技能等级认定证书",
        "常规申报",
    ):
        assert text in page
