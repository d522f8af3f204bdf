"""Issue 12: where the mock follows the guide's own values and wording, and reads its rules strictly."""

from __future__ import annotations

import httpx
import pytest

from portal_bot.mock_portal import rules
from portal_bot.mock_portal.server import RunningPortal
from tests.mock_portal import helpers as h
from tests.mock_portal.test_wizard_http import _at_step2, _errors

CERT = {
    "cert_type": "技能等级认定证书",
    "occupation": "碳排放管理员（碳排放核算员）",
    "cert_number": "Y330000000999",
    "level": "五级/初级工",
    "date": "2021-06-30",
    "issuer": "浙江省生态与环境修复技术协会",
}


def _promotion(number: str) -> dict[str, object]:
    return h.step2_values(
        promotion="1",
        eligibility=["2"],
        orig_cert_type="2",
        orig_occupation=CERT["occupation"],
        orig_cert_number=number,
        orig_level="5",
        orig_date="2021-06-30",
        orig_issuer=CERT["issuer"],
    )


def test_a_certificate_on_record_needs_no_evidence_and_another_one_does(mock_portal: RunningPortal) -> None:
    browser, app_id = _at_step2(mock_portal, certificates=[CERT])
    page = browser.get(f"/user/app/{app_id}/step2").text
    assert "系统提取的证书：" in page and "Y330000000999" in page
    other = h.post_step2(
        browser,
        mock_portal,
        app_id,
        h.GUIDE_PLAN,
        _promotion("Y330000000123"),
        {"materials": ("m.pdf", h.pdf())},
    )
    assert _errors(other.text) == ["请上传原证书佐证材料"]
    on_record = h.post_step2(browser, mock_portal, app_id, h.GUIDE_PLAN, _promotion("Y330000000999"))
    assert on_record.url.path.endswith("/step3"), _errors(on_record.text)
    [app] = mock_portal.qa.applications("zhangsan")
    assert app["values"]["promotion"]["cert_number"] == "Y330000000999" and "evidence" not in app["pdfs"]


def test_bad_certificates_are_refused_by_the_qa_api(mock_portal: RunningPortal) -> None:
    with pytest.raises(httpx.HTTPStatusError) as caught:
        h.make_account(mock_portal, certificates=[{**CERT, "level": "九级"}])
    assert caught.value.response.status_code == 422


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"years_in_occupation": "0"},
            "申报条件(1)要求累计从事本职业或相关职业工作满5年，所填本职业工作年限为0年",
        ),
        (
            {"eligibility": ["2"]},
            "申报条件(2)需取得原证书，请选择是否晋级申报为“是”并填写原证书信息",
        ),
        (
            {"eligibility": ["1", "2"], "years_in_occupation": "2"},
            "申报条件(1)要求累计从事本职业或相关职业工作满5年，所填本职业工作年限为2年；"
            "申报条件(2)需取得原证书，请选择是否晋级申报为“是”并填写原证书信息",
        ),
    ],
)
def test_each_condition_is_checked_against_the_other_answers(
    mock_portal: RunningPortal, override: dict[str, object], message: str
) -> None:
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


def test_condition_2_needs_three_years_and_a_level_5_certificate(mock_portal: RunningPortal) -> None:
    browser, app_id = _at_step2(mock_portal)
    values = {**_promotion("Y1"), "years_in_occupation": "2", "orig_level": "4"}
    page = h.post_step2(
        browser,
        mock_portal,
        app_id,
        h.GUIDE_PLAN,
        values,
        {"orig_evidence": ("c.pdf", h.pdf(1)), "materials": ("m.pdf", h.pdf())},
    ).text
    assert _errors(page) == [
        "申报条件(2)所需的原证书等级与所填原证书等级（四级/中级工）不符；"
        "申报条件(2)要求累计从事本职业或相关职业工作满3年，所填本职业工作年限为2年"
    ]


def test_preview_uses_the_guides_wording_and_step2_its_prefilled_values(mock_portal: RunningPortal) -> None:
    browser, app_id = h.submitted_application(mock_portal)
    page = browser.get(f"/user/app/{app_id}").text
    assert "<th>省内技工学校在籍生</th><td>否</td>" in page
    assert "是否省内技工学校在籍生" not in page
    assert "(1) 累计从事本职业或相关职业工作5年(含)以上。" in page
    assert "<th>报考职业名称</th><td>碳排放核算员</td>" in page
    assert "<th>报考工种名称</th><td>-</td>" in page


# -- the photo and PDF limits, read the strict way ------------------------------------------------
def _padded_jpeg(size: int) -> bytes:
    """A valid 330×440 JPEG of exactly ``size`` bytes (bytes after its end marker pad it)."""
    base = h.photo(330, 440, noise=0.0)
    assert len(base) < 30_000
    return base + b"\0" * (size - len(base))


@pytest.mark.parametrize(
    ("size", "ok"),
    [(30_720, False), (30_721, True), (999_999, True), (1_000_000, False), (1_048_575, False)],
)
def test_photo_size_limits_are_the_strict_reading(size: int, ok: bool) -> None:
    content = _padded_jpeg(size)
    assert len(content) == size
    if ok:
        assert rules.check_photo("me.jpg", content) == (330, 440)
    else:
        with pytest.raises(rules.RuleError, match="照片文件应大于30K且小于1M"):
            rules.check_photo("me.jpg", content)


def test_a_truncated_jpeg_is_refused_and_noise_is_not() -> None:
    whole = h.photo(330, 440, noise=1.0)
    assert rules.check_photo("noise.jpg", whole) == (330, 440)
    with pytest.raises(rules.RuleError, match="照片文件不完整或已损坏"):
        rules.check_photo("cut.jpg", whole[: len(whole) * 2 // 3])


def test_pdf_limit_is_twenty_million_bytes() -> None:
    body = h.pdf(1)
    at_limit = body + b"%" * (20_000_000 - len(body))
    with pytest.raises(rules.RuleError, match="小于20MB"):
        rules.check_pdf("big.pdf", at_limit)
    assert rules.check_pdf("ok.pdf", at_limit[:-1]) == 1
    assert rules.PDF_MAX_BYTES == 20_000_000


def test_the_products_own_limits_agree_with_the_mock() -> None:
    from portal_bot.documents import bundle, photo
    from portal_bot.profiles import rules as profile_rules

    assert bundle.SITE_LIMIT == profile_rules.MAX_PDF_BYTES == rules.PDF_MAX_BYTES
    assert (photo.MIN_BYTES, photo.MAX_BYTES) == (rules.PHOTO_MIN_BYTES, rules.PHOTO_MAX_BYTES)
