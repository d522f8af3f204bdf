"""``portal-bot flows check`` through the CLI, as a QA engineer runs it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from portal_bot.cli import app

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "flows"
runner = CliRunner()


def test_clean_flows_exit_0() -> None:
    result = runner.invoke(app, ["flows", "check", *map(str, sorted((FIXTURES / "ok").glob("*.yaml")))])
    assert result.exit_code == 0, result.output
    assert "3 flow(s) OK" in result.output


def test_problems_one_line_each_exit_1() -> None:
    bad = [FIXTURES / "errors" / "001_unknown_step.yaml", FIXTURES / "errors" / "011_unreachable.yaml"]
    result = runner.invoke(app, ["flows", "check", *map(str, bad)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].endswith("001_unknown_step.yaml:4: unknown step 'clik' (did you mean click?)")
    assert lines[1].endswith("011_unreachable.yaml:4: unreachable: after the unconditional stop at line 3")
    assert "Traceback" not in result.output


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["flows", "check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "cannot read flow file" in result.stdout


def test_a_folder_means_its_yaml_files() -> None:
    result = runner.invoke(app, ["flows", "check", str(FIXTURES / "ok")])
    assert result.exit_code == 0, result.output
    assert "3 flow(s) OK" in result.output
