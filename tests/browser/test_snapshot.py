"""A recorded page (recording/snapshot.py): masked before its screenshot, cleaned when serialized.

The page is a small stand-in with every kind of thing a snapshot must not keep: ID, phone, name in
text, in form values and in the title, a password, a hidden token, scripts and handlers, URLs with
query strings, a photo and a QR code. Two proofs for the pixels: the page's own text at the moment
the screenshot is taken (the screenshot call is wrapped), and the screenshot compared pixel for
pixel with the same page written masked by hand, pictures black.
"""

from __future__ import annotations

import base64
import re

from portal_bot.browser import AsyncPage
from portal_bot.recording.snapshot import take_snapshot

from .conftest import Aio

ID, PHONE, NAME = "330106200403150318", "138 0571 0001", "王小明"
BIRTH = "2004-03-15"  # masked by its label (出生日期): no cohort is given here, as in a survey
# a 2×2 red PNG: "a photo"
PICTURE = (
    "data:image/png;base64,"
    + base64.b64encode(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a73"
            "0000001449444154789c63f8cfc0f09f81e13f030303001efd03fd0e5f6f2d0000000049454e44ae426082"
        )
    ).decode()
)

PAGE = """<!DOCTYPE html><html><head><title>{name}的报名</title>
<meta name="csrf-token" content="tok-SECRET-123">
<style>.gone {{ display: none }} .bg {{ background: url('/img/bg.png?session=abc') }}</style>
<script>window.leak = 1</script></head>
<body style="font: 16px sans-serif" onload="x()">
<div class="steps"><div class="step done">上传证件照</div><div class="step current">填写报名信息</div>
<div class="step">扫码在线签名</div><div class="step">预览确认提交</div></div>
<p>您好，{name}</p><p>身份证件号码：{id}</p>
<form action="/user/app/7/step2?token=abc#top"><table>
<tr><td>手机号码：</td><td><input id="phone" value="{phone}"></td></tr>
<tr><td>出生日期</td><td><input id="birth" value="{birth}" readonly></td></tr>
<tr><td>密码：</td><td><input type="password" id="pw" value="hunter2-secret"></td></tr>
<tr><td>备注：</td><td><textarea id="note">{name} {phone}</textarea></td></tr>
</table><input type="hidden" name="t" value="sess-TOKEN-xyz">
<a href="/user/applications?sid=SESSION42#frag" onclick="go()" data-token="qr-TOKEN">用户中心</a>
<a href="javascript:doIt()">下一步</a>
<img class="photo" src="{picture}" width="40" height="40" alt="证件照">
<img class="qr" src="/sign/qr-TOKEN.png?v=1" width="40" height="40" alt="签名二维码">
<div class="avatar" style="width: 20px; height: 20px; background: url('/me/avatar-SECRET.png')"></div>
<p class="gone">隐藏的文字</p></form></body></html>"""


def test_the_snapshot_masks_before_the_screenshot_and_cleans_the_dom(aio: Aio, apage: AsyncPage) -> None:
    seen: dict[str, object] = {}

    async def go() -> tuple[object, bytes]:
        await apage.route("**/*", lambda route: route.fulfill(status=404, body=""))
        await apage.set_content(PAGE.format(name=NAME, id=ID, phone=PHONE, birth=BIRTH, picture=PICTURE))
        screenshot = apage.screenshot

        async def spying_screenshot(**kwargs: object) -> bytes:
            seen["text"] = await apage.evaluate(
                "() => document.title + document.body.innerText"
                " + [...document.querySelectorAll('input, textarea')].map(e => e.value).join(' ')"
            )
            seen["pictures"] = await apage.evaluate(
                "() => [...document.images].map(i => getComputedStyle(i).filter)"
            )
            return await screenshot(**kwargs)  # type: ignore[arg-type]

        apage.screenshot = spying_screenshot  # type: ignore[method-assign]
        try:
            snap = await take_snapshot(apage, names=[NAME])
        finally:
            del apage.screenshot
        seen["after"] = await apage.evaluate(
            "() => document.title + document.body.innerText + document.querySelector('#phone').value"
            " + document.querySelector('#birth').value"
        )
        # the same page written masked by hand, its pictures black: the screenshot must be this one
        await apage.set_content(
            PAGE.format(
                name="王**", id="3301**********0318", phone="138****0001", birth="****-**-**", picture=PICTURE
            ).replace(
                "<style>",
                "<style>img { filter: brightness(0) !important } .avatar { background: #000 !important } ",
            )
        )
        await apage.evaluate("() => { document.querySelector('#pw').value = 'hunter2-secret'; }")
        expected = await apage.screenshot(full_page=True, animations="disabled", caret="hide")
        return snap, expected

    snap, expected = aio.run(go())
    text = str(seen["text"])
    assert ID not in text and PHONE not in text and NAME not in text and BIRTH not in text
    assert "****-**-**" in text and "3301**********0318" in text and "138****0001" in text and "王**" in text
    assert seen["pictures"] == ["brightness(0)", "brightness(0)"]
    assert snap.png == expected  # type: ignore[attr-defined]
    after = str(seen["after"])
    assert ID in after and PHONE in after and NAME in after and BIRTH in after  # the live page is restored

    html = snap.html  # type: ignore[attr-defined]
    for gone in (
        ID,
        PHONE,
        NAME,
        BIRTH,
        "hunter2",
        "sess-TOKEN",
        "tok-SECRET",
        "qr-TOKEN",
        "SESSION42",
        "session=abc",
    ):
        assert gone not in html, gone
    assert not re.search(r"<script|onload=|onclick=|data-token|doIt|\?|#frag|#top", html, re.I), html
    assert 'action="/user/app/7/step2"' in html and 'href="/user/applications"' in html
    assert 'href="javascript:void(0)"' in html
    assert 'value="****-**-**"' in html
    assert 'value="138****0001"' in html and "王** 138****0001</textarea>" in html
    assert '<img class="photo" width="40" height="40" alt="证件照">' in html  # no src, size kept
    assert ".gone { display: none; }" in html and 'url("/img/bg.png")' in html  # styles inlined
    assert snap.title == "王**的报名"  # type: ignore[attr-defined]
    assert snap.wizard_step == "填写报名信息"  # type: ignore[attr-defined]
    labels = {lab["text"]: lab["kind"] for lab in snap.offers["labels"]}  # type: ignore[attr-defined]
    assert labels.get("手机号码：") == "text"
    assert "用户中心" in snap.offers["links"]  # type: ignore[attr-defined]
    assert all(ID not in t and PHONE not in t for t in snap.offers["texts"])  # type: ignore[attr-defined]
