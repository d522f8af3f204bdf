from pathlib import Path

import pytest
from typer.testing import CliRunner

from portal_bot.cli import app

runner = CliRunner()


@pytest.mark.browser
def test_doctor_passes_on_a_ready_machine() -> None:
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "chinese text" in result.output


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
