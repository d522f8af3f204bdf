"""Masking of personal data: ID numbers, mobile phone numbers and a cohort's names.

Every log sink and every report passes text through :func:`mask_text`. Masking keeps enough to
recognise a person in a list (region prefix and last four of an ID, carrier prefix and last four of
a phone) and nothing more. This module must never log or store the unmasked value itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Digit look-arounds rather than \b: Chinese characters count as word characters, so
# "身份证330102..." has no word boundary before the digits.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_ID15_RE = re.compile(r"(?<![0-9A-Za-z])(\d{4})(\d{7})(\d{4})(?![0-9A-Za-z])")
_PHONE_RE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9])")


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
    """Mask every ID number (18 and 15 digits) and mainland mobile number found in free text."""
    text = _ID_RE.sub(lambda m: mask_id(m.group(0)), text)
    text = _PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    text = _ID15_RE.sub(lambda m: mask_id(m.group(0)), text)
    return text


def mask_name(name: str) -> str:
    """``王小明`` → ``王**``: the family name stays, so a masked list still reads as people."""
    v = name.strip()
    return v[:1] + "*" * (len(v) - 1) if len(v) > 1 else "*" * len(v)


def mask_names(text: str, names: Iterable[str]) -> str:
    """Replace each of ``names`` (a cohort's candidate names) in ``text`` by :func:`mask_name`.

    Longest first, so 欧阳小明 is masked whole before a 欧阳 inside it is. One-character names are
    left alone: masking every 王 in a page would mask the page, not the person.
    """
    for name in sorted({n.strip() for n in names if len(n.strip()) > 1}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    return text
