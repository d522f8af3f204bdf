"""The portal's rules on their own: photo, PDF, ID number, phone, credit code, field numbering."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal_bot.mock_portal import form, rules
from portal_bot.mock_portal.seed import load_plans
from tests.mock_portal import helpers as h


def test_a_compliant_photo_passes_and_reports_its_size() -> None:
    assert rules.check_photo("me.jpg", h.photo(330, 440)) == (330, 440)
    assert rules.check_photo("ME.JPEG", h.photo(300, 400)) == (300, 400)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("me.png", h.photo(330, 440, fmt="PNG"), "照片格式应为JPG或JPEG格式"),
        ("me.jpg", h.photo(330, 440, fmt="PNG"), "照片格式应为JPG或JPEG格式"),
        ("me.jpg", b"not an image at all", "照片文件无法识别，请上传JPG或JPEG格式的照片"),
        ("me.jpg", h.photo(330, 440, noise=0.0), "照片文件应大于30K且小于1M"),
        ("me.jpg", h.photo(1400, 1900, noise=1.0), "照片文件应大于30K且小于1M"),
        ("me.jpg", h.photo(215, 310, noise=1.0), "照片像素应大于215*300（宽*高）"),
        ("me.jpg", h.photo(260, 300, noise=1.0), "照片像素应大于215*300（宽*高）"),
        ("me.jpg", h.photo(400, 440), "照片宽高比应大于等于0.65且小于等于0.8"),
        ("me.jpg", h.photo(300, 480), "照片宽高比应大于等于0.65且小于等于0.8"),
    ],
)
def test_photos_breaking_a_rule_get_the_sites_message(name: str, content: bytes, message: str) -> None:
    with pytest.raises(rules.RuleError, match=message.replace("*", r"\*")):
        rules.check_photo(name, content)


def test_ratio_bounds_are_inclusive() -> None:
    assert rules.check_photo("a.jpg", h.photo(260, 400, noise=0.5)) == (260, 400)  # 0.65
    assert rules.check_photo("b.jpg", h.photo(320, 400, noise=0.5)) == (320, 400)  # 0.8


def test_pdf_rules() -> None:
    assert rules.check_pdf("材料.pdf", h.pdf(3)) == 3
    with pytest.raises(rules.RuleError, match="只允许上传PDF文件"):
        rules.check_pdf("材料.docx", h.pdf(1))
    with pytest.raises(rules.RuleError, match="只允许上传PDF文件"):
        rules.check_pdf("材料.pdf", b"PK\x03\x04 zip")
    with pytest.raises(rules.RuleError, match="PDF文件已损坏"):
        rules.check_pdf("材料.pdf", b"%PDF-1.7\ngarbage")
    big = h.pdf(1) + b"\n%" + b"0" * (20 * 1024 * 1024)
    with pytest.raises(rules.RuleError, match="只允许上传小于20MB的PDF文件"):
        rules.check_pdf("材料.pdf", big)


def test_id_number_check_digit_birth_and_sex() -> None:
    born, sex = rules.check_id_number("11010519491231002X")  # GB 11643's own example
    assert born.isoformat() == "1949-12-31" and sex == "女"
    with pytest.raises(rules.RuleError, match="校验位不正确"):
        rules.check_id_number("110105194912310021")
    with pytest.raises(rules.RuleError, match="出生日期不正确"):
        rules.check_id_number(h.id_number(birth="20030231"))
    with pytest.raises(rules.RuleError, match="格式不正确"):
        rules.check_id_number("12345")


@pytest.mark.parametrize(
    "phone", ["1380013800", "23800138000", "12800138000", "1380013800a", "+8613800138000"]
)
def test_bad_phone_numbers(phone: str) -> None:
    with pytest.raises(rules.RuleError, match="手机号码格式不正确"):
        rules.check_phone(phone)


def test_credit_code_check_character() -> None:
    assert rules.check_credit_code("91350100M000100Y43") == "91350100M000100Y43"  # a published code
    with pytest.raises(rules.RuleError, match="校验位不正确"):
        rules.check_credit_code("91350100M000100Y44")
    with pytest.raises(rules.RuleError, match="格式不正确"):
        rules.check_credit_code("9135010")


def test_field_names_differ_between_plans_and_variants_and_both_layouts_are_used() -> None:
    plans = {p.id: p for p in load_plans(date(2026, 1, 1))}
    a = form.columns(plans[911], 0)
    assert a != form.columns(plans[937], 0)
    assert a != form.columns(plans[911], 1)
    assert a == form.columns(plans[911], 0)
    assert all(name.startswith("column") for name in a.values())
    assert len(set(a.values())) == len(a)
    for variant in (0, 1):
        for plan in plans.values():
            assert {form.layout(s, variant, plan) for s in form.SECTIONS} == {"table", "div"}
    assert form.layout("person", 0, plans[911]) != form.layout("person", 1, plans[911])
    assert len({form.layout("person", 0, p) for p in plans.values()}) == 2, "plans differ too"


@given(
    st.dates(min_value=date(1930, 1, 1), max_value=date(2015, 12, 31)),
    st.from_regex(r"\d{6}", fullmatch=True),
    st.from_regex(r"\d{3}", fullmatch=True),
)
def test_any_id_number_with_its_check_digit_is_accepted_and_any_other_digit_refused(
    born: date, area: str, seq: str
) -> None:
    number = h.id_number(birth=born.strftime("%Y%m%d"), seq=seq, area=area)
    assert rules.check_id_number(number) == (born, "男" if int(seq[-1]) % 2 else "女")
    wrong = next(c for c in "0123456789X" if c != number[-1])
    with pytest.raises(rules.RuleError, match="校验位不正确"):
        rules.check_id_number(number[:17] + wrong)
