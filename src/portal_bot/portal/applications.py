"""我的技能评价报名: reading a logged-in candidate's applications, their states and reasons.

:func:`read_applications` opens ``/user/applications`` with the page's (saved) session and reads the
list by its column headers. A session the site no longer accepts (a redirect to the login page, or
the site's bare ``非法请求 404！`` page, recognised by the flow engine's one detector
:data:`portal_bot.flows.locate.EXPIRED_JS`) raises :class:`SessionExpiredError`; this module never
logs in, never guesses a state (the text is returned as shown:
:func:`portal_bot.cohortrun.states.parse_state` decides) and never changes an application.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from portal_bot.browser import (
    AsyncBrowserContext,
    AsyncPage,
    PlaywrightError,
    PlaywrightTimeoutError,
    unreachable,
)
from portal_bot.errors import (
    NotThePortalError,
    PortalServerError,
    PortalTimeoutError,
    SessionExpiredError,
)
from portal_bot.flows.locate import EXPIRED_JS
from portal_bot.i18n import S_
from portal_bot.portal._tables import READ_TABLES_JS, find_grid, grids_of
from portal_bot.portal.sandbox import Sandbox

APPLICATIONS_PATH = "/user/applications"
_CODE_RE = re.compile(r"[(（]\s*编号\s*[:：]\s*([^)）]+?)\s*[)）]")
_BUSY_MARKERS = ("系统繁忙",)
#: The page's text, its tables and whether it is the 非法请求 page, in one evaluate (was three).
_READ_ALL_JS = f"""() => ({{
  body: document.body ? document.body.innerText : '',
  grids: ({READ_TABLES_JS})(),
  expired: ({EXPIRED_JS})(null),
}})"""


@dataclass(frozen=True)
class ApplicationRow:
    """One row of 我的技能评价报名, as shown (``reason`` is empty when there is none)."""

    plan_code: str
    plan_name: str
    state_text: str
    reason: str
    url: str


async def read_applications(page: AsyncPage, base_url: str) -> list[ApplicationRow]:
    """Every application on 我的技能评价报名 for the page's session.

    Raises:
        SessionExpiredError: the session is gone (非法请求 404！, or the site sends the login page).
        PortalServerError: an error page (5xx, 系统繁忙) or a list with unexpected columns.
        PortalTimeoutError: the page did not load in time.
        PortalUnreachableError: nothing answered at ``base_url``; NotThePortalError (a subclass): its
            page has no application list (a wrong address).
    """
    url = base_url.rstrip("/") + APPLICATIONS_PATH
    with _loading(base_url):
        response = await page.goto(url)
        seen: dict[str, Any] = await page.evaluate(_READ_ALL_JS)  # one round trip for the page
    status = response.status if response is not None else 200
    rows = _conclude(seen, page.url, status, base_url, drawn_by_scripts=False)
    assert rows is not None
    return rows


async def read_applications_fetched(
    context: AsyncBrowserContext, sandbox: Sandbox, base_url: str, *, timeout_ms: float
) -> list[ApplicationRow] | None:
    """:func:`read_applications` without a browser page: the list is fetched with the context's
    cookies (``context.request``: no renderer process) and read in a reader page of ``sandbox``.

    The same rules as :func:`read_applications`, with one exception: a page without the list
    returns None instead of raising, because the site may draw its list with scripts, which never
    run here; read that page with :func:`read_applications` (the same response, rendered).

    Raises:
        The errors of :func:`read_applications`, except NotThePortalError: None says "no list here".
    """
    url = base_url.rstrip("/") + APPLICATIONS_PATH
    with _loading(base_url):
        response = await context.request.get(url, headers=_DOCUMENT_HEADERS, timeout=timeout_ms)
        document = await response.text()
    try:
        async with sandbox.page() as reader:
            await sandbox.load(reader, document, response.url)
            seen: dict[str, Any] = await reader.evaluate(_READ_ALL_JS)
    except PlaywrightError:  # the page would not show there (e.g. it navigates away by itself)
        return None
    return _conclude(seen, response.url, response.status, base_url, drawn_by_scripts=True)


#: What a browser asks for when it opens a page (``context.request`` would otherwise ask for anything).
_DOCUMENT_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9",
}


@contextmanager
def _loading(base_url: str) -> Iterator[None]:
    """Playwright's timeout and "nothing answered" errors while the list loads, as ours."""
    try:
        yield
    except PlaywrightTimeoutError as exc:
        raise PortalTimeoutError(
            S_("我的技能评价报名 did not load in time"), hint=S_("the next run retries")
        ) from exc
    except PlaywrightError as exc:
        nobody = unreachable(base_url, exc)
        if nobody is None:
            raise
        raise nobody from exc


def _conclude(
    seen: dict[str, Any], url: str, status: int, base_url: str, *, drawn_by_scripts: bool
) -> list[ApplicationRow] | None:
    """The rows of a loaded 我的技能评价报名 (``seen``: what :data:`_READ_ALL_JS` returned at ``url``),
    or the error it shows; None when the list is missing and ``drawn_by_scripts`` may explain why."""
    body, grids = str(seen["body"]), grids_of(seen["grids"])
    if "/sso/login" in url or bool(seen["expired"]):
        raise SessionExpiredError(S_("the saved login is no longer accepted"), hint=S_("log in again"))
    if status >= 500 or any(m in body for m in _BUSY_MARKERS):
        raise PortalServerError(
            S_("我的技能评价报名 answered HTTP {}").format(status), hint=S_("the next run retries")
        )
    if status >= 400:
        raise PortalServerError(S_("我的技能评价报名 answered HTTP {}").format(status))
    grid = find_grid(grids, "评价计划", "报名状态")
    if grid is None and drawn_by_scripts:
        return None
    if grid is None:
        raise NotThePortalError(
            S_("{} shows no 我的技能评价报名 list: is it the portal?").format(base_url),
            hint=S_("check --portal"),
        )
    col_plan = grid.column("评价计划")
    col_state = grid.column("报名状态")
    col_reason = grid.column("审核意见", "驳回原因", "原因")
    assert col_plan is not None and col_state is not None
    rows: list[ApplicationRow] = []
    for cells in grid.rows:
        if len(cells) <= max(col_plan, col_state):
            continue  # 暂无报名记录
        plan_cell = " ".join(cells[col_plan].text.split())
        code = _CODE_RE.search(plan_cell)
        links = [c.href for c in cells if c.href and "/user/app/" in c.href]
        rows.append(
            ApplicationRow(
                plan_code=code.group(1) if code else "",
                plan_name=plan_cell[: code.start()].strip() if code else plan_cell,
                state_text=" ".join(cells[col_state].text.split()),
                reason=" ".join(cells[col_reason].text.split()) if col_reason is not None else "",
                url=links[-1] if links else "",
            )
        )
    return rows
