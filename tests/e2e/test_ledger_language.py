"""The ledger says the same whatever the language people read (issue 16: machine interfaces do not
change with the language).

The same failing registration runs twice against the mock portal, once with ``--lang zh`` and once
with ``--lang en``, each with a fresh state directory: a value the site refuses (a data error), a
button the site renamed (a site mismatch) and a portal that answers only 503 past every retry (a
portal error, with a flow ``retry`` step whose "attempt N failed" notes go to the ledger). The
ledger's candidate message and step notes are read with sqlite3: the same in both runs, and their
Chinese is only the site's and the data's (words found in the mock portal's pages, the flows and
the cohort). The terminal of the Chinese run is Chinese, and the English run shows exactly what the
ledger keeps.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from portal_bot.i18n import in_language
from portal_bot.mock_portal.server import RunningPortal, serve_in_thread
from tests.e2e.conftest import REPO, SAMPLE, TOKEN, portal_bot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NAME = "陈雨桐"
LANGS = ("zh", "en")
CJK = re.compile(r"[\u3400-\u9fff]+")


def _site_and_data_words() -> str:
    """Every text the site (the mock's pages and code), the flows and the sample cohort hold."""
    roots = [REPO / "src" / "portal_bot" / "mock_portal", REPO / "flows", SAMPLE]
    return "\n".join(
        p.read_text(encoding="utf-8", errors="ignore")
        for root in roots
        for p in root.rglob("*")
        if p.suffix in (".py", ".html", ".js", ".yaml", ".csv") and p.is_file()
    )


SITE = _site_and_data_words()


@dataclass(frozen=True)
class Run:
    """What one run left: its exit code and terminal, the ledger's rows, the outcome people read."""

    rc: int
    out: str
    message: str  # candidates.message
    steps: list[tuple[str, str, str, str | None]]  # the steps table: flow, step, outcome, message
    shown: dict[str, Any]  # the candidate's outcome in outcomes.json (what the report shows)


def _run(
    lang: str, portal: RunningPortal, tmp_path: Path, flows: Path, *extra: str, faults: bool = False
) -> Run:
    """``portal-bot --lang LANG register`` of one candidate, from a fresh state dir and site
    (``faults``: every page of it answers 503)."""
    portal.qa.reset()  # faults off too
    if faults:
        portal.qa.set_faults(error_rate=1.0, seed=3)
    state, cohort = tmp_path / f"state-{lang}", tmp_path / f"cohort-{lang}"
    shutil.copytree(SAMPLE, cohort, ignore=shutil.ignore_patterns("prepared", ".portal-bot-id"))
    done: subprocess.CompletedProcess[str] = portal_bot(
        *("--lang", lang, "register", str(cohort), "--portal", portal.url, "--simulate-human"),
        *("--confirm", "auto", "--human-timeout", "60", "--only", NAME, "--flows", str(flows), *extra),
        env={"PORTAL_BOT_STATE_DIR": str(state)},
    )
    assert "Traceback" not in done.stderr, done.stderr
    with sqlite3.connect(state / "ledger.sqlite3") as db:
        (message,) = db.execute("SELECT message FROM candidates").fetchone()
        steps = db.execute("SELECT flow, step, outcome, message FROM steps ORDER BY id").fetchall()
    (outcomes,) = (state / "runs").glob("*/outcomes.json")
    shown = json.loads(outcomes.read_text(encoding="utf-8"))["outcomes"][0]
    return Run(done.returncode, done.stdout, message, steps, shown)


def _same_in_both(zh: Run, en: Run, outcome: str) -> None:
    assert zh.rc == en.rc == 1
    assert zh.shown["outcome"] == en.shown["outcome"] == outcome
    assert zh.message == en.message, (zh.message, en.message)
    assert zh.steps == en.steps
    kept = [zh.message, *(m or "" for *_, m in zh.steps)]
    strays = {w for text in kept for w in CJK.findall(text) if w not in SITE}
    assert not strays, f"Chinese that is not the site's or the data's in the ledger: {strays}"
    # people read their language: the English run shows what the ledger keeps, the Chinese run not
    assert en.shown["message"] == en.message
    assert zh.shown["message"] != zh.message
    label = in_language("zh", outcome)
    assert label != outcome and label in zh.out and outcome not in zh.out
    assert outcome in en.out


@pytest.fixture(scope="module")
def portal() -> Iterator[RunningPortal]:
    with serve_in_thread(qa_token=TOKEN) as running:
        yield running


def _flows(tmp_path: Path) -> Path:
    flows = tmp_path / "flows"
    shutil.copytree(REPO / "flows", flows)
    return flows


def test_a_value_the_site_refuses_leaves_the_same_ledger_in_both_languages(
    portal: RunningPortal, tmp_path: Path
) -> None:
    flows = _flows(tmp_path)
    field_map = flows / "fields" / "registration.yaml"
    text = field_map.read_text(encoding="utf-8")
    phone = '{label: 手机号码, value: "${candidate.phone}"}'
    assert phone in text
    field_map.write_text(text.replace(phone, "{label: 手机号码, value: '12345'}"), encoding="utf-8")
    zh, en = (_run(lang, portal, tmp_path, flows) for lang in LANGS)
    _same_in_both(zh, en, "data error")
    assert "手机号码格式不正确" in en.message  # the site's own words, in both
    assert "(fix the value in the candidate's profile)" in en.message
    assert in_language("zh", "fix the value in the candidate's profile") in zh.shown["message"]


def test_a_site_mismatch_leaves_the_same_ledger_in_both_languages(tmp_path: Path) -> None:
    flows = _flows(tmp_path)
    with serve_in_thread(qa_token=TOKEN, drift={"马上报名": "立即报名"}) as drifted:
        zh, en = (_run(lang, drifted, tmp_path, flows) for lang in LANGS)
    _same_in_both(zh, en, "site mismatch")
    message = en.message
    assert "site mismatch: click 马上报名: " in message and " '马上报名' is not on /" in message
    assert "'立即报名' (similar text (button, 50%))" in message
    assert "(the site differs from the flows: see docs/flows.md" in message
    assert "网站与流程不符" in zh.shown["message"]


def test_a_portal_error_past_every_retry_leaves_the_same_ledger_in_both_languages(
    portal: RunningPortal, tmp_path: Path
) -> None:
    flows = _flows(tmp_path)
    login = flows / "login.yaml"
    text = login.read_text(encoding="utf-8")
    assert "steps:\n  - goto: /\n" in text
    retried = "steps:\n  - retry:\n      attempts: 2\n      delay: 0.1\n      steps:\n        - goto: /\n"
    login.write_text(text.replace("steps:\n  - goto: /\n", retried), encoding="utf-8")
    try:
        zh, en = (
            _run(lang, portal, tmp_path, flows, "--attempts", "2", faults=True) for lang in ("zh", "en")
        )
    finally:
        portal.qa.clear_faults()
    _same_in_both(zh, en, "portal error")
    notes = [m or "" for *_, outcome, m in en.steps if outcome == "retrying"]
    assert len(notes) == 2 and all(n.startswith("retry up to 2 times: attempt 1 failed: ") for n in notes), (
        notes
    )
