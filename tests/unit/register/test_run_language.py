"""What a register run says in Chinese or English about its own troubles (issue 16): a password
the profile names but the environment lacks, and a ledger that cannot record the run's end.
Run through ``register_cohort`` (what ``portal-bot register`` calls), like test_run_layer.py."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from portal_bot.errors import StateError
from portal_bot.i18n import Language, set_language
from portal_bot.ledger import Ledger
from portal_bot.register.outcome import Outcome
from portal_bot.register.run import register_cohort
from portal_bot.register.walk import Job, Walker
from portal_bot.settings import Settings
from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SAMPLE = REPO_ROOT / "profiles" / "sample-cohort"
NOWHERE = "http://127.0.0.1:9"  # never contacted: the plan code is known, the walks stop before the site


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("cohorts") / "sample"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("prepared", ".portal-bot-id"))
    return target


@pytest.fixture(autouse=True)
def _back_to_english() -> Iterator[None]:
    yield
    set_language("en")


def _register(cohort: Path, language: Language, only: str) -> tuple[Any, str]:
    set_language(language)
    out = io.StringIO()
    result = register_cohort(
        Settings(),
        cohort,
        portal_url=NOWHERE,
        confirm="auto",
        concurrency=1,
        only=(only,),
        console=Console(file=out, width=200, color_system=None),
    )
    return result, out.getvalue()


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("zh", "台账未能记下本次运行的结束：database is locked"),
        ("en", "the ledger could not record the run's end: database is locked"),
    ],
)
def test_a_ledger_that_cannot_record_the_runs_end_is_said_and_the_report_is_written(
    prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: Language, said: str
) -> None:
    cohort = tmp_path / "cohort"
    shutil.copytree(prepared, cohort)

    async def walk(self: Walker, job: Job, *args: Any) -> None:
        job.outcome.outcome = Outcome.ALREADY_SUBMITTED

    def locked(self: Ledger, run_id: int, state: str) -> None:  # another process holds the ledger
        raise StateError("database is locked")

    monkeypatch.setattr(Walker, "_walk", walk)
    monkeypatch.setattr(Ledger, "finish_run", locked)
    result, shown = _register(cohort, language, "001-0318")
    assert said in shown
    assert result.report_html.is_file()  # the report is written whatever the ledger says


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("zh", "account.password_env 指定的 PORTAL_BOT_PASSWORD_ZHAOJING 未设置"),
        ("en", "account.password_env names PORTAL_BOT_PASSWORD_ZHAOJING, which is not set"),
    ],
)
def test_a_password_variable_that_is_not_set_is_the_candidates_data_error(
    prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: Language, said: str
) -> None:
    cohort = tmp_path / "cohort"
    shutil.copytree(prepared, cohort)
    monkeypatch.delenv("PORTAL_BOT_PASSWORD_ZHAOJING", raising=False)
    result, _shown = _register(cohort, language, "004-0049")  # the sample's password-login candidate
    (outcome,) = result.outcomes
    assert outcome.outcome is Outcome.DATA_ERROR
    assert outcome.message.startswith("004-0049.yaml") and said in outcome.message
    assert said in result.report_html.read_text(encoding="utf-8")
