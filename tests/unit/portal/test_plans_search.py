"""``portal-bot plans search`` and the page adapters against the mock portal (no login)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from portal_bot.cli import app
from portal_bot.mock_portal.server import RunningPortal
from tests.asyncutil import run_async

pytestmark = pytest.mark.browser
runner = CliRunner()


def search(portal: RunningPortal, *args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["plans", "search", "--portal", portal.url, "--json", *args])
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def test_all_28_plans_over_three_pages_with_their_windows(mock_portal: RunningPortal) -> None:
    doc = search(mock_portal)
    assert doc["count"] == 28 == len({p["plan_code"] for p in doc["plans"]})
    truth = {p["plan_no"]: p for p in mock_portal.qa.plans()}
    for plan in doc["plans"]:
        expected = truth[plan["plan_code"]]
        assert plan["window"] == expected["window"], plan["plan_code"]
        assert plan["exam_date"] == expected["exam"][:10]
        assert plan["name"] == expected["name"]
    guide = next(p for p in doc["plans"] if p["plan_code"] == "2024-S-000911")
    assert guide["organization"] == "浙江省生态与环境修复技术协会"
    assert (guide["occupation"], guide["work_type"], guide["level"]) == (
        "碳排放管理员",
        "碳排放核算员",
        "中级工",
    )
    assert guide["url"].endswith("/pj/plan/911")
    windows = {p["plan_code"]: p["window"] for p in doc["plans"]}
    assert (windows["2024-S-000940"], windows["2024-S-000955"]) == ("closed", "not_open")


def test_max_pages_stops_the_walk(mock_portal: RunningPortal) -> None:
    assert search(mock_portal, "--max-pages", "1")["count"] == 10


def test_filters_narrow_the_list(mock_portal: RunningPortal) -> None:
    truth = mock_portal.qa.plans()
    doc = search(
        mock_portal, "--occupation", "碳排放管理员", "--work-type", "碳排放核算员", "--level", "中级工"
    )
    assert {p["plan_code"] for p in doc["plans"]} == {"2024-S-000911", "2024-S-000937"}
    special = search(mock_portal, "--type", "专项职业能力考核")
    assert {p["plan_code"] for p in special["plans"]} == {
        t["plan_no"] for t in truth if t["plan_type"] == "专项职业能力考核"
    }
    assert special["count"] == 2
    city, district = truth[0]["city"], truth[0]["district"]
    in_city = search(mock_portal, "--city", city)
    assert {p["plan_code"] for p in in_city["plans"]} == {t["plan_no"] for t in truth if t["city"] == city}
    in_district = search(mock_portal, "--city", city, "--district", district)
    assert {p["plan_code"] for p in in_district["plans"]} == {
        t["plan_no"] for t in truth if (t["city"], t["district"]) == (city, district)
    }
    org = search(mock_portal, "--org", "浙江省生态与环境修复技术协会")
    assert {p["plan_code"] for p in org["plans"]} == {
        t["plan_no"] for t in truth if t["org"] == "浙江省生态与环境修复技术协会"
    }
    assert search(mock_portal, "--keyword", "没有这种计划")["count"] == 0


def test_the_table_marks_windows(mock_portal: RunningPortal, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    result = runner.invoke(app, ["plans", "search", "--portal", mock_portal.url, "--level", "高级工"])
    assert result.exit_code == 0, result.output
    assert "2024-S-000955" in result.output and "未开始" in result.output


def test_read_applications_knows_the_real_sites_expired_page_and_unknown_states() -> None:
    from portal_bot.browser import async_playwright, find_browser, launch_options
    from portal_bot.cohortrun.states import State, parse_state
    from portal_bot.errors import SessionExpiredError
    from portal_bot.portal.applications import read_applications

    table = (
        "<table><thead><tr><th>评价计划</th><th>报名状态</th><th>审核意见</th><th>操作</th></tr></thead>"
        "<tbody><tr><td>某计划（编号：2024-S-000911）</td><td> 审核已完成 </td><td></td>"
        "<td><a href='/user/app/7'>查看</a></td></tr></tbody></table>"
    )

    async def run() -> tuple[list[Any], str]:
        choice = find_browser()
        assert choice is not None
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(**launch_options(choice))
            ctx = await browser.new_context()
            pg = await ctx.new_page()

            async def ok(route: Any) -> None:
                await route.fulfill(status=200, content_type="text/html; charset=utf-8", body=table)

            await pg.route("http://127.0.0.1:9/**", ok)
            rows = await read_applications(pg, "http://127.0.0.1:9")
            await pg.unroute("http://127.0.0.1:9/**")

            async def gone(route: Any) -> None:
                await route.fulfill(
                    status=404, content_type="text/html; charset=utf-8", body="非法请求 404！"
                )

            await pg.route("http://127.0.0.1:9/**", gone)
            try:
                await read_applications(pg, "http://127.0.0.1:9")
                expired = "no"
            except SessionExpiredError:
                expired = "yes"
            await browser.close()
            return rows, expired

    rows, expired = run_async(run)
    assert [(r.plan_code, r.state_text, r.reason) for r in rows] == [("2024-S-000911", "审核已完成", "")]
    assert rows[0].url == "http://127.0.0.1:9/user/app/7"
    assert parse_state(rows[0].state_text) is State.UNKNOWN
    assert expired == "yes"


def test_part_of_an_occupation_narrows_and_says_what_it_matched(mock_portal: RunningPortal) -> None:
    truth = mock_portal.qa.plans()
    doc = search(mock_portal, "--occupation", "碳排放")
    expected = {t["plan_no"] for t in truth if "碳排放" in t["occupation"]}
    assert expected and len(expected) < len(truth)
    assert {p["plan_code"] for p in doc["plans"]} == expected
    assert doc["matched"] == ["职业名称 “碳排放” matched 碳排放管理员"]
    level = search(mock_portal, "--occupation", "碳排放管理员", "--level", "中级")
    assert {p["level"] for p in level["plans"]} == {"中级工"}
    assert any("等级 “中级” matched 中级工" in note for note in level["matched"])


def test_an_occupation_no_plan_has_is_refused_in_one_line(mock_portal: RunningPortal) -> None:
    result = runner.invoke(app, ["plans", "search", "--portal", mock_portal.url, "--occupation", "宇航员"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "--occupation" in lines[0] and "宇航员" in lines[0] and "碳排放管理员" in lines[0]


def test_an_unreachable_portal_is_one_line_not_a_traceback() -> None:
    import socket

    with socket.socket() as sock:  # a loopback port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = runner.invoke(app, ["plans", "search", "--portal", f"http://127.0.0.1:{port}"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert f"cannot reach http://127.0.0.1:{port} (ERR_CONNECTION_REFUSED)" in lines[0]


def test_the_plan_code_is_whole_at_80_columns(
    mock_portal: RunningPortal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = runner.invoke(app, ["plans", "search", "--portal", mock_portal.url, "--occupation", "碳排放"])
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    doc = search(mock_portal, "--occupation", "碳排放")
    for plan in doc["plans"]:
        assert plan["plan_code"] in result.output


def test_init_writes_a_cohort_for_the_plan(mock_portal: RunningPortal, tmp_path: Path) -> None:
    from portal_bot.profiles.loader import read_cohort_file

    target = tmp_path / "2024-04 碳排放"
    args = ["init", str(target), "--portal", mock_portal.url, "--plan", "2024-S-000911"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "profiles import" in result.output
    _, plan, defaults = read_cohort_file(target / "cohort.yaml")
    assert plan.plan_code == "2024-S-000911"
    assert plan.organization == "浙江省生态与环境修复技术协会"
    assert defaults["category"] == "院校学生" and defaults["employer"] is None
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "already exists" in again.output and "--force" in again.output
    assert runner.invoke(app, [*args, "--force", "--category", "社会人员"]).exit_code == 0
    assert read_cohort_file(target / "cohort.yaml")[2]["category"] == "社会人员"


def test_init_without_a_unique_plan_lists_the_choices(mock_portal: RunningPortal, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["init", str(tmp_path / "c"), "--portal", mock_portal.url, "--occupation", "碳排放管理员"]
    )
    assert result.exit_code == 1
    assert "plans match" in result.output and "--plan CODE" in result.output
    assert not (tmp_path / "c").exists()


def test_a_roster_imports_into_the_folder_init_made(mock_portal: RunningPortal, tmp_path: Path) -> None:
    """README's order: plans search → init → profiles import into the same folder, without --force."""
    target = tmp_path / "cohort"
    args = ["init", str(target), "--portal", mock_portal.url, "--plan", "2024-S-000911"]
    assert runner.invoke(app, args).exit_code == 0
    sample = Path(__file__).resolve().parents[3] / "profiles" / "sample-cohort"
    roster = tmp_path / "名单.csv"
    photo = (sample / "photos" / "wang-xiaoming.jpg").as_posix()
    material = (sample / "materials" / "wang-xiaoming-id-front.jpg").as_posix()
    roster.write_text(
        "姓名,身份证件号码,手机号码,通讯地址,照片,其他材料,文化程度\n"
        f"王小明,330106200403150318,13805710001,浙江省杭州市,{photo},{material},大专\n",
        encoding="utf-8",
    )
    cohort_yaml = str(target / "cohort.yaml")
    result = runner.invoke(
        app, ["profiles", "import", str(roster), "--cohort", cohort_yaml, "--out", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.iterdir()) == ["001-0318.yaml", "cohort.yaml"]
    again = runner.invoke(
        app, ["profiles", "import", str(roster), "--cohort", cohort_yaml, "--out", str(target)]
    )
    assert again.exit_code == 1 and "already has files" in again.output
