"""`portal-bot register` end to end: the CLI in a real process, a real browser, the mock portal.

What a coordinator must be able to trust: every candidate ends with exactly one application holding
the profile's values, a rerun (even after kill -9 at any point) never makes a second one, a value
the site refuses is a data error with the site's message, and the portal's faults are ridden out.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from portal_bot.mock_portal.server import RunningPortal, serve_in_thread
from portal_bot.profiles import validate_cohort
from tests.e2e.conftest import ALSO_RENAMED, REPO, TOKEN, portal_bot, register

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _by_name(portal: RunningPortal) -> dict[str, list[dict[str, object]]]:
    """Applications on the mock portal, by the account holder's name."""
    names = {a["username"]: a["name"] for a in portal.qa.get("/accounts").json()}
    apps: dict[str, list[dict[str, object]]] = {}
    for app in portal.qa.applications():
        apps.setdefault(names[app["account"]], []).append(app)
    return apps


@ALSO_RENAMED
def test_sample_cohort_registers_each_candidate_exactly_once(
    fresh_portal: RunningPortal, cohort: Path
) -> None:
    first = register(cohort, fresh_portal)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "5 submitted" in first.stdout
    candidates = {r.name: r.candidate for r in validate_cohort(cohort)}
    apps = _by_name(fresh_portal)
    assert sorted(apps) == sorted(candidates)
    for name, found in apps.items():
        assert len(found) == 1, name
        app = found[0]
        profile = candidates[name]
        assert profile is not None
        values = app["values"]
        assert isinstance(values, dict)
        assert app["state"] == "待审核"
        assert app["plan_no"] == "2024-S-000911"
        assert values["phone"] == profile.phone
        assert values["address"] == profile.address
        assert values["category"] == profile.category
        assert values["eligibility"] == profile.eligibility
        assert (values["promotion"] is None) == (profile.promotion is None)
        assert app["photo"] and app["pdfs"]["materials"]["pages"] >= 1  # type: ignore[index]
    # no ID or phone number in clear on the terminal
    for profile in candidates.values():
        assert profile is not None
        assert profile.id_number not in first.stdout and profile.phone not in first.stdout

    sessions = list((Path(os.environ["PORTAL_BOT_STATE_DIR"]) / "sessions").rglob("*.json"))
    assert len(sessions) == 5
    if os.name == "posix":
        assert {f.stat().st_mode & 0o777 for f in sessions} == {0o600}

    again = register(cohort, fresh_portal)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "5 already submitted" in again.stdout
    assert all(len(found) == 1 for found in _by_name(fresh_portal).values())

    report = portal_bot("report", "latest")
    assert report.returncode == 0, report.stderr
    html = Path(report.stdout.split("report:")[1].split()[0])
    text = html.read_text(encoding="utf-8")
    assert "already submitted" in text and "王小明" in text


@pytest.mark.parametrize("point", ["logged-in", "preview", "submitted-before-ledger"])
def test_kill_9_at_any_point_then_rerun_gives_one_application(
    fresh_portal: RunningPortal, cohort: Path, point: str
) -> None:
    crashed = register(cohort, fresh_portal, "--only", "赵静", env={"PORTAL_BOT_CRASH_AT": point})
    assert crashed.returncode != 0
    states = [a["state"] for a in _by_name(fresh_portal).get("赵静", [])]
    assert states == (
        ["待审核"] if point == "submitted-before-ledger" else ["未提交"] if point == "preview" else []
    )
    rerun = register(cohort, fresh_portal, "--only", "赵静")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    apps = _by_name(fresh_portal)["赵静"]
    assert [a["state"] for a in apps] == ["待审核"]
    expected = "already submitted" if point == "submitted-before-ledger" else "submitted"
    assert expected in rerun.stdout


def test_other_variant_with_latency_5xx_and_an_expired_session(cohort: Path) -> None:
    with serve_in_thread(qa_token=TOKEN, variant=1) as portal:
        portal.qa.set_faults(latency_ms=40, error_rate=0.05, seed=11)
        stop = threading.Event()

        def expire_once() -> None:
            if not stop.wait(12):
                portal.qa.expire_sessions()

        expirer = threading.Thread(target=expire_once, daemon=True)
        expirer.start()
        try:
            done = register(cohort, portal, "--only", "王小明", "--only", "孙浩然", "--attempts", "8")
        finally:
            stop.set()
            expirer.join()
        portal.qa.clear_faults()
        assert done.returncode == 0, done.stdout + done.stderr
        apps = _by_name(portal)
        assert sorted(apps) == ["孙浩然", "王小明"]
        assert all(len(found) == 1 and found[0]["state"] == "待审核" for found in apps.values())
        assert apps["孙浩然"][0]["values"]["promotion"] is not None  # the 原证书 section on variant 1


@ALSO_RENAMED
def test_a_value_the_site_refuses_is_a_data_error_with_its_message(
    fresh_portal: RunningPortal, cohort: Path, tmp_path: Path
) -> None:
    flows = tmp_path / "flows"
    shutil.copytree(REPO / "flows", flows)
    field_map = flows / "fields" / "registration.yaml"
    text = field_map.read_text(encoding="utf-8")
    assert '{label: 手机号码, value: "${candidate.phone}"}' in text
    field_map.write_text(
        text.replace('{label: 手机号码, value: "${candidate.phone}"}', "{label: 手机号码, value: '12345'}"),
        encoding="utf-8",
    )
    started = time.monotonic()
    done = register(cohort, fresh_portal, "--only", "陈雨桐", "--flows", str(flows))
    assert done.returncode == 1
    assert "data error" in done.stdout
    assert "手机号码格式不正确" in done.stdout
    assert time.monotonic() - started < 300  # not retried three times with backoff
    assert [a["state"] for a in _by_name(fresh_portal)["陈雨桐"]] == ["未提交"]


def test_auto_confirm_is_refused_for_a_real_portal(cohort: Path) -> None:
    done = portal_bot(
        "register", str(cohort), "--portal", "https://zynl.rlsbt.zj.gov.cn", "--confirm", "auto"
    )
    assert done.returncode == 1
    assert "--confirm auto" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("by_script", [False, True], ids=["fetched", "drawn-by-script"])
def test_the_application_list_is_read_without_loading_it_in_the_candidates_page(
    fresh_portal: RunningPortal, cohort: Path, by_script: bool
) -> None:
    """The list checks (after login, before 提交) fetch the list and read it in the sandbox, so the
    candidate's page never loads it (issue 14); a list the site draws by scripts is read in pages."""
    for extra in sorted(cohort.glob("[0-9]*.yaml"))[2:]:
        extra.unlink()
    fresh_portal.qa.configure(lists_by_script=by_script)
    try:
        start = time.monotonic()
        first = register(cohort, fresh_portal, "--concurrency", "1")
        assert first.returncode == 0, first.stdout + first.stderr
        assert "2 submitted" in first.stdout
        log = [(method, path) for t, method, path in fresh_portal.portal.page_log if t >= start]
        seen = [path for _method, path in log]
        opened = [path for t, path in fresh_portal.portal.navigations if t >= start]
        # Two checks per candidate, after the login and just before 提交. Drawn by a script, the
        # first fetch finds no list, and that check and every later one open the list in a page.
        assert seen.count("/user/applications") == (5 if by_script else 4), seen
        assert opened.count("/user/applications") == (4 if by_script else 0), opened
        # 个人基本信息's 技能评价报名 lands on the plan list, then the search: open-plan adds no third load
        assert opened.count("/pj/plans") == 4, opened
        # each check is answered before the step it guards: the list, 马上报名, the list, 提交
        steps = [
            "list" if path == "/user/applications" else "apply" if path.endswith("/apply") else "submit"
            for method, path in log
            if path == "/user/applications"
            or path.endswith("/apply")
            or (method, path[-6:]) == ("POST", "/step4")
        ]
        first_check = (
            ["list", "list"] if by_script else ["list"]
        )  # the fetch that found no list, then the page
        assert steps == [*first_check, "apply", "list", "submit", "list", "apply", "list", "submit"], steps
        again = register(cohort, fresh_portal, "--concurrency", "1")
        assert again.returncode == 0, again.stdout + again.stderr
        assert "2 already submitted" in again.stdout
    finally:
        fresh_portal.qa.configure(lists_by_script=False)
