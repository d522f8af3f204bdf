"""The checked-in recording of the mock portal (fixtures/recordings/mock-v0, `make recording`):
readable, small, covering the wizard, and free of the sample cohort's personal data."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from portal_bot.recording.model import load_recording
from portal_bot.recording.wizard import STEPS

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "fixtures" / "recordings" / "mock-v0"


def test_the_mock_recording_loads_and_shows_every_wizard_step() -> None:
    recording = load_recording(FIXTURE)
    assert recording.made_by == "fixture"
    assert {p.wizard_step for p in recording.pages} >= set(STEPS)
    assert all(recording.screenshot(FIXTURE, p).is_file() for p in recording.pages)
    files = [p for p in FIXTURE.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 1_500_000


def test_the_mock_recording_holds_no_personal_data_of_the_sample_cohort() -> None:
    people = [
        yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted((REPO / "profiles" / "sample-cohort").glob("0*.yaml"))
    ]
    needles = {
        str(v)
        for person in people
        for v in (
            person["name"],
            person["id_number"],
            person["address"],
            re.sub(r"\D", "", str(person["phone"])),
        )
    }
    found = [
        f"{needle} in {path.name}"
        for path in FIXTURE.rglob("*")
        if path.is_file()
        for needle in needles
        if needle.encode() in path.read_bytes()
    ]
    assert not found
