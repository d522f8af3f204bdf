"""Phone numbers and 统一社会信用代码."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal_bot.profiles.checks import (
    CREDIT_CHARS,
    credit_check_char,
    normalize_credit_code,
    normalize_phone,
    parse_date,
)


@pytest.mark.parametrize(
    "written",
    [
        "13800000000",
        "138 0000 0000",
        "138-0000-0000",
        "+86 138 0000 0000",
        "0086-13800000000",
        "１３８００００００００",
        13800000000,
    ],
)
def test_phone_forms_normalise(written: object) -> None:
    assert normalize_phone(written) == "13800000000"


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("12800000000", "13–19"),
        ("1380000000", "11 digits"),
        ("0571-88888888", "11 digits"),
        ("138OOOO0000", "digits"),
    ],
)
def test_bad_phones_say_why(written: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalize_phone(written)


# A published example code (GB 32100-2015 explanations use 91350100M000100Y43).
def test_known_credit_code_is_valid() -> None:
    assert normalize_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"


@settings(deadline=None)  # a shared 2-core machine must not make these flaky
@given(st.text(alphabet=CREDIT_CHARS, min_size=17, max_size=17))
def test_credit_check_char_round_trips_and_catches_one_change(first17: str) -> None:
    code = first17 + credit_check_char(first17)
    assert normalize_credit_code(code) == code
    changed = ("1" if first17[0] != "1" else "2") + first17[1:]
    assert credit_check_char(changed) != code[17]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100I43", "except I, O"),
        ("91350100M000100Y44", "check"),
    ],
)
def test_bad_credit_codes_say_why(code: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalize_credit_code(code)


@pytest.mark.parametrize("written", ["2005-03-01", "2005/3/1", "2005年3月1日", "20050301", "2005.03.01"])
def test_dates_as_people_write_them(written: str) -> None:
    from datetime import date

    assert parse_date(written) == date(2005, 3, 1)


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("(1)(3)", [1, 3]),
        ("1,3", [1, 3]),
        ("3", [3]),
        ("（1）累计从事本职业或相关职业工作满5年。", [1]),
        ("abc", []),
    ],
)
def test_condition_numbers(text: str, numbers: list[int]) -> None:
    from portal_bot.profiles.checks import condition_numbers

    assert condition_numbers(text) == numbers
