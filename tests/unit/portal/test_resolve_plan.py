"""resolve_plan / only_plan: exactly one plan for a selector, else one line naming the ``plan`` field."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest

from portal_bot.errors import ProfileError
from portal_bot.i18n import set_language
from portal_bot.portal.plans import PORTAL_TZ, PlanRow, only_plan, resolve_plan, split_occupation
from portal_bot.profiles.models import PlanSelector

NOW = datetime(2026, 4, 10, 9, 0, tzinfo=PORTAL_TZ)
ORG = "浙江省生态与环境修复技术协会"


def row(
    code: str, *, level: str = "中级工", start: int = -10, end: int = 20, exam: int = 40, **kw: str
) -> PlanRow:
    return PlanRow(
        plan_code=code,
        name=kw.get("name", f"计划{code[-3:]}"),
        organization=kw.get("organization", ORG),
        occupation=kw.get("occupation", "碳排放管理员"),
        work_type=kw.get("work_type", "碳排放核算员"),
        level=level,
        start=NOW + timedelta(days=start),
        end=NOW + timedelta(days=end),
        exam_date=(NOW + timedelta(days=exam)).date(),
        url=f"http://127.0.0.1/pj/plan/{code[-3:]}",
    )


ROWS = [
    row("2024-S-000911"),
    row("2024-S-000937", start=-3, end=45, exam=70),
    row("2024-S-000938", level="高级工", start=-3, end=45, exam=70),
    row("2024-S-000940", work_type="碳排放监测员", start=-30, end=-2, exam=15),
    row("2024-S-000955", work_type="碳排放核查员", level="高级工", start=5, end=35, exam=60),
]


def test_plan_code_picks_exactly_that_plan() -> None:
    assert resolve_plan(PlanSelector(plan_code="2024-S-000937"), ROWS, NOW).plan_code == "2024-S-000937"


def test_other_keys_pick_one_plan() -> None:
    sel = PlanSelector(organization=ORG, level="中级工", exam_date=(NOW + timedelta(days=40)).date())
    assert resolve_plan(sel, ROWS, NOW).plan_code == "2024-S-000911"
    sel = PlanSelector(organization=ORG, occupation="碳排放管理员（碳排放监测员）")
    assert only_plan(sel, ROWS).plan_code == "2024-S-000940"


def test_no_match_is_one_line_on_the_plan_field() -> None:
    with pytest.raises(ProfileError) as err:
        resolve_plan(PlanSelector(organization="不存在的机构"), ROWS, NOW)
    assert err.value.field == "plan"
    assert "no plan on the portal matches organization: 不存在的机构" in str(err.value)
    assert "\n" not in str(err.value)


def test_ambiguous_lists_codes_names_exam_dates_and_the_key_to_add() -> None:
    with pytest.raises(ProfileError) as err:
        resolve_plan(PlanSelector(organization=ORG, level="中级工"), ROWS, NOW)
    text = str(err.value)
    assert "3 plans match" in text
    for code in ("2024-S-000911", "2024-S-000937", "2024-S-000940"):
        assert code in text
    assert "计划911" in text and (NOW + timedelta(days=40)).date().isoformat() in text
    assert "add exam_date:" in text


def test_closed_and_not_yet_open_windows_are_refused() -> None:
    with pytest.raises(ProfileError, match="closed for applications on 2026-04-08 09:00"):
        resolve_plan(PlanSelector(plan_code="2024-S-000940"), ROWS, NOW)
    with pytest.raises(ProfileError, match="opens for applications on 2026-04-15 09:00"):
        resolve_plan(PlanSelector(plan_code="2024-S-000955"), ROWS, NOW)
    # a status run needs no open window
    assert only_plan(PlanSelector(plan_code="2024-S-000940"), ROWS).plan_code == "2024-S-000940"


def test_window_boundaries() -> None:
    r = ROWS[0]
    assert r.window(r.start - timedelta(seconds=1)) == "not_open"
    assert r.window(r.start) == "open" and r.window(r.end) == "open"
    assert r.window(r.end + timedelta(seconds=1)) == "closed"
    assert r.window(datetime(2026, 4, 10, 9, 0)) == "open"  # naive: Beijing time


def test_split_occupation() -> None:
    assert split_occupation("碳排放管理员（碳排放核算员）") == ("碳排放管理员", "碳排放核算员")
    assert split_occupation("育婴员") == ("育婴员", "")


def test_region_filters_apply_only_where_the_row_knows_the_region() -> None:
    rows = [row("2024-S-000911"), PlanRow(**{**row("2024-S-000912").__dict__, "city": "宁波市"})]
    sel = PlanSelector(
        organization=ORG, city="杭州市", exam_date=date.fromisoformat(rows[0].exam_date.isoformat())
    )
    assert only_plan(sel, rows).plan_code == "2024-S-000911"


@pytest.fixture
def chinese() -> Iterator[None]:
    set_language("zh")
    yield
    set_language("en")


def _refusal(selector: PlanSelector, rows: list[PlanRow]) -> str:
    with pytest.raises(ProfileError) as err:
        resolve_plan(selector, rows, NOW)
    assert err.value.field == "plan"
    return f"{err.value} {err.value.hint}"


def test_refusals_in_chinese(chinese: None) -> None:
    text = _refusal(PlanSelector(organization="不存在的机构"), ROWS)
    assert "网站上没有符合 organization: 不存在的机构 的评价计划" in text
    assert "`portal-bot plans search`" in text
    text = _refusal(PlanSelector(organization=ORG, level="中级工"), ROWS)
    assert "3 个评价计划符合" in text and "2024-S-000940" in text
    assert "加上 exam_date: 以选定其中一个" in text
    many = [row(f"2024-S-00010{i}", exam=40 + i) for i in range(8)]
    assert "，另有 2 个" in _refusal(PlanSelector(organization=ORG), many)
    assert "已于 2026-04-08 09:00 结束报名" in _refusal(PlanSelector(plan_code="2024-S-000940"), ROWS)
    assert "将于 2026-04-15 09:00 开始报名" in _refusal(PlanSelector(plan_code="2024-S-000955"), ROWS)
    for text in (
        _refusal(PlanSelector(organization="不存在的机构"), ROWS),
        _refusal(PlanSelector(organization=ORG), many),
    ):
        assert not re.search(r"\b(matche?s?|more|add|compare|on the portal)\b", text), text


def test_refusals_in_english_keep_their_words() -> None:
    many = [row(f"2024-S-00010{i}", exam=40 + i) for i in range(8)]
    text = _refusal(PlanSelector(organization=ORG), many)
    assert "8 plans match organization: " in text and " and 2 more" in text
    assert "add exam_date: to cohort.yaml plan: to pick one (plan_code: always does)" in text
    assert "compare cohort.yaml plan: with `portal-bot plans search`" in _refusal(
        PlanSelector(organization="不存在的机构"), ROWS
    )
