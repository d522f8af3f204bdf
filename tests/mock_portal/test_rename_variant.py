"""The renaming variant: every id, class and name renamed per start (seeded); nothing visible changes."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest

from portal_bot.mock_portal.rename import Renamer, known_tokens
from portal_bot.mock_portal.server import RunningPortal, serve_in_thread
from tests.mock_portal import helpers as h

PAGES = ("/", "/pj/plans", "/pj/plans?keyword=2024-S-000911", f"/pj/plan/{h.GUIDE_PLAN}")


def _visible(page: str) -> str:
    """The text a person reads: tags, scripts and attribute values gone."""
    page = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _attrs(page: str) -> set[str]:
    found = set()
    for key, value in re.findall(r'\s(id|class|name)="([^"]*)"', page):
        found.update(value.split() if key == "class" else [value])
    return found


@pytest.fixture
def renamed() -> Iterator[RunningPortal]:
    with serve_in_thread(rename_seed=7) as running:
        yield running


def test_pages_read_the_same_and_share_no_name(mock_portal: RunningPortal, renamed: RunningPortal) -> None:
    for path in PAGES:
        plain = h.get(f"{mock_portal.url}{path}").text
        other = h.get(f"{renamed.url}{path}").text
        assert _visible(other) == _visible(plain), path
        assert _attrs(plain) and not (_attrs(plain) & _attrs(other)), path
    plain_css = h.get(f"{mock_portal.url}/static/portal.css").text
    css = h.get(f"{renamed.url}/static/portal.css").text
    assert ".x-select" not in css and f".{Renamer(7).name('x-select')}" in css
    colours = re.compile(r":\s*#[0-9a-fA-F]{3,6}\b")
    assert colours.findall(css) == colours.findall(plain_css) != [], "colours are not ids"
    js = h.get(f"{renamed.url}/static/portal.js").text
    assert '".x-select-value"' not in js and Renamer(7).name("x-select-value") in js


def test_the_same_seed_gives_the_same_names() -> None:
    assert Renamer(3).name("steps") == Renamer(3).name("steps") != Renamer(4).name("steps")
    assert {"steps", "current", "plan-name", "sign-state", "qr-img", "err-msg"} <= known_tokens()


def test_a_whole_registration_works_through_renamed_names(renamed: RunningPortal) -> None:
    h.make_account(renamed, info_confirmed=True)
    client = httpx.Client(base_url=renamed.url, follow_redirects=True, timeout=30)
    with client:
        login = client.get("/sso/login").text
        names = dict(re.findall(r'<div class="[^"]+">(账号|密码)</div><input type="\w+" name="(\w+)"', login))
        assert set(names) == {"账号", "密码"} and "loginname" not in login
        service = re.search(r'name="(\w+)" value="([^"]*)"', login)
        assert service is not None
        done = client.post(
            "/sso/login", data={names["账号"]: "zhangsan", names["密码"]: h.PASSWORD, service[1]: service[2]}
        )
        assert "退出" in done.text
        search = client.get("/pj/plans").text
        keyword = re.search(r'<input type="text" name="(\w+)" value="" placeholder="请输入评价机构', search)
        assert keyword is not None
        found = client.get("/pj/plans", params={keyword[1]: "2024-S-000911"}).text
        assert "查询结果: 共1条" in found
        step1 = client.get(f"/pj/plan/{h.GUIDE_PLAN}/apply")
        assert "上传证件照" in step1.text
        photo = re.search(r'<input type="file" name="(\w+)" accept=".jpg', step1.text)
        assert photo is not None
        uploaded = client.post(str(step1.url), files={photo[1]: ("me.jpg", h.photo(), "image/jpeg")})
        assert "照片上传成功" in uploaded.text
