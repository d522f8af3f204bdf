"""Chinese ID numbers (GB 11643-1999): normalisation, check digit, birth date, sex, province prefix.

Deliberately not python-stdnum's ``cn.ric``: it also checks the 6-digit area code against a table of
codes valid at the birth date, and so rejects real numbers of people who registered after their area
was created or renamed. Here the gate is the check digit, a real birth date and a plausible province
prefix. This module must never log or put a full ID number into an error message.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from portal_bot.i18n import S_
from portal_bot.profiles.options import ID_TYPE_HMT_PERMIT

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

#: First two digits of a mainland 居民身份证 number.
PROVINCES: dict[str, str] = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
    "21": "辽宁", "22": "吉林", "23": "黑龙江",
    "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
    "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
    "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
}  # fmt: skip
#: The first six digits of a 港澳台居民居住证 number.
HMT_PREFIXES: dict[str, str] = {"810000": "香港", "820000": "澳门", "830000": "台湾"}

EARLIEST_BIRTH_YEAR = 1900


class IdNumberError(ValueError):
    """The number is not a valid ID number; the message says why (never the number itself)."""


@dataclass(frozen=True)
class IdInfo:
    """What a valid 18-character number says about its holder."""

    number: str
    birth_date: date
    sex: str
    converted_from_15: bool = False


def normalize(raw: object) -> str:
    """Full-width → ASCII, drop all whitespace, ``x`` → ``X``. Numbers from YAML become text."""
    text = unicodedata.normalize("NFKC", str(raw))
    return "".join(text.split()).upper()


def check_char(first17: str) -> str:
    """The GB 11643 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def convert_15_to_18(number15: str) -> str:
    """A legacy 15-digit number → its 18-digit form (insert ``19`` before the year, add the check)."""
    if len(number15) != 15 or not number15.isdigit():
        raise IdNumberError(S_("a 15-digit legacy number must be 15 digits"))
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_char(first17)


def _birth_date(digits8: str, today: date) -> date:
    try:
        born = date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        raise IdNumberError(
            S_("digits 7–14 should be a birth date (YYYYMMDD), but {} is not a real date").format(
                f"{digits8[:4]}-{digits8[4:6]}-{digits8[6:8]}"
            )
        ) from None
    if born > today:
        raise IdNumberError(S_("the birth date in the number ({}) is in the future").format(born.isoformat()))
    if born.year < EARLIEST_BIRTH_YEAR:
        raise IdNumberError(
            S_("the birth date in the number ({}) is before {}").format(born.isoformat(), EARLIEST_BIRTH_YEAR)
        )
    return born


def parse(raw: object, *, id_type: str = "身份证", today: date | None = None) -> IdInfo:
    """Check an ID number and return what it encodes.

    Args:
        raw: the number as written (spaces, full-width digits, lowercase x are fine).
        id_type: 身份证 or 港澳台居民居住证; decides which prefixes are plausible.
        today: the date "now" (tests pin it).

    Raises:
        IdNumberError: with a message saying what is wrong and what to do.
    """
    today = today or date.today()
    number = normalize(raw)
    converted = False
    if len(number) == 15 and number.isdigit():
        number = convert_15_to_18(number)
        converted = True
    elif len(number) == 15:
        raise IdNumberError(S_("a 15-digit legacy number must be all digits"))
    if len(number) != 18:
        raise IdNumberError(S_("must be 18 characters, this has {}").format(len(number)))
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError(S_("must be 17 digits followed by a digit or X"))
    if id_type == ID_TYPE_HMT_PERMIT:
        if number[:6] not in HMT_PREFIXES:
            raise IdNumberError(
                S_("a 港澳台居民居住证 number begins with 810000 (香港), 820000 (澳门) or 830000 (台湾)")
            )
    elif number[:6] in HMT_PREFIXES:
        raise IdNumberError(S_("this is a 港澳台居民居住证 number: set id_type: 港澳台居民居住证"))
    elif number[:2] not in PROVINCES:
        raise IdNumberError(S_("the first two digits ({}) are not a province code").format(number[:2]))
    born = _birth_date(number[6:14], today)
    expected = check_char(number[:17])
    if number[17] != expected:
        raise IdNumberError(
            S_(
                "the check character is {} but should be {}: a digit is mistyped"
                " (compare it with the ID card)"
            ).format(number[17], expected)
        )
    sex = "男" if int(number[16]) % 2 == 1 else "女"
    return IdInfo(number=number, birth_date=born, sex=sex, converted_from_15=converted)
