"""The registration report in Chromium: it fits a 390 px phone and its pictures load."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal_bot.browser import AsyncPage
from portal_bot.register.report import write_report
from tests.unit.register.test_report import RUN, _teacher_outcomes

from .conftest import Aio

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1280])
def test_report_fits_the_screen_and_shows_photo_and_preview(
    aio: Aio, apage: AsyncPage, tmp_path: Path, width: int
) -> None:
    html, _ = write_report(RUN, _teacher_outcomes(tmp_path), tmp_path / "report")

    async def look() -> tuple[int, bool, bool]:
        await apage.set_viewport_size({"width": width, "height": 844})
        await apage.goto(html.as_uri())
        wide = await apage.evaluate("document.documentElement.scrollWidth")
        pictures = "i => i.complete && i.naturalWidth > 0"
        photo = await apage.locator("img.photo").first.evaluate(pictures)
        preview = await apage.locator("img.preview").first.evaluate(pictures)
        return wide, photo, preview

    wide, photo, preview = aio.run(look())
    assert wide <= width, f"the page is {wide} px wide on a {width} px screen"
    assert photo and preview
