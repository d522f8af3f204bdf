"""Evidence: the pixels of a preview never hold a full ID or phone number; a failure's page is kept
masked, as HTML that opens offline."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from playwright.async_api import Route

from portal_bot.browser import AsyncPage
from portal_bot.register.evidence import JPEG_QUALITY, failure_evidence, masked_screenshot, replacements

from .conftest import Aio

ID, PHONE = "330106200403150318", "138 0571 0001"
PAGE = """<html><body style="font: 16px sans-serif"><h1>预览确认提交</h1>
<p>身份证件号码：{id}</p><p>手机号码：{phone}</p>
<input id="phone" value="{phone}"><p>编号 2024-S-000911</p></body></html>"""


@pytest.mark.parametrize("suffix", [".png", ".jpg"])  # the walk's preview is a JPEG (issue 14)
def test_preview_screenshot_is_masked_and_the_page_restored(
    aio: Aio, apage: AsyncPage, tmp_path: Path, suffix: str
) -> None:
    async def go() -> tuple[bytes, bytes, str, str]:
        await apage.set_content(PAGE.format(id=ID, phone=PHONE))
        shot, raw = tmp_path / f"preview{suffix}", tmp_path / "unmasked" / f"preview{suffix}"
        raw.parent.mkdir()
        await masked_screenshot(apage, shot, unmasked=raw)
        after_text = await apage.inner_text("body")
        after_value = await apage.input_value("#phone")
        # the same page written masked by hand: the masked shot must be pixel for pixel this one
        await apage.set_content(PAGE.format(id="3301**********0318", phone="138****0001"))
        jpeg = {"type": "jpeg", "quality": JPEG_QUALITY} if suffix == ".jpg" else {}
        expected = await apage.screenshot(full_page=True, **jpeg)  # type: ignore[arg-type]
        assert expected.startswith(b"\xff\xd8" if jpeg else b"\x89PNG")
        assert raw.read_bytes() != expected  # the unmasked copy does show the numbers
        if os.name == "posix":
            assert shot.stat().st_mode & 0o777 == 0o600 and raw.stat().st_mode & 0o777 == 0o600
        return shot.read_bytes(), expected, after_text, after_value

    masked, expected, text, value = aio.run(go())
    assert masked == expected
    assert ID in text and PHONE in text and value == PHONE  # what 提交 sends is untouched


PASSWORD, COOKIE = "Pw-Secret!42x", "sess-COOKIE-4242"
ORIGIN = "http://127.0.0.1:9"  # every request of the live page is answered by the route below
FAILED = """<!DOCTYPE html><html><head><title>填写报名信息</title>
<link rel="stylesheet" href="/static/portal.css?v=3">
<script src="https://cdn.example.invalid/app.js"></script><script>window.leak = 1</script>
<style>@import url("https://cdn.example.invalid/more.css");
@font-face {{ font-family: site; src: url(https://cdn.example.invalid/f.woff2) format("woff2") }}
.hint {{ color: rgb(200, 0, 0); background: url('/static/bg.png?session=abc') }}</style></head>
<body onload="window.ran = 1"><form action="https://wsbm.example.invalid/user/app/7/step2?token=abc">
<label>身份证件号码<input id="id" value="{id}"></label>
<label>手机号码<input id="phone" value="{phone}"></label>
<label>本职业工作年限<input id="years" value="99"></label><p class="hint">本职业工作年限必须在0到50之间</p>
<label>密码<input type="password" value="{password}"></label><p>echo {password} {cookie}</p>
<a href="https://wsbm.example.invalid/user/applications?sid=1">用户中心</a>
<img src="https://wsbm.example.invalid/photo.png"><video poster="//cdn.example.invalid/p.png"></video>
<iframe src="https://cdn.example.invalid/frame"></iframe><svg><image href="https://cdn.example.invalid/s.png"/></svg>
<div style="background: url(https://cdn.example.invalid/z.png)">x</div></form></body></html>"""


class _Urls(HTMLParser):
    """What of a page could make a browser act or fetch: URL attributes, CSS ``url()``s, scripts, handlers."""

    ATTRIBUTES = {
        "href",
        "src",
        "action",
        "formaction",
        "poster",
        "background",
        "xlink:href",
        "data",
        "srcset",
    }

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.css_urls: list[str] = []
        self.runs: list[str] = []  # <script>s and on* handlers
        self._tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag = tag
        self.runs += [tag] if tag == "script" else []
        for name, value in attrs:
            self.urls += [value or ""] if name in self.ATTRIBUTES else []
            self.css_urls += re.findall(r"url\(([^)]*)\)", value or "") if name == "style" else []
            self.runs += [name] if name.startswith("on") else []

    def handle_data(self, data: str) -> None:
        if self._tag == "style":
            self.css_urls += re.findall(r"url\(([^)]*)\)", data)


def test_the_failure_page_is_masked_and_opens_offline(aio: Aio, apage: AsyncPage, tmp_path: Path) -> None:
    requests: list[str] = []

    async def answer(route: Route) -> None:
        url = route.request.url
        css = ".hint { font-weight: bold } body { background: url(https://cdn.example.invalid/b.png) }"
        await route.fulfill(
            status=200,
            content_type="text/css" if ".css" in url else "text/html; charset=utf-8",
            body=css
            if ".css" in url
            else FAILED.format(id=ID, phone=PHONE, password=PASSWORD, cookie=COOKIE),
        )

    async def leave_files_only(route: Route) -> None:
        await (route.continue_() if route.request.url.startswith("file:") else route.abort())

    async def go() -> tuple[str, str, str, bool]:
        await apage.route("**/*", answer)
        await apage.goto(f"{ORIGIN}/user/app/7/step2")
        await apage.fill("input[type=password]", PASSWORD)
        table = replacements(
            secrets=[PASSWORD, COOKIE], masked={ID: "3301**********0318", PHONE: "138****0001"}
        )
        shot, page = await failure_evidence(
            apage, tmp_path / "a-failure.png", tmp_path / "a-failure.html", table
        )
        assert shot == tmp_path / "a-failure.png" and shot.stat().st_size > 0
        assert page == tmp_path / "a-failure.html"
        live = await apage.input_value("#id")
        # opened as a person opens it: from the file, in a browser that would report any request
        assert aio.browser is not None
        viewer = await aio.browser.new_context()
        viewer.on("request", lambda r: requests.append(r.url))
        await viewer.route("**/*", leave_files_only)
        opened = await viewer.new_page()
        await opened.goto(page.as_uri())
        shown = await opened.inner_text("body")
        ran = await opened.evaluate("() => Boolean(window.leak || window.ran)")
        await viewer.close()
        return page.read_text(encoding="utf-8"), shown, live, ran

    html, shown, live, ran = aio.run(go())
    assert live == ID  # the live page is restored (it could be submitted next)
    assert "本职业工作年限必须在0到50之间" in shown and 'value="99"' in html  # the page as it failed
    assert "3301**********0318" in html and "138****0001" in html
    for secret in (ID, PHONE, PHONE.replace(" ", ""), PASSWORD, COOKIE, "token=abc", "session=abc"):
        assert secret not in html, secret
    found = _Urls()
    found.feed(html)
    assert not found.runs and not ran
    assert not [u for u in found.urls if re.match(r"\s*(?:[a-z][a-z0-9+.-]*:)?//", u, re.IGNORECASE)], (
        found.urls
    )
    assert "/user/applications" in found.urls  # a link keeps its path: where it went, pointing at nothing
    assert not [u for u in found.css_urls if not u.strip("'\" ").startswith("data:")], found.css_urls
    assert "rgb(200, 0, 0)" in html  # the page's own styles, inline
    assert [u for u in requests if not u.startswith("file:")] == []
    if os.name == "posix":
        assert (tmp_path / "a-failure.html").stat().st_mode & 0o777 == 0o600
