"""ID numbers: GB 11643 check digit, normalisation, birth date, province, legacy and HMT numbers."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal_bot.profiles import idcard
from portal_bot.profiles.idcard import IdNumberError, check_char, parse

TODAY = date(2026, 1, 1)
# The standard's own worked example (GB 11643-1999 appendix).
STANDARD_EXAMPLE = "11010519491231002X"


def test_standard_example_is_valid() -> None:
    info = parse(STANDARD_EXAMPLE, today=TODAY)
    assert info.birth_date == date(1949, 12, 31)
    assert info.sex == "女"


def test_normalises_full_width_spaces_and_lowercase_x() -> None:
    written = "１１０１０５ １９４９１２３１ ００２x"
    assert parse(written, today=TODAY).number == STANDARD_EXAMPLE


def test_number_from_yaml_int_is_accepted() -> None:
    number = "33010620040315031"
    number += check_char(number)
    assert parse(int(number), today=TODAY).number == number


@settings(deadline=None)  # a shared 2-core machine must not make these flaky
@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_char_detects_every_single_digit_error(first17: str) -> None:
    good = first17 + check_char(first17)
    for position in range(17):
        for digit in "0123456789":
            if digit == good[position]:
                continue
            changed = good[:position] + digit + good[position + 1 : 17]
            assert check_char(changed) != good[17]


@settings(deadline=None)  # a shared 2-core machine must not make these flaky
@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY), st.integers(0, 999))
def test_every_real_birth_date_round_trips(born: date, sequence: int) -> None:
    first17 = f"330106{born:%Y%m%d}{sequence:03d}"
    info = parse(first17 + check_char(first17), today=TODAY)
    assert info.birth_date == born
    assert info.sex == ("男" if sequence % 2 else "女")


def test_area_code_newer_than_birth_year_is_valid() -> None:
    # 330112 (临安区) exists since 2017; people born earlier carry it after re-registering.
    first17 = "33011219900101031"
    assert parse(first17 + check_char(first17), today=TODAY).birth_date == date(1990, 1, 1)


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_hmt_permit_numbers_need_their_id_type(prefix: str) -> None:
    first17 = prefix + "19950101001"
    number = first17 + check_char(first17)
    assert parse(number, id_type="港澳台居民居住证", today=TODAY).sex == "男"
    with pytest.raises(IdNumberError, match="港澳台居民居住证"):
        parse(number, id_type="身份证", today=TODAY)


def test_legacy_15_digit_number_is_converted() -> None:
    info = parse("110105491231002", today=TODAY)
    assert info.converted_from_15
    assert info.number == "11010519491231002" + check_char("11010519491231002")


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("11010519491231002", "18 characters"),
        ("1101051949123100AX", "17 digits"),
        ("110105194902300023", "not a real date"),
        ("990105194912310021", "province code"),
        ("110105194912310021", "should be X"),
    ],
)
def test_invalid_numbers_say_why(number: str, message: str) -> None:
    with pytest.raises(IdNumberError, match=message):
        parse(number, today=TODAY)


def test_future_birth_date_is_rejected() -> None:
    first17 = "33010620300101031"
    with pytest.raises(IdNumberError, match="future"):
        parse(first17 + check_char(first17), today=TODAY)


def test_error_messages_never_contain_the_number() -> None:
    number = "330106200403150310"
    with pytest.raises(IdNumberError) as caught:
        parse(number, today=TODAY)
    assert number not in str(caught.value)
    assert idcard.normalize(" 33 01 ") == "3301"
