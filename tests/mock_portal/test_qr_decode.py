"""The QR codes are real: decoded like a phone would, they hold absolute URLs that complete the step."""

from __future__ import annotations

import random
import re

import cv2
import numpy as np

from portal_bot.flows.human import decode_qr
from portal_bot.mock_portal.app import qr_png
from portal_bot.mock_portal.server import RunningPortal
from tests.mock_portal import helpers as h


def _decode(png: bytes) -> str:
    text = decode_qr(png)
    assert text, "no QR code found in the image"
    return text


def test_every_code_of_the_portal_s_shape_decodes() -> None:
    """200 sign and login addresses with seeded random tokens, drawn as the mock draws them: the
    classic detector alone misses some of them (checked below, so this test can fail), the decoder
    a run uses reads them all."""
    rng = random.Random(7)
    texts = [
        f"http://127.0.0.1:{rng.randint(30000, 60000)}/{kind}/{rng.randbytes(16).hex()[:22]}"
        for kind in ("sso/qr", "sign")
        for _ in range(100)
    ]
    images = [qr_png(t).body for t in texts]
    classic = [
        cv2.QRCodeDetector().detectAndDecode(cv2.imdecode(np.frombuffer(i, np.uint8), cv2.IMREAD_COLOR))[0]
        for i in images
    ]
    assert sum(c != t for c, t in zip(classic, texts, strict=True)) >= 1
    assert [decode_qr(bytes(i)) for i in images] == texts


def test_login_and_signature_qr_codes_decode_to_urls_a_phone_can_open(mock_portal: RunningPortal) -> None:
    h.make_account(mock_portal, info_confirmed=True)
    browser = h.client(mock_portal)
    token = re.search(r"/sso/qr/([^\".]+)\.png", browser.get("/sso/login").text)
    assert token is not None
    url = _decode(browser.get(f"/sso/qr/{token.group(1)}.png").content)
    assert url == f"{mock_portal.url}/sso/qr/{token.group(1)}"
    assert "登录成功" in h.get(url).text
    answer = browser.get(f"/sso/qr/{token.group(1)}/status").json()
    browser.get(answer["redirect"])

    app_id = h.start_application(browser)
    h.upload_photo(browser, mock_portal, app_id, h.GUIDE_PLAN, h.photo())
    h.post_step2(
        browser, mock_portal, app_id, h.GUIDE_PLAN, h.step2_values(), {"materials": ("m.pdf", h.pdf())}
    )
    step3 = browser.get(f"/user/app/{app_id}/step3").text
    image = re.search(rf"/user/app/{app_id}/sign/[^\"]+\.png", step3)
    assert image is not None
    sign_url = _decode(browser.get(image.group(0)).content)
    assert sign_url.startswith(f"{mock_portal.url}/sign/")
    assert "签名成功" in h.get(sign_url).text
    assert browser.get(f"/user/app/{app_id}/sign/status").json() == {"status": "signed"}
