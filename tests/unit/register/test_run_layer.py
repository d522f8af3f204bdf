"""The run layer under `register` and `status` (issue 9): the browser they launch, a candidate whose
walk fails in a way nobody expected, and the plan both commands pick for one cohort."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import portal_bot.browser as browser_module
import portal_bot.portal.plans as plans_module
from portal_bot.browser import sync_playwright
from portal_bot.cohortrun.identity import cohort_key
from portal_bot.errors import BrowserUnavailableError
from portal_bot.ledger import Ledger
from portal_bot.portal.plans import PORTAL_TZ, PlanRow
from portal_bot.profiles import load_cohort
from portal_bot.register.outcome import Outcome
from portal_bot.register.run import register_cohort
from portal_bot.register.walk import Job, Walker
from portal_bot.settings import Settings
from portal_bot.status.run import run_status
from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SAMPLE = REPO_ROOT / "profiles" / "sample-cohort"
NOWHERE = "http://127.0.0.1:9"  # never contacted by these tests: the plan code is known, or faked


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample cohort, copied once per module (register prepares its documents on first use)."""
    target = tmp_path_factory.mktemp("cohorts") / "sample"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("prepared", ".portal-bot-id"))
    return target


def _copy(prepared: Path, tmp_path: Path, name: str = "cohort") -> Path:
    target = tmp_path / name
    shutil.copytree(prepared, target)
    return target


def _playwright_chromium_path() -> Path:
    with sync_playwright() as p:
        return Path(p.chromium.executable_path)


@pytest.mark.skipif(os.name != "posix", reason="the stand-in browser is a shell script")
def test_register_launches_playwrights_own_chromium_when_it_is_the_only_one(
    prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Playwright's own Chromium is the only browser on this "laptop": a stand-in where Playwright
    # keeps it (PLAYWRIGHT_BROWSERS_PATH), no system Chromium, no PORTAL_BOT_CHROMIUM.
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "ms-playwright"))
    monkeypatch.delenv("PORTAL_BOT_CHROMIUM", raising=False)
    own = ThreadPoolExecutor(1).submit(_playwright_chromium_path).result()  # no loop in that thread
    own.parent.mkdir(parents=True)
    own.write_text("#!/bin/sh\necho 'stand-in for Playwright Chromium' >&2\nexit 1\n", encoding="utf-8")
    own.chmod(0o755)
    which = shutil.which
    monkeypatch.setattr(browser_module, "_SYSTEM_CANDIDATES_POSIX", ())
    monkeypatch.setattr(
        browser_module.shutil,
        "which",
        lambda name, *a, **k: None if "chrom" in name else which(name, *a, **k),
    )
    cohort = _copy(prepared, tmp_path)
    with pytest.raises(BrowserUnavailableError) as caught:
        register_cohort(Settings(), cohort, portal_url=NOWHERE, confirm="auto", only=("001-0318",))
    # it tried to start exactly that executable (before the fix: "no Chromium found")
    assert "Playwright's Chromium" in caught.value.message and str(own) in caught.value.message
    assert "did not start" in caught.value.message


def test_an_unexpected_exception_in_a_walk_is_that_candidates_error_and_the_report_is_written(
    prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cohort = _copy(prepared, tmp_path)
    walked: list[str] = []

    async def walk(self: Walker, job: Job, *args: Any) -> None:
        walked.append(job.candidate.name)
        if len(walked) == 1:
            raise RuntimeError("a raw browser failure, not a PortalBotError")
        job.outcome.outcome = Outcome.ALREADY_SUBMITTED

    monkeypatch.setattr(Walker, "_walk", walk)
    result = register_cohort(
        Settings(), cohort, portal_url=NOWHERE, confirm="auto", concurrency=1, only=("001-0318", "002-0242")
    )
    first, second = sorted(result.outcomes, key=lambda o: walked.index(o.name))
    assert first.outcome is Outcome.ERROR and not result.ok
    assert first.message == "RuntimeError: a raw browser failure, not a PortalBotError"
    assert first.trace is not None and first.trace.exists()  # the evidence is kept
    assert second.outcome is Outcome.ALREADY_SUBMITTED  # the other candidate went on
    assert result.report_html.exists() and result.report_xlsx.exists()
    page = result.report_html.read_text(encoding="utf-8")
    assert "a raw browser failure" in page and first.name in page
    with Ledger.open(Settings().ledger_path) as ledger:
        row = ledger.candidates(cohort_key(load_cohort(cohort), ledger))
        assert {r.state for r in row} >= {"failed"}


def _plan(code: str, work_type: str) -> PlanRow:
    now = datetime.now(PORTAL_TZ)
    return PlanRow(
        plan_code=code,
        name=f"计划 {code}",
        organization="浙江省生态与环境修复技术协会",
        occupation="环境治理服务人员",
        level="中级工",
        start=now - timedelta(days=1),
        end=now + timedelta(days=10),
        exam_date=date.today() + timedelta(days=30),
        url=f"{NOWHERE}/plan/{code}",
        work_type=work_type,
    )


def test_status_and_register_pick_the_same_plan_for_the_same_cohort(
    prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cohort = _copy(prepared, tmp_path)
    (cohort / "cohort.yaml").write_text(
        (cohort / "cohort.yaml")
        .read_text(encoding="utf-8")
        .replace("  plan_code: 2024-S-000911\n", "  work_type: 土壤修复工\n"),
        encoding="utf-8",
    )
    rows = [_plan("2024-S-000001", "水环境监测员"), _plan("2024-S-000002", "土壤修复工")]
    searches: list[dict[str, Any]] = []

    async def search(page: Any, base_url: str, **keys: Any) -> list[PlanRow]:
        searches.append(keys)  # the site filters by 工种 when asked
        return [r for r in rows if not keys.get("work_type") or r.work_type == keys["work_type"]]

    monkeypatch.setattr(plans_module, "search_plans", search)
    chosen: list[str] = []

    async def candidate(self: Walker, job: Job) -> Any:
        chosen.append(str(self.plan["plan_code"]))
        job.outcome.outcome = Outcome.ALREADY_SUBMITTED
        return job.outcome

    monkeypatch.setattr(Walker, "candidate", candidate)
    register_cohort(Settings(), cohort, portal_url=NOWHERE, confirm="auto", only=("001-0318",))
    status = run_status(Settings(), cohort, portal_url=NOWHERE)
    assert chosen == ["2024-S-000002"] and status.plan_code == "2024-S-000002"
    assert len(searches) == 2 and searches[0] == searches[1]
    assert searches[0]["work_type"] == "土壤修复工"


def test_a_second_run_on_a_cohort_is_refused_at_once_naming_the_holder(
    prepared: Path, tmp_path: Path
) -> None:
    from portal_bot.cohortrun.identity import cohort_id
    from portal_bot.cohortrun.lock import cohort_lock
    from portal_bot.errors import StateError

    cohort = _copy(prepared, tmp_path)
    state = Settings().ensure_state_dir()
    with cohort_lock(state, cohort_id(cohort), purpose="register run"):
        with pytest.raises(StateError, match=r"another register run is in progress \(pid \d+, since "):
            register_cohort(Settings(), cohort, portal_url=NOWHERE, confirm="auto", only=("001-0318",))
        with pytest.raises(StateError, match="another register run is in progress"):
            run_status(Settings(), cohort, portal_url=NOWHERE)
    other = _copy(prepared, tmp_path, "other")  # another cohort is not held up
    with cohort_lock(state, cohort_id(other), purpose="status run"):
        pass


def test_a_ledger_busy_past_its_timeout_fails_that_candidate_and_the_report_is_written(
    prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3
    import threading

    cohort = _copy(prepared, tmp_path)
    monkeypatch.setattr(Ledger, "busy_timeout", 0.5)
    walked: list[str] = []
    released = threading.Event()

    async def walk(self: Walker, job: Job, *args: Any) -> None:
        walked.append(job.candidate.name)
        if len(walked) == 1:  # another process holds the ledger for longer than the busy timeout
            holder = sqlite3.connect(self.ledger.path, isolation_level=None, check_same_thread=False)
            holder.execute("BEGIN EXCLUSIVE")

            def release() -> None:
                holder.execute("COMMIT")
                holder.close()
                released.set()

            threading.Timer(3.0, release).start()
            self.ledger.mark_candidate(job.ledger_id, "in_progress", "logged_in", run_id=self.run_id)
        else:
            released.wait(10)
            job.outcome.outcome = Outcome.ALREADY_SUBMITTED

    monkeypatch.setattr(Walker, "_walk", walk)
    result = register_cohort(
        Settings(), cohort, portal_url=NOWHERE, confirm="auto", concurrency=1, only=("001-0318", "002-0242")
    )
    first, second = sorted(result.outcomes, key=lambda o: walked.index(o.name))
    assert first.outcome is Outcome.ERROR and "ledger" in first.message
    assert second.outcome is Outcome.ALREADY_SUBMITTED
    assert result.report_html.is_file() and result.report_xlsx.is_file()
