"""locate.js sent once per document (issue 14): the look-out's polls and the label look-ups send
one line once the document has the entry points, under a name the site's scripts cannot guess or
list, and a navigation (seen or not yet seen by Python) brings the whole file again."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest

from portal_bot.browser import AsyncPage
from portal_bot.flows import locate
from portal_bot.flows.settle import TARGET

from .conftest import Aio

pytestmark = pytest.mark.browser

# The site's own globals with the names of locate.js's functions: neither side may see the other's.
SITE = """
<script>
  function pageExpired() { return 'the site'; }
  var labelKey = 'the site';
  window.seen = () => {
    const out = Object.keys(window).filter((k) => k.startsWith('__pb_'));
    for (const k in window) if (k.startsWith('__pb_')) out.push(k);
    return out;
  };
</script>
<button>保存</button>
"""


def _serve(aio: Aio, page: AsyncPage) -> None:
    """``http://site.test/<text>``: the site's page with a button ``<text>`` (nothing leaves the machine)."""

    async def fulfil(route: Any) -> None:
        text = route.request.url.rsplit("/", 1)[1]
        body = SITE.replace("保存", urllib.parse.unquote(text))
        await route.fulfill(body=body, content_type="text/html; charset=utf-8")

    aio.run(page.route("http://site.test/**", fulfil))


def _sent(page: AsyncPage) -> list[str]:
    """Every expression ``page.evaluate`` is given from now on."""
    sent: list[str] = []
    evaluate = page.evaluate

    async def spy(expression: str, arg: Any = None) -> Any:
        sent.append(expression)
        return await evaluate(expression, arg)

    page.evaluate = spy  # type: ignore[method-assign]
    return sent


def test_the_file_goes_once_per_document_and_the_site_sees_nothing(aio: Aio, apage: AsyncPage) -> None:
    _serve(aio, apage)
    aio.run(apage.goto("http://site.test/保存"))
    sent = _sent(apage)
    assert aio.run(TARGET(apage, ["保存", "button"]))["present"]
    assert not aio.run(TARGET(apage, ["提交", "button"]))["present"]
    assert not aio.run(locate.EXPIRED(apage))
    assert [len(s) > 10_000 for s in sent] == [True, False, False]  # the whole file, then one line each
    assert aio.run(apage.evaluate("window.seen()")) == []  # not enumerable for the site
    assert aio.run(apage.evaluate("[pageExpired(), labelKey]")) == ["the site", "the site"]

    aio.run(apage.goto("http://site.test/提交"))  # a new document: the file again
    assert aio.run(TARGET(apage, ["提交", "button"]))["present"]
    assert len(sent[-1]) > 10_000


def test_a_navigation_not_yet_heard_of_costs_one_more_call_not_a_wrong_answer(
    aio: Aio, apage: AsyncPage
) -> None:
    _serve(aio, apage)
    aio.run(apage.goto("http://site.test/保存"))
    aio.run(TARGET(apage, ["保存", "button"]))
    aio.run(apage.goto("http://site.test/提交"))
    locate._INSTALLED[apage] = True  # as if Python had not heard of the new document yet
    sent = _sent(apage)
    assert aio.run(TARGET(apage, ["提交", "button"]))["present"]
    assert [len(s) > 10_000 for s in sent] == [False, True]
