"""status names the command for each next step: in the table, the JSON (``next_command``) and the report."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bench._status_cohort import enrol, write_cohort
from typer.testing import CliRunner

from portal_bot.cli import app
from portal_bot.cohortrun.states import State
from portal_bot.ledger import Ledger
from portal_bot.mock_portal.server import RunningPortal
from portal_bot.settings import Settings
from portal_bot.status.changes import Observation, next_command

runner = CliRunner()


def _obs(state: State, name: str = "张伟") -> Observation:
    return Observation("001", name, "2024-S-000911", state, "", None, datetime.now(UTC))


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (State.RETURNED, "portal-bot register 2026春 --only 张伟"),
        (State.DRAFT, "portal-bot register 2026春 --only 张伟"),
        (State.NOT_SUBMITTED, "portal-bot register 2026春 --only 张伟"),
        (State.NEEDS_LOGIN, "portal-bot status 2026春 --interactive"),
        (State.PENDING_REVIEW, None),
        (State.TO_PAY, None),  # paying happens on the site
        (State.ERROR, None),
    ],
)
def test_each_action_names_its_command(state: State, expected: str | None) -> None:
    assert next_command(_obs(state), "2026春") == expected


def test_a_folder_with_a_space_and_another_portal_are_typed_as_a_shell_needs() -> None:
    assert (
        next_command(_obs(State.RETURNED, "Li Hua"), "cohorts/spring 2026", portal="http://127.0.0.1:8001")
        == 'portal-bot register "cohorts/spring 2026" --only "Li Hua" --portal http://127.0.0.1:8001'
    )


@pytest.mark.browser
def test_status_shows_the_commands_in_the_table_json_and_report(
    tmp_path: Path, mock_portal: RunningPortal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # the commands are never wrapped, even at 80 columns
    folder = tmp_path / "2026春"
    members = enrol(Settings(), mock_portal, write_cohort(folder, 3))
    returned, waiting, gone = members
    assert returned.app_id is not None and waiting.app_id is not None and gone.app_id is not None
    mock_portal.qa.set_state(returned.app_id, "驳回修改", "照片不合格")
    mock_portal.qa.set_state(waiting.app_id, "待审核")
    with Ledger.open(Settings().ledger_path) as ledger:
        from portal_bot.cohortrun.sessions import session_file

        session_file(Settings(), ledger, mock_portal.url, gone.id_number).unlink()
    fix = f"portal-bot register {folder} --only {returned.name} --portal {mock_portal.url}"
    login = f"portal-bot status {folder} --interactive --portal {mock_portal.url}"

    shown = runner.invoke(app, ["status", str(folder), "--portal", mock_portal.url])
    assert shown.exit_code == 3, shown.output
    lines = shown.stdout.splitlines()
    assert any(line.strip().startswith(fix) for line in lines), shown.stdout
    assert any(line.strip().startswith(login) and gone.name in line for line in lines), shown.stdout

    as_json = runner.invoke(app, ["status", str(folder), "--portal", mock_portal.url, "--json"])
    doc = json.loads(as_json.stdout)
    commands = {c["name"]: c["next_command"] for g in doc["groups"] for c in g["candidates"]}
    assert commands == {returned.name: fix, waiting.name: None, gone.name: login}

    report = Settings().state_dir / "reports" / "status-2026春.html"
    page = report.read_text(encoding="utf-8")
    assert f"<code>{fix}</code>" in page and f"<code>{login}</code>" in page
