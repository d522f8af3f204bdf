"""`survey --out` and `register --record` refuse a folder that holds files: one line, no browser."""

import shutil
from pathlib import Path

from typer.testing import CliRunner

from portal_bot.cli import app
from tests.e2e.conftest import SAMPLE

runner = CliRunner()


def _old_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "录制"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    return folder


def test_survey_refuses_a_folder_with_files(tmp_path: Path) -> None:
    folder = _old_folder(tmp_path)
    result = runner.invoke(app, ["survey", "--portal", "http://127.0.0.1:9", "--out", str(folder)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"{folder} already exists and is not an empty folder" in result.output
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_register_record_refuses_a_folder_with_files(tmp_path: Path) -> None:
    folder = _old_folder(tmp_path)
    cohort = tmp_path / "cohort"  # a copy: a run writes the cohort's id file beside cohort.yaml
    shutil.copytree(SAMPLE, cohort, ignore=shutil.ignore_patterns("prepared", ".portal-bot-id"))
    args = ["register", str(cohort), "--portal", "http://127.0.0.1:9", "--confirm", "auto"]
    result = runner.invoke(app, [*args, "--record", str(folder)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "already exists and is not an empty folder" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
