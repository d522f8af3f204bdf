"""Small value checks: mainland mobile numbers and 统一社会信用代码 (GB 32100-2015).

Each function normalises what people actually type (spaces, dashes, +86, full-width characters) and
either returns the canonical text or raises ValueError with a message saying what to fix. Messages
must never contain the full phone number.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from portal_bot.i18n import S_

_PHONE_RE = re.compile(r"1[3-9]\d{9}")

#: GB 32100-2015 character set (no I, O, S, V, Z) and weights.
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalize_phone(raw: object) -> str:
    """``+86 138-0000 0000`` / ``００８６１３８…`` → ``13800000000``.

    Raises:
        ValueError: the result is not a mainland mobile number (1[3-9] and 9 more digits).
    """
    text = unicodedata.normalize("NFKC", str(raw))
    text = re.sub(r"[\s\-()（）]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif len(text) == 13 and text.startswith("86"):
        text = text[2:]
    if not text.isdigit():
        raise ValueError(S_("a mobile number has digits only (spaces, dashes and +86 are allowed)"))
    if len(text) != 11:
        raise ValueError(S_("a mainland mobile number has 11 digits, this has {}").format(len(text)))
    if not _PHONE_RE.fullmatch(text):
        raise ValueError(S_("a mainland mobile number starts with 13–19"))
    return text


def credit_check_char(first17: str) -> str:
    """The check character of a 统一社会信用代码 for its first 17 characters."""
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def normalize_credit_code(raw: object) -> str:
    """Uppercase, ASCII, no spaces; then length, character set and check character.

    Raises:
        ValueError: with what is wrong.
    """
    code = "".join(unicodedata.normalize("NFKC", str(raw)).split()).upper()
    if len(code) != 18:
        raise ValueError(S_("a 统一社会信用代码 has 18 characters, this has {}").format(len(code)))
    bad = sorted({c for c in code if c not in CREDIT_CHARS})
    if bad:
        raise ValueError(
            S_("a 统一社会信用代码 uses digits and capital letters except I, O, S, V, Z; found {}").format(
                "".join(bad)
            )
        )
    expected = credit_check_char(code[:17])
    if code[17] != expected:
        raise ValueError(
            S_("the check character is {} but should be {}: a character is mistyped").format(
                code[17], expected
            )
        )
    return code


_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_EXCEL_EPOCH_ORDINAL = 693594  # date(1899, 12, 30).toordinal(): Excel's day 0 (after its 1900 leap bug)


def parse_date(raw: object) -> object:
    """Dates as people write them: ``2005-03-01``, ``2005/3/1``, ``2005年3月1日``, ``20050301``.

    A ``datetime`` becomes its date; anything unrecognised is returned unchanged for pydantic to
    reject with its own message. Used as a ``BeforeValidator``.
    """
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        return raw
    text = unicodedata.normalize("NFKC", raw).strip()
    match = _DATE_RE.fullmatch(text)
    if match is None and len(text) == 8 and text.isdigit():
        match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if match is None:
        return raw
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return raw


def excel_serial_to_date(serial: float) -> date:
    """An Excel day number (e.g. 38412) → a date; used when a date cell was formatted as a number."""
    return date.fromordinal(_EXCEL_EPOCH_ORDINAL + int(serial))


def condition_numbers(text: str) -> list[int]:
    """``"(1)(3)"``, ``"1,3"``, ``"（3）取得本专业…"`` → the condition numbers, in order, once each.

    Numbers in parentheses win, so the condition's own text (``满5年``) is not read as a condition.
    """
    text = unicodedata.normalize("NFKC", text)
    found = re.findall(r"\(\s*(\d+)\s*\)", text) or re.findall(r"\d+", text)
    return sorted({int(n) for n in found})
