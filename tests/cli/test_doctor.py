import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from portal_bot.cli import app

runner = CliRunner()


@pytest.mark.browser
def test_doctor_passes_on_a_ready_machine() -> None:
    # In its own process, as a user runs it: pytest-playwright's session-wide sync Playwright (used by
    # the browser tests) would make a second sync Playwright in this process refuse to start.
    result = subprocess.run(
        [sys.executable, "-m", "portal_bot", "doctor"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "chinese text" in result.stdout


def test_doctor_fails_with_a_fix_for_an_unwritable_state_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PORTAL_BOT_STATE_DIR", str(blocker / "state"))
    monkeypatch.setenv("PORTAL_BOT_CHROMIUM", str(tmp_path / "no-such-chromium"))
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "FAIL" in result.output
    assert "PORTAL_BOT_STATE_DIR" in result.output
    assert "PORTAL_BOT_CHROMIUM" in result.output
