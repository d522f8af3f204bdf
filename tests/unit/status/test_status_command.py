"""``portal-bot status`` against the mock portal: every state, reasons, changes, notifications,
expired and missing logins, read errors, exit codes, the overlap lock and the politeness limiter."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bench._status_cohort import PASSWORD, PLAN_CODE, Member, enrol, write_cohort
from typer.testing import CliRunner

from portal_bot.cli import app
from portal_bot.cohortrun.identity import cohort_key
from portal_bot.cohortrun.politeness import Politeness
from portal_bot.ledger import Ledger
from portal_bot.mock_portal.pytest_plugin import rename_seed_from_env
from portal_bot.mock_portal.server import RunningPortal, serve_in_thread
from portal_bot.profiles import load_cohort
from portal_bot.settings import Settings
from portal_bot.status.lock import status_lock
from portal_bot.status.run import run_status
from tests.unit.status.conftest import HttpReceiver

pytestmark = pytest.mark.browser
runner = CliRunner()

#: The portal's text for each member's application, and the state and action portal-bot must report.
SITE_STATES = [
    ("未提交", "", "draft", "finish_registration"),
    ("待审核", "", "pending_review", "nothing"),
    ("驳回修改", "照片不合格，请上传白底证件照", "returned", "fix_and_resubmit"),
    ("审核不通过", "不符合申报条件", "rejected", "read_rejection"),
    ("审核通过", "", "approved", "pay"),
    ("待缴费", "", "to_pay", "pay"),
    ("已缴费", "", "paid", "nothing"),
    ("已生成准考证", "", "ticket_issued", "nothing"),
]


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def status(cohort: Path, portal: RunningPortal, *args: str) -> Any:
    return runner.invoke(app, ["status", str(cohort), "--portal", portal.url, *args])


def status_json(cohort: Path, portal: RunningPortal, *args: str) -> tuple[int, dict[str, Any]]:
    result = status(cohort, portal, "--json", *args)
    assert result.exit_code in (0, 1, 3), result.output
    return result.exit_code, json.loads(result.stdout)


def by_key(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["key"]: c for g in doc["groups"] for c in g["candidates"]}


def make(tmp_path: Path, portal: RunningPortal, count: int, **kw: Any) -> tuple[Path, list[Member]]:
    folder = tmp_path / "2026春"
    members = write_cohort(folder, count)
    return folder, enrol(Settings(), portal, members, **kw)


@pytest.fixture(scope="module")
def renamed_portal() -> Iterator[RunningPortal]:
    """The renaming variant (every id, class and name renamed; seed PORTAL_BOT_MOCK_RENAME_SEED, else 1)."""
    with serve_in_thread(rename_seed=rename_seed_from_env() or 1) as running:
        yield running


@pytest.fixture(params=["plain", "renamed", "by_script"])
def site(request: pytest.FixtureRequest) -> RunningPortal:
    """The session's mock portal, the renaming variant, and the list drawn by a script (as a
    single-page site would: nothing of it in the HTML): status reads all three the same way."""
    portal: RunningPortal = request.getfixturevalue(
        "renamed_portal" if request.param == "renamed" else "mock_portal"
    )
    portal.qa.reset()
    if request.param == "by_script":
        portal.qa.configure(lists_by_script=True)
    return portal


def test_every_site_state_is_read_with_its_reason_and_action(tmp_path: Path, site: RunningPortal) -> None:
    folder, members = make(tmp_path, site, len(SITE_STATES))
    for m, (text, reason, _, _) in zip(members, SITE_STATES, strict=True):
        if text != "未提交":
            assert m.app_id is not None
            site.qa.set_state(m.app_id, text, reason)
    code, doc = status_json(folder, site)
    seen = by_key(doc)
    for m, (text, reason, state, action) in zip(members, SITE_STATES, strict=True):
        row = seen[m.key]
        assert (row["state"], row["state_text"], row["action"]) == (state, text, action), m.key
        assert row["reason"] == (reason or None)
        assert row["plan_code"] == PLAN_CODE
    assert code == 3 == doc["exit_code"]
    assert doc["summary"]["pay"] == 2 and doc["summary"]["nothing"] == 3
    assert [g["action"] for g in doc["groups"]][:2] == ["fix_and_resubmit", "pay"]
    assert {c["kind"] for c in doc["changes"]} == {"new"}
    # every observation is in the ledger
    with Ledger.open(Settings().ledger_path) as ledger:
        rows = ledger.candidates(cohort_key(load_cohort(folder), ledger))
        assert len(rows) == len(SITE_STATES)
        assert all(len(ledger.observations(r.id)) == 1 for r in rows)
    # reports written, paths printed at the end
    for suffix in ("html", "xlsx"):
        path = Settings().state_dir / "reports" / f"status-2026春.{suffix}"
        assert path.is_file() and str(path) in doc["reports"]


def test_nothing_to_do_is_exit_0_and_the_table_groups_by_action(
    tmp_path: Path, mock_portal: RunningPortal
) -> None:
    folder, members = make(tmp_path, mock_portal, 2)
    for m in members:
        assert m.app_id is not None
        mock_portal.qa.set_state(m.app_id, "待审核")
    result = status(folder, mock_portal)
    assert result.exit_code == 0, result.output
    assert "nothing to do" in result.output and "王测试一" in result.output  # English (one language now)
    assert "report:" in result.output


def test_changes_since_the_last_run_are_notified(
    tmp_path: Path, mock_portal: RunningPortal, http_receiver: HttpReceiver
) -> None:
    folder, members = make(tmp_path, mock_portal, 3)
    a, b, c = (m.app_id for m in members)
    assert a is not None and b is not None and c is not None
    for app_id in (a, b, c):
        mock_portal.qa.set_state(app_id, "待审核")
    hook = f"webhook:{http_receiver.url}/hook"
    code, _ = status_json(folder, mock_portal, "--notify", hook)
    assert code == 0
    assert len(http_receiver.requests) == 1  # first run: three new candidates
    code, doc = status_json(folder, mock_portal, "--notify", hook)
    assert doc["changes"] == [] and len(http_receiver.requests) == 1  # nothing changed: nothing sent
    mock_portal.qa.set_state(a, "驳回修改", "照片不合格")
    mock_portal.qa.set_state(b, "待缴费")
    code, doc = status_json(folder, mock_portal, "--notify", hook)
    assert code == 3
    texts = [ch["text"] for ch in doc["changes"]]
    assert texts == ["王测试一: 待审核 → 驳回修改（原因: 照片不合格）", "李测试二: 待审核 → 待缴费"]
    assert doc["notifications"] == [{"notifier": "webhook (127.0.0.1)", "ok": True, "error": None}]
    body = http_receiver.requests[-1].json
    assert body["event"] == "portal-bot.status" and body["exit_code"] == 3
    assert [ch["text"] for ch in body["changes"]] == texts
    # a second 驳回 with a new reason is a change of reason
    mock_portal.qa.set_state(a, "驳回修改", "学历证明不清晰")
    _, doc = status_json(folder, mock_portal)
    assert [(ch["kind"], ch["key"]) for ch in doc["changes"]] == [("reason", "001")]


def test_expired_and_missing_logins_need_login_and_the_run_goes_on(
    tmp_path: Path, mock_portal: RunningPortal
) -> None:
    folder, members = make(tmp_path, mock_portal, 3)
    for m in members:
        assert m.app_id is not None
        mock_portal.qa.set_state(m.app_id, "已缴费")
    assert mock_portal.qa.expire_sessions(members[0].username) == 1
    with Ledger.open(Settings().ledger_path) as ledger:
        from portal_bot.cohortrun.sessions import session_file

        session_file(Settings(), ledger, mock_portal.url, members[2].id_number).unlink()
    code, doc = status_json(folder, mock_portal)
    seen = by_key(doc)
    assert seen["001"]["state"] == "needs_login" and "expired" in seen["001"]["note"]
    assert seen["001"]["action"] == "log_in_again"
    assert seen["002"]["state"] == "paid"
    assert seen["003"]["state"] == "needs_login" and "no saved login" in seen["003"]["note"]
    assert code == 3
    # reported once, not on every run while it stays expired
    _, doc = status_json(folder, mock_portal)
    assert doc["changes"] == []


def test_an_application_for_another_plan_is_not_submitted_for_this_one(
    tmp_path: Path, mock_portal: RunningPortal
) -> None:
    folder, _ = make(tmp_path, mock_portal, 1, apply=False)
    _, doc = status_json(folder, mock_portal)
    assert by_key(doc)["001"]["state"] == "not_submitted"


def test_read_errors_are_exit_1_and_never_a_change(tmp_path: Path, mock_portal: RunningPortal) -> None:
    folder, members = make(tmp_path, mock_portal, 2)
    for m in members:
        assert m.app_id is not None
        mock_portal.qa.set_state(m.app_id, "待审核")
    assert status_json(folder, mock_portal)[0] == 0
    mock_portal.qa.set_faults(error_rate=1.0, seed=1)
    code, doc = status_json(folder, mock_portal)
    assert code == 1
    assert {c["state"] for c in by_key(doc).values()} == {"error"}
    assert all("503" in c["note"] for c in by_key(doc).values())
    assert doc["changes"] == []
    mock_portal.qa.clear_faults()
    code, doc = status_json(folder, mock_portal)
    assert code == 0 and doc["changes"] == []  # 待审核 → error → 待审核 is no change


def test_a_broken_candidate_file_is_a_run_error_not_a_crash(
    tmp_path: Path, mock_portal: RunningPortal
) -> None:
    folder, members = make(tmp_path, mock_portal, 1)
    assert members[0].app_id is not None
    mock_portal.qa.set_state(members[0].app_id, "待审核")
    (folder / "002.yaml").write_text("name: 坏文件\nid_number: '330106200001011234'\n", encoding="utf-8")
    code, doc = status_json(folder, mock_portal)
    assert code == 1
    assert len(doc["errors"]) == 1 and doc["errors"][0].startswith("002.yaml: ")
    assert "330106200001011234" not in json.dumps(doc, ensure_ascii=False)
    assert by_key(doc)["001"]["state"] == "pending_review"


def test_a_second_run_meanwhile_stops_at_once(tmp_path: Path, mock_portal: RunningPortal) -> None:
    folder, _ = make(tmp_path, mock_portal, 1)
    with status_lock(Settings().ensure_state_dir()):
        result = status(folder, mock_portal)
    assert result.exit_code == 1
    assert "another status run is in progress" in result.output
    with Ledger.open(Settings().ledger_path) as ledger:
        assert all(
            not ledger.observations(r.id) for r in ledger.candidates(cohort_key(load_cohort(folder), ledger))
        )


def test_every_floor_is_checked_before_the_real_portal_is_contacted(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    write_cohort(folder, 1)
    result = runner.invoke(
        app, ["status", str(folder), "--portal", "https://zynl.rlsbt.zj.gov.cn", "--every", "5m"]
    )
    assert result.exit_code == 1
    assert "--every" in result.output and "15" in result.output


def _list_loads(portal: RunningPortal, since: float) -> list[float]:
    log = portal.portal.page_log
    return sorted(t for t, _method, path in log if t >= since and path == "/user/applications")


@pytest.mark.parametrize("by_script", [False, True], ids=["fetched", "pages"])
def test_page_loads_are_spaced_by_the_politeness_limiter(
    tmp_path: Path, mock_portal: RunningPortal, by_script: bool
) -> None:
    folder, _ = make(tmp_path, mock_portal, 3)
    mock_portal.qa.configure(lists_by_script=by_script)
    start = time.monotonic()
    result = run_status(
        Settings(),
        folder,
        portal_url=mock_portal.url,
        concurrency=4,
        politeness=Politeness(max_concurrency=2, min_interval=0.3),
    )
    assert {o.state.value for o in result.current} == {"draft"}
    # Every load of the list, as the portal saw them arrive, at least 0.3 s apart whatever the
    # concurrency asked for: lists fetched without a page, and (a list drawn by a script) the
    # fetch that found none followed by pages. Whether the limiter had to *wait* depends on how slow
    # the machine is; tests/unit/cohortrun/test_politeness.py proves the wait.
    loads = _list_loads(mock_portal, start)
    # drawn by a script: 3 pages after one fetch per worker that was under way before the first
    # found no list (2 workers)
    assert len(loads) in ((4, 5) if by_script else (3,))
    # Spaced at the client; each request's way to the portal takes its own time (0.1 s allowed)
    assert loads[-1] - loads[0] >= 0.3 * (len(loads) - 1) - 0.1


def test_lists_are_read_without_a_page_unless_a_script_draws_them(
    tmp_path: Path, mock_portal: RunningPortal
) -> None:
    folder, _ = make(tmp_path, mock_portal, 3)

    def run(by_script: bool) -> tuple[list[str], list[str]]:
        mock_portal.qa.configure(lists_by_script=by_script)
        start = time.monotonic()
        result = run_status(Settings(), folder, portal_url=mock_portal.url, concurrency=2)
        seen = [path for t, _method, path in mock_portal.portal.page_log if t >= start]
        return [o.state_text for o in result.current], seen

    fetched, seen = run(False)
    # A page would fetch the portal's script; a list fetched and read in the sandbox never does.
    assert seen.count("/user/applications") == 3 and "/static/portal.js" not in seen
    drawn, seen = run(True)
    assert drawn == fetched == ["未提交"] * 3
    # The first fetch finds no list (the script that draws it never runs in the sandbox), and so may
    # the other worker's, under way meanwhile; from then on every candidate is read in a page.
    assert seen.count("/user/applications") in (4, 5) and seen.count("/static/portal.js") == 3


def test_the_plan_is_resolved_by_search_when_the_cohort_names_no_code(
    tmp_path: Path, mock_portal: RunningPortal
) -> None:
    exam = next(p["exam"] for p in mock_portal.qa.plans() if p["plan_no"] == PLAN_CODE)
    folder = tmp_path / "by-search"
    plan = f"plan:\n  organization: 浙江省生态与环境修复技术协会\n  level: 中级工\n  exam_date: {exam[:10]}\n"
    members = enrol(Settings(), mock_portal, write_cohort(folder, 1, plan_yaml=plan))
    assert members[0].app_id is not None
    mock_portal.qa.set_state(members[0].app_id, "审核通过")
    code, doc = status_json(folder, mock_portal)
    assert doc["plan_code"] == PLAN_CODE and by_key(doc)["001"]["state"] == "approved" and code == 3
    ambiguous = tmp_path / "ambiguous"
    write_cohort(
        ambiguous, 1, plan_yaml="plan:\n  organization: 浙江省生态与环境修复技术协会\n  level: 中级工\n"
    )
    result = status(ambiguous, mock_portal)
    assert result.exit_code == 1
    assert "plan:" in result.output and "2024-S-000911" in result.output and "2024-S-000937" in result.output
    assert "Traceback" not in result.output


def test_interactive_logs_in_again_and_reads(
    tmp_path: Path, mock_portal: RunningPortal, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, members = make(tmp_path, mock_portal, 2)
    first = members[0]
    assert first.app_id is not None
    mock_portal.qa.set_state(first.app_id, "待缴费")
    # the first candidate logs in with a password from the environment (no person needed here)
    profile = folder / f"{first.key}.yaml"
    profile.write_text(
        profile.read_text(encoding="utf-8")
        + f"account: {{method: password, username: {first.username}, password_env: PB_TEST_PASSWORD}}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PB_TEST_PASSWORD", PASSWORD)
    assert mock_portal.qa.expire_sessions(first.username) == 1
    code, doc = status_json(folder, mock_portal, "--interactive")
    seen = by_key(doc)
    assert seen[first.key]["state"] == "to_pay", seen[first.key]
    assert seen[members[1].key]["state"] != "needs_login"  # its saved login still works
    assert code == 3  # a fee to pay
    # the new session was saved: a plain run reads it without logging in
    code, doc = status_json(folder, mock_portal)
    assert by_key(doc)[first.key]["state"] == "to_pay"
