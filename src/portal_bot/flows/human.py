"""Human steps: what the runner hands to whoever relays a login, a signature or a confirmation.

A ``human`` step finds the QR code on the page (an ``<img>``: its ``data:`` URL, or a screenshot
of the element decoded with OpenCV's QR detector), builds a :class:`HumanRequest` and awaits the
:class:`HumanHandler` — a terminal prompt, a local web page, a notification; the register command
decides. Completion is the step's ``until:`` expectation, which the request can wait for. This
module never completes a human step itself and never stores what a QR code says.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from loguru import logger

from portal_bot.browser import AsyncPage, PlaywrightTimeoutError

HumanKind = Literal["login", "signature", "confirm"]

_QR_SELECTORS = (
    "img[src*=qr i], img[alt*=二维码], img[class*=qr i], img[id*=qr i], img[alt*=qr i], canvas[class*=qr i]"
)


@dataclass(frozen=True)
class QrCode:
    """A QR code seen on the page: its decoded text when OpenCV could read it, and the picture."""

    text: str | None
    image: bytes | None  # PNG or the data: URL's bytes
    src: str | None  # the <img> src when it is a plain URL


@dataclass
class HumanRequest:
    """What a person must do now, and how to know they did it."""

    kind: HumanKind
    page: AsyncPage
    qr: QrCode | None
    message: str | None
    timeout: float
    flow: str
    wait_until_done: Callable[[float], Awaitable[None]] = field(repr=False)
    """Await the step's ``until:`` expectation for at most the given seconds.

    Raises HumanStepTimeoutError when it does not come true in that time."""


class HumanHandler(Protocol):
    """Relays a human step to a person; returns when they completed it.

    Implementations show ``request.qr`` or ``request.message`` wherever the person is, then usually
    ``await request.wait_until_done(request.timeout)``. They raise HumanStepTimeoutError when the
    person does not finish in time. The runner checks the ``until:`` expectation again afterwards.
    A handler with ``decodes_qr = False`` gets the code's ``src`` only (no screenshot, no decoding).
    """

    async def __call__(self, request: HumanRequest) -> None: ...


async def find_qr(
    page: AsyncPage, selector: str | None, *, decode: bool = True, wait: float = 0.0
) -> QrCode | None:
    """The first visible QR code on the page (``selector`` when the flow names one), or None.

    ``wait``: seconds to wait for one to show. A code's ``<img>`` has no size until its picture has
    loaded, so right after the click that shows it (a busy machine, a slow site) it is not visible
    yet; a step that needs a code waits for it rather than going on without one.
    ``decode=False`` skips the screenshot and OpenCV (about 0.2 s) for handlers that never show the
    code to a person: ``text`` and ``image`` stay None unless the ``<img>`` holds a ``data:`` URL.
    """
    loc = page.locator(selector or _QR_SELECTORS).filter(visible=True).first
    if wait > 0:
        try:
            await loc.wait_for(state="visible", timeout=wait * 1000)
        except PlaywrightTimeoutError:
            return None
    elif not await loc.count():
        return None
    src = await loc.get_attribute("src")
    image: bytes | None = None
    if src and src.startswith("data:") and ";base64," in src:
        try:
            image = base64.b64decode(src.split(",", 1)[1])
        except ValueError:
            image = None
    if image is None and not decode:
        return QrCode(None, None, src)
    if image is None:
        image = await loc.screenshot()
    text = decode_qr(image) if decode else None
    return QrCode(text, image, None if src and src.startswith("data:") else src)


def decode_qr(image: bytes) -> str | None:
    """The text of a QR code in a picture (PNG/JPEG/…), or None when neither of OpenCV's detectors
    finds one."""
    import cv2
    import numpy as np

    array = cv2.imdecode(np.frombuffer(image, dtype=np.uint8), cv2.IMREAD_COLOR)
    if array is None:
        return None
    height, width = array.shape[:2]
    if max(height, width) < 200:  # small codes decode far better scaled up, with a quiet zone
        scale = max(1, 400 // max(height, width))
        array = cv2.resize(array, (width * scale, height * scale), interpolation=cv2.INTER_NEAREST)
        array = cv2.copyMakeBorder(array, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    # OpenCV's classic detector misses about 1 code in 70 of the portal's shape (sign and login
    # URLs with random tokens); the ArUco-based one (OpenCV >= 4.8) reads those. Either may fail.
    detectors = [cv2.QRCodeDetector, getattr(cv2, "QRCodeDetectorAruco", None)]
    for detector in detectors:
        if detector is None:
            continue
        try:
            text, _points, _straight = detector().detectAndDecode(array)
        except cv2.error as exc:
            logger.debug("QR decoding failed: {}", exc)
            continue
        if text:
            return str(text)
    return None
