"""Masking of personal data: ID numbers, mobile phone numbers and a cohort's names.

Every log sink and every report passes text through :func:`mask_text`. Masking keeps enough to
recognise a person in a list (region prefix and last four of an ID, carrier prefix and last four of
a phone) and nothing more. This module must never log or store the unmasked value itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from portal_bot.i18n import Said

# Digit look-arounds rather than \b: Chinese characters count as word characters, so
# "身份证330102..." has no word boundary before the digits.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_ID15_RE = re.compile(r"(?<![0-9A-Za-z])(\d{4})(\d{7})(\d{4})(?![0-9A-Za-z])")
_PHONE_RE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9])")
_BORN_AT_RE = re.compile(
    r"(出生(?:日期|年月)?\s*[:：]?\s*)(\d{4}\s*[-/.年]?\s*\d{1,2}\s*[-/.月]?\s*\d{1,2}日?)"
)
_NUMBERLIKE_RE = re.compile(r"[\d\s./年月日-]*\d[\d\s./年月日-]*")


def mask_id(value: str) -> str:
    """``330102199001011234`` → ``3301**********1234``; short or odd values keep only the ends."""
    v = value.strip()
    if len(v) <= 8:
        return "*" * len(v)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]


def mask_phone(value: str) -> str:
    """``13800000000`` → ``138****0000``."""
    digits = re.sub(r"\D", "", value)
    if len(digits) > 11 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_text(text: str) -> str:
    """Mask every ID number (18 and 15 digits), mainland mobile number and date written after
    出生日期 (a birth date: part of the ID number) found in free text.

    A :class:`~portal_bot.i18n.Said` comes back a ``Said``, its English masked too."""
    if isinstance(text, Said):
        return Said(_mask(text), _mask(text.english))
    return _mask(text)


def _mask(text: str) -> str:
    text = _ID_RE.sub(lambda m: mask_id(m.group(0)), text)
    text = _PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    text = _ID15_RE.sub(lambda m: mask_id(m.group(0)), text)
    return _BORN_AT_RE.sub(lambda m: m.group(1) + re.sub(r"\d", "*", m.group(2)), text)


def mask_name(name: str) -> str:
    """``王小明`` → ``王**``: the family name stays, so a masked list still reads as people.

    A date or a number given as a name (a birth date, ``2004-03-15``) loses every digit instead
    (``****-**-**``): its first digit is no family name, and the shape tells a reader what it was.
    """
    v = name.strip()
    if _NUMBERLIKE_RE.fullmatch(v):
        return re.sub(r"\d", "*", v)
    return v[:1] + "*" * (len(v) - 1) if len(v) > 1 else "*" * len(v)


def date_spellings(day: date) -> list[str]:
    """The ways a page may write ``day`` (a birth date): ``2004-03-15``, ``20040315``,
    ``2004/03/15``, ``2004.03.15``, ``2004年03月15日``, and without the leading zeros."""
    y, m, d = f"{day.year:04d}", day.month, day.day
    forms = {f"{y}{sep}{m:02d}{sep}{d:02d}" for sep in ("-", "", "/", ".")}
    forms |= {f"{y}{sep}{m}{sep}{d}" for sep in ("-", "/", ".")}
    forms |= {f"{y}年{m:02d}月{d:02d}日", f"{y}年{m}月{d}日"}
    return sorted(forms)


def mask_names(text: str, names: Iterable[str]) -> str:
    """Replace each of ``names`` (a cohort's candidate names) in ``text`` by :func:`mask_name`.

    Longest first, so 欧阳小明 is masked whole before a 欧阳 inside it is. One-character names are
    left alone: masking every 王 in a page would mask the page, not the person.
    """
    for name in sorted({n.strip() for n in names if len(n.strip()) > 1}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    return text
