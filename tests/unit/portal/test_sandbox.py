"""The sandbox's ``<base>``: a fetched page's links resolve as they did at its address."""

from __future__ import annotations

import pytest

from portal_bot.browser import network_failure
from portal_bot.portal.sandbox import with_base

URL = "http://127.0.0.1:8080/user/applications"
BASE = f'<base href="{URL}">'


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            "<!DOCTYPE html><html><head><title>x</title></head><body></body></html>",
            f"<!DOCTYPE html><html><head>{BASE}<title>x</title></head><body></body></html>",
        ),
        ('<HEAD lang="zh">t</HEAD>', f'<HEAD lang="zh">{BASE}t</HEAD>'),
        ("<!doctype html>\n<p>no head</p>", f"<!doctype html>{BASE}\n<p>no head</p>"),
        ("<p>bare</p>", f"{BASE}<p>bare</p>"),
        ("<header>not a head</header>", f"{BASE}<header>not a head</header>"),
    ],
    ids=["head", "head-with-attributes", "doctype-first", "bare", "header-is-not-head"],
)
def test_the_base_goes_after_the_head_never_before_the_doctype(document: str, expected: str) -> None:
    assert with_base(document, URL) == expected


def test_a_page_that_names_its_own_base_keeps_it() -> None:
    document = '<html><head><BASE href="/elsewhere/"></head></html>'
    assert with_base(document, URL) == document


def test_the_address_is_escaped() -> None:
    assert with_base("<p>", 'http://h/a"b?x=1&y=2') == '<base href="http://h/a&quot;b?x=1&amp;y=2"><p>'


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("APIRequestContext.get: connect ECONNREFUSED 127.0.0.1:9", "ERR_CONNECTION_REFUSED"),
        ("APIRequestContext.get: getaddrinfo ENOTFOUND zynl.example", "ERR_NAME_NOT_RESOLVED"),
        ("Page.goto: net::ERR_CONNECTION_REFUSED at http://127.0.0.1:9/", "ERR_CONNECTION_REFUSED"),
        ("APIRequestContext.get: Request context disposed.", None),
        ("Page.goto: net::ERR_ABORTED", None),
    ],
)
def test_socket_errors_of_either_client_mean_nothing_answered(message: str, code: str | None) -> None:
    assert network_failure(Exception(message)) == code
