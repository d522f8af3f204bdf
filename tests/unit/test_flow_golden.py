"""Golden parse errors, numbered like Maestro's: fixtures/flows/errors/NNN_name.yaml + .expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal_bot.flows.lint import check_flow

ERRORS = Path(__file__).resolve().parents[2] / "fixtures" / "flows" / "errors"
CASES = sorted(ERRORS.glob("*.yaml"))


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 20
    assert all(p.with_suffix(".expected").exists() for p in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_golden(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ERRORS)
    expected = case.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    assert [str(p) for p in check_flow(Path(case.name))] == expected
