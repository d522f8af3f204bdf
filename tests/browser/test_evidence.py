"""Evidence screenshots: the pixels of a preview never hold a full ID or phone number."""

from __future__ import annotations

import os
from pathlib import Path

from portal_bot.browser import AsyncPage
from portal_bot.register.evidence import masked_screenshot

from .conftest import Aio

ID, PHONE = "330106200403150318", "138 0571 0001"
PAGE = """<html><body style="font: 16px sans-serif"><h1>预览确认提交</h1>
<p>身份证件号码：{id}</p><p>手机号码：{phone}</p>
<input id="phone" value="{phone}"><p>编号 2024-S-000911</p></body></html>"""


def test_preview_screenshot_is_masked_and_the_page_restored(
    aio: Aio, apage: AsyncPage, tmp_path: Path
) -> None:
    async def go() -> tuple[bytes, bytes, str, str]:
        await apage.set_content(PAGE.format(id=ID, phone=PHONE))
        shot, raw = tmp_path / "preview.png", tmp_path / "unmasked" / "preview.png"
        raw.parent.mkdir()
        await masked_screenshot(apage, shot, unmasked=raw)
        after_text = await apage.inner_text("body")
        after_value = await apage.input_value("#phone")
        # the same page written masked by hand: the masked shot must be pixel for pixel this one
        await apage.set_content(PAGE.format(id="3301**********0318", phone="138****0001"))
        expected = await apage.screenshot(full_page=True)
        assert raw.read_bytes() != expected  # the unmasked copy does show the numbers
        if os.name == "posix":
            assert shot.stat().st_mode & 0o777 == 0o600 and raw.stat().st_mode & 0o777 == 0o600
        return shot.read_bytes(), expected, after_text, after_value

    masked, expected, text, value = aio.run(go())
    assert masked == expected
    assert ID in text and PHONE in text and value == PHONE  # what 提交 sends is untouched
