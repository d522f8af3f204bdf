"""The pytest plugin: the mock portal for a browser test in a few lines, and out of the way otherwise."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_a_project_using_the_fixture_gets_a_reset_portal_and_base_url(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_first(mock_portal, base_url):
            assert base_url == mock_portal.url
            mock_portal.qa.create_account(username="u", password="p", name="王五",
                                          id_number="11010519491231002X", phone="13800138000")
            assert "浙江省职业能力一体化工作平台" in httpx.get(base_url + "/").text

        def test_second_starts_clean(mock_portal):
            assert mock_portal.qa.get("/accounts").json() == []
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_a_project_not_using_it_keeps_its_base_url(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import threading

        def test_plain(base_url):
            assert base_url == "http://example.invalid"
            assert not any(t.name == "mock-portal" for t in threading.enumerate())

        def test_no_fixture():
            assert not any(t.name == "mock-portal" for t in threading.enumerate())
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--base-url", "http://example.invalid")
    result.assert_outcomes(passed=2)
    pytester.makepyfile(
        """
        def test_default(base_url):
            assert base_url is None
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


@pytest.mark.browser
def test_the_documented_browser_test_runs_on_the_chromium_portal_bot_picks(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/mock-portal.md's example, with PORTAL_BOT_CHROMIUM honoured and no conftest of its own."""
    from portal_bot.browser import find_browser

    choice = find_browser()
    assert choice is not None and choice.executable is not None, "run `make browser`"
    monkeypatch.setenv("PORTAL_BOT_CHROMIUM", str(choice.executable))
    pytester.makepyfile(
        """
        import os
        from playwright.sync_api import Page, expect

        def test_launch_args(mock_portal, browser_type_launch_args):
            assert browser_type_launch_args["executable_path"] == os.environ["PORTAL_BOT_CHROMIUM"]
            assert "--disable-background-networking" in browser_type_launch_args["args"]

        def test_login(mock_portal, page: Page) -> None:
            mock_portal.qa.create_account(username="zhangsan", password="pw", name="张三",
                                          id_number="11010519491231002X", phone="13800138000")
            page.goto("/")
            page.get_by_role("link", name="个人用户登录").click()
            page.get_by_placeholder("请输入政务服务网账号/手机号").fill("zhangsan")
            page.get_by_placeholder("请输入密码").fill("pw")
            page.get_by_role("button", name="登录").click()
            expect(page.get_by_role("button", name="技能评价报名")).to_be_visible()  # 个人基本信息
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
