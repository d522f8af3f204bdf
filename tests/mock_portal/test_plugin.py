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
