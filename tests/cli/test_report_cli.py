"""``portal-bot report``: with no runs, it says where `make demo` keeps its own."""

from typer.testing import CliRunner

from portal_bot.cli import app

runner = CliRunner()


def test_report_latest_without_runs_points_at_the_demos_state() -> None:
    result = runner.invoke(app, ["report", "latest"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "no registration runs in" in result.output
    assert "PORTAL_BOT_STATE_DIR=.state/demo portal-bot report latest" in result.output
