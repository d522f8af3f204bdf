"""The public plan search (首页 > 技能评价报名计划): listing plans and choosing the cohort's one.

:func:`search_plans` needs no login: it opens ``/pj/plans`` with the filters as query parameters,
reads the result table by its column headers and walks the pages (第 x/y 页 → 下一页).
:func:`resolve_plan` picks exactly one plan for a cohort's :class:`PlanSelector` and refuses, in one
line naming the ``plan`` field, when none, several, a closed one or a not-yet-open one match.
This module never logs in and never applies for anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Literal
from urllib.parse import urlencode

from loguru import logger

from portal_bot.browser import AsyncPage, PlaywrightError, PlaywrightTimeoutError, unreachable
from portal_bot.errors import (
    NotThePortalError,
    PortalServerError,
    PortalTimeoutError,
    ProfileError,
)
from portal_bot.i18n import N_, S_, _, ngettext, nS_
from portal_bot.portal._tables import Grid, clean, find_grid, read_grids
from portal_bot.profiles.models import PlanSelector

#: The portal shows Beijing time; China has no daylight saving time.
PORTAL_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
SEARCH_PATH = "/pj/plans"
PLAN_TYPES = ("职业技能等级认定", "专项职业能力考核")

Window = Literal["open", "closed", "not_open"]

_CODE_RE = re.compile(r"[(（]\s*编号\s*[:：]\s*([^)）]+?)\s*[)）]")
_TIME_RE = {
    "start": re.compile(r"报名开始时间\s*[:：]\s*(\d{4}-\d{2}-\d{2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)"),
    "end": re.compile(r"报名结束时间\s*[:：]\s*(\d{4}-\d{2}-\d{2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)"),
    "exam": re.compile(r"认定考试日期\s*[:：]\s*(\d{4}-\d{2}-\d{2})"),
}
_PAGE_RE = re.compile(r"第\s*(\d+)\s*/\s*(\d+)\s*页")


@dataclass(frozen=True)
class PlanRow:
    """One plan as the search list shows it.

    ``work_type`` is the part of 职业(工种) in brackets (empty when the plan has none); ``city`` and
    ``district`` are known only when the search was filtered by them (the list does not show them).
    """

    plan_code: str
    name: str
    organization: str
    occupation: str
    level: str
    start: datetime
    end: datetime
    exam_date: date
    url: str
    work_type: str = ""
    city: str | None = None
    district: str | None = None

    def window(self, now: datetime) -> Window:
        """``open`` between 报名开始时间 and 报名结束时间, else ``not_open`` before, ``closed`` after."""
        if now.tzinfo is None:
            now = now.replace(tzinfo=PORTAL_TZ)
        if now < self.start:
            return "not_open"
        if now > self.end:
            return "closed"
        return "open"

    def to_dict(self, now: datetime) -> dict[str, object]:
        """JSON-ready, with the window at ``now``."""
        return {
            "plan_code": self.plan_code,
            "name": self.name,
            "organization": self.organization,
            "occupation": self.occupation,
            "work_type": self.work_type or None,
            "level": self.level,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "exam_date": self.exam_date.isoformat(),
            "window": self.window(now),
            "url": self.url,
        }


def _when(text: str) -> datetime:
    text = " ".join(text.split())
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=PORTAL_TZ)
        except ValueError:
            continue
    raise ValueError(text)


def split_occupation(label: str) -> tuple[str, str]:
    """``碳排放管理员（碳排放核算员）`` → (``碳排放管理员``, ``碳排放核算员``); no brackets → (label, "")."""
    label = label.strip()
    m = re.fullmatch(r"(.+?)\s*[(（]([^()（）]+)[)）]", label)
    return (m.group(1).strip(), m.group(2).strip()) if m else (label, "")


def parse_plan_grid(grid: Grid, *, city: str | None = None, district: str | None = None) -> list[PlanRow]:
    """The rows of a result table; rows that are not plans (暂无数据) are skipped."""
    col_plan = grid.column("评价计划")
    col_occ = grid.column("职业(工种)", "职业（工种）", "职业工种")
    col_level = grid.column("等级")
    col_time = grid.column("报名时间")
    if None in (col_plan, col_occ, col_level, col_time):
        raise PortalServerError(
            S_("the plan list has unexpected columns: {}").format(", ".join(grid.headers))
        )
    assert col_plan is not None and col_occ is not None and col_level is not None and col_time is not None
    rows: list[PlanRow] = []
    for cells in grid.rows:
        if len(cells) <= max(col_plan, col_occ, col_level, col_time):
            continue  # 暂无数据
        plan_cell = " ".join(cells[col_plan].text.split())
        code = _CODE_RE.search(plan_cell)
        times = {k: r.search(cells[col_time].text) for k, r in _TIME_RE.items()}
        if code is None or not all(times.values()):
            logger.debug("skipping a plan row that cannot be read: {}", plan_cell)
            continue
        name = plan_cell[: code.start()].strip()
        rest = plan_cell[code.end() :].strip()
        organization = re.sub(r"^[-—–\s]+", "", rest).strip()
        occupation, work_type = split_occupation(" ".join(cells[col_occ].text.split()))
        rows.append(
            PlanRow(
                plan_code=code.group(1),
                name=name,
                organization=organization,
                occupation=occupation,
                work_type=work_type,
                level=clean(cells[col_level].text),
                start=_when(times["start"].group(1)),  # type: ignore[union-attr]
                end=_when(times["end"].group(1)),  # type: ignore[union-attr]
                exam_date=date.fromisoformat(times["exam"].group(1)),  # type: ignore[union-attr]
                url=cells[col_plan].href or "",
                city=city,
                district=district,
            )
        )
    return rows


def search_url(
    base_url: str,
    *,
    keyword: str | None = None,
    plan_type: str | None = None,
    occupation: str | None = None,
    work_type: str | None = None,
    level: str | None = None,
    city: str | None = None,
    district: str | None = None,
) -> str:
    query = {
        "keyword": keyword,
        "type": plan_type,
        "occupation": occupation,
        "work_type": work_type,
        "level": level,
        "city": city,
        "district": district,
    }
    kept = {k: v for k, v in query.items() if v}
    return base_url.rstrip("/") + SEARCH_PATH + (f"?{urlencode(kept)}" if kept else "")


async def search_plans(
    page: AsyncPage,
    base_url: str,
    *,
    keyword: str | None = None,
    plan_type: str | None = None,
    occupation: str | None = None,
    work_type: str | None = None,
    level: str | None = None,
    city: str | None = None,
    district: str | None = None,
    max_pages: int = 50,
) -> list[PlanRow]:
    """Every plan the public search lists for these filters, walking up to ``max_pages`` pages.

    Raises:
        PortalTimeoutError: a page did not load in time.
        PortalServerError: the site answered with an error (5xx).
        PortalUnreachableError: nothing answered; NotThePortalError (a subclass): the page has no plan
            list (a wrong address).
    """
    url = search_url(
        base_url,
        keyword=keyword,
        plan_type=plan_type,
        occupation=occupation,
        work_type=work_type,
        level=level,
        city=city,
        district=district,
    )
    rows: list[PlanRow] = []
    try:
        response = await page.goto(url)
        for _page_number in range(max_pages):
            if response is not None and response.status >= 500:
                raise PortalServerError(
                    S_("the plan search answered HTTP {}").format(response.status), hint=S_("retry later")
                )
            grid = find_grid(await read_grids(page), "评价计划", "报名时间")
            if grid is None:
                raise NotThePortalError(
                    S_("{} shows no plan search list: is it the portal?").format(base_url),
                    hint=S_("check --portal"),
                )
            rows.extend(parse_plan_grid(grid, city=city, district=district))
            info = _PAGE_RE.search(await page.locator("body").inner_text())
            if info is None or int(info.group(1)) >= int(info.group(2)):
                break
            link = page.get_by_role("link", name="下一页", exact=True)
            if await link.count() == 0:
                break
            async with page.expect_navigation():
                await link.first.click()
            response = None
        else:
            logger.warning("plan search: stopped after {} pages", max_pages)
    except PlaywrightTimeoutError as exc:
        raise PortalTimeoutError(S_("the plan search did not load in time"), hint=S_("retry later")) from exc
    except PlaywrightError as exc:
        gone = unreachable(base_url, exc)
        if gone is None:
            raise
        raise gone from exc
    unique = {row.plan_code: row for row in rows}
    return list(unique.values())


# -- narrowing a search by what the user typed ------------------------------------------------------

#: The filters a person types that the site offers as drop-downs, with their column names.
NARROWING_FILTERS = (("occupation", "职业名称"), ("work_type", "工种名称"), ("level", "等级"))


@dataclass(frozen=True)
class Narrowed:
    """Rows left after narrowing, and one sentence per filter saying what it matched.

    ``notes`` is English whatever the language (``plans search --json`` prints it); ``shown`` is
    the same sentences in the language people read.
    """

    rows: list[PlanRow]
    notes: list[str]
    shown: list[str] = field(default_factory=list)


def narrow_plans(rows: Sequence[PlanRow], **filters: str | None) -> Narrowed:
    """Keep the rows whose 职业名称 / 工种名称 / 等级 match what the user typed.

    The site's filters are drop-downs: a value that is not exactly one of the options is ignored by
    the site, which then lists every plan. So each typed value is matched here too: an exact value
    keeps its rows; otherwise every value that *contains* it is taken, and a note says which ones
    (``职业名称 “碳排放” matched 碳排放管理员``).

    Raises:
        ProfileError(field=filter): no listed value contains the typed one; names what the list has.
    """
    kept = list(rows)
    notes: list[str] = []
    shown: list[str] = []
    for key, column in NARROWING_FILTERS:
        wanted = filters.get(key)
        if not wanted:
            continue
        values = list(dict.fromkeys(str(getattr(r, key)) for r in kept if getattr(r, key)))
        if any(_same(wanted, v) for v in values):
            kept = [r for r in kept if _same(wanted, str(getattr(r, key)))]
            continue
        partial = [v for v in values if clean(wanted) in clean(v)]
        if not partial:
            offered = "、".join(values[:12]) + (
                S_(" … ({} in all)").format(len(values)) if len(values) > 12 else ""
            )
            found = (
                S_("the plans found have: {}").format(offered) if values else S_("the search found no plans")
            )
            raise ProfileError(
                S_("no plan's {column} contains “{wanted}”; {found}").format(
                    column=column, wanted=wanted, found=found
                ),
                field=f"--{key.replace('_', '-')}",
                hint=S_("use one of the listed names, or leave the filter out"),
            )
        kept = [r for r in kept if str(getattr(r, key)) in partial]
        matched = N_("{column} “{wanted}” matched {partial}")
        notes.append(matched.format(column=column, wanted=wanted, partial="、".join(partial)))
        shown.append(_(matched).format(column=column, wanted=wanted, partial="、".join(partial)))
    return Narrowed(kept, notes, shown)


# -- choosing the cohort's plan --------------------------------------------------------------------


def _same(a: str, b: str) -> bool:
    return clean(a) == clean(b)


def _matches(selector: PlanSelector, row: PlanRow) -> bool:
    if selector.organization and not _same(selector.organization, row.organization):
        return False
    if selector.occupation and not (
        _same(selector.occupation, row.occupation)
        or _same(selector.occupation, f"{row.occupation}（{row.work_type}）")
    ):
        return False
    if selector.work_type and not _same(selector.work_type, row.work_type):
        return False
    if selector.level and not _same(selector.level, row.level):
        return False
    if selector.exam_date and selector.exam_date != row.exam_date:
        return False
    # The list does not show the region: rows carry it only when the search was filtered by it.
    if selector.city and row.city is not None and not _same(selector.city, row.city):
        return False
    return not (selector.district and row.district is not None and not _same(selector.district, row.district))


def _describe(selector: PlanSelector) -> str:
    data = selector.model_dump(exclude_none=True)
    return ", ".join(f"{k}: {v}" for k, v in data.items())


def match_plans(selector: PlanSelector, rows: Sequence[PlanRow]) -> list[PlanRow]:
    """Every row the selector names: by ``plan_code`` when given, else by the other keys."""
    if selector.plan_code:
        return [r for r in rows if r.plan_code == selector.plan_code]
    return [r for r in rows if _matches(selector, r)]


def _fmt(at: datetime) -> str:
    return at.astimezone(PORTAL_TZ).strftime("%Y-%m-%d %H:%M")


def _distinguishing_key(selector: PlanSelector, found: Sequence[PlanRow]) -> str:
    for key in ("exam_date", "occupation", "work_type", "level", "organization"):
        if getattr(selector, key, None) is None and len({str(getattr(r, key)) for r in found}) > 1:
            return key
    return "plan_code"


def only_plan(selector: PlanSelector, rows: Sequence[PlanRow]) -> PlanRow:
    """The one row the selector names, whatever its window (a status run needs no open window).

    Raises:
        ProfileError(field="plan"): no row or several rows match.
    """
    found = match_plans(selector, rows)
    if not found:
        raise ProfileError(
            S_("no plan on the portal matches {}").format(_describe(selector)),
            field="plan",
            hint=S_("compare cohort.yaml plan: with `portal-bot plans search`"),
        )
    if len(found) > 1:
        listed = "; ".join(f"{r.plan_code} {r.name} (考试 {r.exam_date.isoformat()})" for r in found[:6])
        extra = len(found) - 6
        more = ngettext(" and {n} more", " and {n} more", extra).format(n=extra) if extra > 0 else ""
        key = _distinguishing_key(selector, found)
        raise ProfileError(
            nS_(
                "{n} plan matches {selector}: {listed}", "{n} plans match {selector}: {listed}", len(found)
            ).format(n=len(found), selector=_describe(selector), listed=listed)
            + more,
            field="plan",
            hint=S_("add {}: to cohort.yaml plan: to pick one (plan_code: always does)").format(key),
        )
    return found[0]


def resolve_plan(selector: PlanSelector, rows: Sequence[PlanRow], now: datetime) -> PlanRow:
    """The one plan to register for, open now.

    Raises:
        ProfileError(field="plan"): no match, several matches (lists them and names the key to add),
            a closed window, or a window that has not opened yet (says when it opens).
    """
    row = only_plan(selector, rows)
    window = row.window(now)
    if window == "closed":
        raise ProfileError(
            S_("plan {code} {name} closed for applications on {when}").format(
                code=row.plan_code, name=row.name, when=_fmt(row.end)
            ),
            field="plan",
            hint=S_("choose another plan (`portal-bot plans search`)"),
        )
    if window == "not_open":
        raise ProfileError(
            S_("plan {code} {name} opens for applications on {when}").format(
                code=row.plan_code, name=row.name, when=_fmt(row.start)
            ),
            field="plan",
            hint=S_("run register again after it opens"),
        )
    return row
