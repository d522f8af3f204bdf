from datetime import date

import pytest
from loguru import logger

from portal_bot.console import configure_logging
from portal_bot.privacy import date_spellings, mask_id, mask_name, mask_names, mask_phone, mask_text


def test_mask_id_keeps_prefix_and_last_four() -> None:
    assert mask_id("33010219900101123X") == "3301**********123X"


def test_mask_phone() -> None:
    assert mask_phone("13800000000") == "138****0000"
    assert mask_phone("+86 138-0000-0000") == "138****0000"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证33010219900101123X已提交", "身份证3301**********123X已提交"),
        ("电话13912345678，", "电话139****5678，"),
        ("call +86 139 1234 5678 now", "call 139****5678 now"),
        ("plan 2024-S-000911 code 4-09-07-04-03", "plan 2024-S-000911 code 4-09-07-04-03"),
        ("legacy 330102900101123", "legacy 3301*******1123"),
    ],
)
def test_mask_text(text: str, expected: str) -> None:
    assert mask_text(text) == expected


def test_every_log_line_is_masked(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    try:
        logger.bind(candidate="张三 13912345678").info("filling id 33010219900101123X")
    finally:
        logger.remove()
        logger.disable("portal_bot")
    err = capsys.readouterr().err
    assert "33010219900101123X" not in err
    assert "3301**********123X" in err


def test_a_birth_date_written_after_its_label_is_masked() -> None:
    assert (
        mask_text("出生日期：2004-03-15，报名日期：2024-05-01")
        == "出生日期：****-**-**，报名日期：2024-05-01"
    )
    assert mask_text("出生年月 2004年3月15日") == "出生年月 ****年*月**日"


def test_a_date_as_a_name_loses_every_digit_and_is_found_in_every_spelling() -> None:
    spellings = date_spellings(date(2004, 3, 5))
    assert {"2004-03-05", "20040305", "2004/03/05", "2004年03月05日", "2004-3-5", "2004年3月5日"} <= set(
        spellings
    )
    assert mask_name("2004-03-05") == "****-**-**" and mask_name("2004年3月5日") == "****年*月*日"
    assert mask_names("生于20040305。", spellings) == "生于********。"
    assert mask_name("王小明") == "王**" and mask_name("E1234567") == "E*******"  # names as before
