"""A status read on the mock portal skips images without routing the page itself through Python
(issue 14: every routed request is a round trip to the client and back)."""

from __future__ import annotations

from portal_bot.cohortrun.politeness import HostLimiter, Politeness, be_polite

from .conftest import Aio


def test_loopback_read_skips_images_by_name_and_leaves_the_page_alone(aio: Aio, site: str) -> None:
    assert aio.browser is not None
    browser = aio.browser

    async def go() -> tuple[list[str], list[str]]:
        context = await browser.new_context()
        failed: list[str] = []
        finished: list[str] = []
        context.on("requestfailed", lambda r: failed.append(r.url.rsplit("/", 1)[-1]))
        context.on("requestfinished", lambda r: finished.append(r.url.rsplit("/", 1)[-1]))
        try:
            await be_polite(context, HostLimiter(Politeness.for_url(site)), skip=frozenset({"image"}))
            page = await context.new_page()
            await page.goto(site + "done.html")
            await page.evaluate(
                """() => new Promise((ok) => { const i = new Image(); i.onload = i.onerror = ok;
                                              i.src = 'qr.png'; document.body.append(i); })"""
            )
        finally:
            await context.close()
        return failed, finished

    failed, finished = aio.run(go())
    assert "qr.png" in failed and "qr.png" not in finished  # the image was never fetched
    assert "done.html" in finished and "done.html" not in failed  # the page loaded
