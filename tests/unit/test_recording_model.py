"""The recording format: round trip, and one clear line for a folder that is not a recording."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from portal_bot.errors import ConfigError
from portal_bot.recording.model import RecordedPage, Recording, load_recording, save_recording


def test_round_trip(tmp_path: Path) -> None:
    page = RecordedPage(
        n=1,
        name="001-plan",
        path="/plan/2024-S-000911",
        title="计划",
        reason="visited",
        steps=("flows/register.yaml:17",),
        offers={"buttons": ["马上报名"]},
    )
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "001-plan.html").write_text("<html></html>", encoding="utf-8")
    rec = Recording(made_by="register", site="http://127.0.0.1:1", created=datetime.now(UTC), pages=(page,))
    save_recording(tmp_path, rec)
    assert load_recording(tmp_path) == rec


def test_not_a_recording(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not a recording"):
        load_recording(tmp_path)


def test_missing_page_file_named(tmp_path: Path) -> None:
    page = RecordedPage(n=1, name="001-x", path="/", reason="survey")
    save_recording(
        tmp_path, Recording(made_by="survey", site="http://h", created=datetime.now(UTC), pages=(page,))
    )
    with pytest.raises(ConfigError, match="page 1 has no pages/001-x.html"):
        load_recording(tmp_path)


def test_bad_json_field_named(tmp_path: Path) -> None:
    (tmp_path / "recording.json").write_text('{"made_by": "robot"}', encoding="utf-8")
    with pytest.raises(ConfigError, match="recording.json: made_by"):
        load_recording(tmp_path)
