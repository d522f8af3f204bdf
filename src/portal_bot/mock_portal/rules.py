"""The portal's own rules, enforced on the server: photo, PDF, ID number, phone and credit code.

Every check raises :class:`RuleError` carrying the message the site shows, in Chinese. Nothing
here stores anything or knows about pages; routes call these and show the message.
"""

from __future__ import annotations

import io
import random
import re
from datetime import date

from PIL import Image, ImageDraw, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

#: "大于30K且小于1M", read the strict way: more than 30,720 bytes and fewer than 1,000,000 bytes
#: (a real site may count 1M as 10**6; a file that passes here passes either reading).
PHOTO_MIN_BYTES = 30 * 1024
PHOTO_MAX_BYTES = 1_000_000
PHOTO_MIN_WIDTH = 215
PHOTO_MIN_HEIGHT = 300
PHOTO_MIN_RATIO = 0.65
PHOTO_MAX_RATIO = 0.8
#: "小于20MB", read the strict way: fewer than 20,000,000 bytes.
PDF_MAX_BYTES = 20_000_000

_PHONE = re.compile(r"1[3-9]\d{9}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class RuleError(ValueError):
    """A value the site refuses; ``str()`` is the site's message."""


def check_photo(filename: str, content: bytes) -> tuple[int, int]:
    """The ID-photo rules of step 1. Returns (width, height) of an acceptable photo."""
    if not filename.lower().endswith((".jpg", ".jpeg")):
        raise RuleError("照片格式应为JPG或JPEG格式")
    try:
        image = Image.open(io.BytesIO(content))
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise RuleError("照片文件无法识别，请上传JPG或JPEG格式的照片") from exc
    with image:
        kind = image.format
        width, height = image.size
        try:
            # Decode every pixel, as a site that re-encodes or shows the photo must: a truncated
            # JPEG passes verify() (headers only) but fails here.
            image.load()
        except (OSError, SyntaxError, ValueError) as exc:
            raise RuleError("照片文件不完整或已损坏，请重新上传") from exc
    if kind != "JPEG":
        raise RuleError("照片格式应为JPG或JPEG格式")
    if not PHOTO_MIN_BYTES < len(content) < PHOTO_MAX_BYTES:
        raise RuleError("照片文件应大于30K且小于1M")
    if not (width > PHOTO_MIN_WIDTH and height > PHOTO_MIN_HEIGHT):
        raise RuleError("照片像素应大于215*300（宽*高）")
    if not PHOTO_MIN_RATIO <= width / height <= PHOTO_MAX_RATIO:
        raise RuleError("照片宽高比应大于等于0.65且小于等于0.8")
    return width, height


def check_pdf(filename: str, content: bytes) -> int:
    """A PDF upload (材料): PDF, under 20 MB, readable, with pages. Returns the page count."""
    if not filename.lower().endswith(".pdf") or not content.startswith(b"%PDF"):
        raise RuleError("只允许上传PDF文件")
    if len(content) >= PDF_MAX_BYTES:
        raise RuleError("只允许上传小于20MB的PDF文件")
    try:
        pages = len(PdfReader(io.BytesIO(content)).pages)
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise RuleError("PDF文件已损坏，无法读取") from exc
    if pages < 1:
        raise RuleError("PDF文件没有页面")
    return pages


def id_check_digit(first17: str) -> str:
    """GB 11643 check character of the first 17 digits of a resident ID number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def check_id_number(number: str) -> tuple[date, str]:
    """A resident ID number (身份证): 18 characters, valid birth date and check digit.

    Returns (birth date, sex 男/女).
    """
    number = number.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise RuleError("身份证件号码格式不正确")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise RuleError("身份证件号码中的出生日期不正确") from exc
    if id_check_digit(number[:17]) != number[17]:
        raise RuleError("身份证件号码校验位不正确")
    return birth, ("男" if int(number[16]) % 2 else "女")


def check_phone(phone: str) -> str:
    phone = phone.strip()
    if not phone:
        raise RuleError("请填写手机号码")
    if not _PHONE.fullmatch(phone):
        raise RuleError("手机号码格式不正确")
    return phone


def check_credit_code(code: str) -> str:
    """统一社会信用代码 (GB 32100): 18 characters with a check character."""
    code = code.strip().upper()
    if len(code) != 18 or any(c not in _CREDIT_CHARS for c in code):
        raise RuleError("统一社会信用代码格式不正确")
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(code[:17], _CREDIT_WEIGHTS, strict=True))
    if _CREDIT_CHARS[(31 - total % 31) % 31] != code[17]:
        raise RuleError("统一社会信用代码校验位不正确")
    return code


def credit_check_char(first17: str) -> str:
    """The GB 32100 check character (used by tests and QA data)."""
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def signature_png(seed: str) -> bytes:
    """A handwriting-like scribble, as the phone would send back after signing (deterministic)."""
    rng = random.Random(seed)
    image = Image.new("RGB", (360, 140), "white")
    draw = ImageDraw.Draw(image)
    x, y = 30.0, 80.0
    points = [(x, y)]
    for _ in range(28):
        x += rng.uniform(6, 14)
        y = min(120.0, max(20.0, y + rng.uniform(-28, 28)))
        points.append((x, y))
    draw.line(points, fill="black", width=4, joint="curve")
    draw.line([(40, 110), (x, 104)], fill="black", width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def id_card_photo(seed: str) -> bytes:
    """A stand-in for the ID-card photo the site collects automatically (a valid JPEG, 330×440)."""
    rng = random.Random(seed)
    image = Image.new("RGB", (330, 440), "white")
    draw = ImageDraw.Draw(image)
    shade = tuple(rng.randint(60, 140) for _ in range(3))
    draw.ellipse((105, 90, 225, 230), fill=shade)
    draw.rectangle((60, 250, 270, 440), fill=shade)
    noise = Image.effect_noise((330, 440), 40).convert("RGB")
    image = Image.blend(image, noise, 0.25)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92)
    return out.getvalue()
