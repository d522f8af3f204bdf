"""Which trace an attempt keeps (issue 14): a retry, after a portal error, records the full trace.

A first attempt records a light trace (actions only: no DOM snapshots, no network log), which a
never-retried failure keeps beside its masked page (`test_no_secret_in_artifacts.py` checks that
one). A portal error is retried, and the retry records DOM snapshots as well: here the portal
answers every page with a 503, so both attempts fail and the second one's trace is what is kept.
"""

from __future__ import annotations

import os
import sqlite3
import zipfile
from pathlib import Path

import pytest

from portal_bot.mock_portal.server import RunningPortal
from tests.e2e.conftest import register

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_retried_attempt_keeps_the_full_trace_and_the_failure_page(
    fresh_portal: RunningPortal, cohort: Path
) -> None:
    fresh_portal.qa.set_faults(error_rate=1.0)
    try:
        done = register(cohort, fresh_portal, "--only", "王小明", "--attempts", "2")
    finally:
        fresh_portal.qa.clear_faults()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "portal error" in done.stdout
    state = Path(os.environ["PORTAL_BOT_STATE_DIR"])
    (trace,) = state.glob("runs/*/*-trace.zip")  # the run's own (its report copies it to assets/)
    with zipfile.ZipFile(trace) as archive:
        events = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".trace"))
        network = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".network"))
    assert b'"frame-snapshot"' in events  # the retry's trace: DOM snapshots…
    assert "系统繁忙".encode() in events  # …of the page the portal answered
    assert b'"resource-snapshot"' in network  # and the network log
    (page,) = state.glob("runs/*/*-failure.html")
    assert "系统繁忙" in page.read_text(encoding="utf-8")
    with sqlite3.connect(state / "ledger.sqlite3") as db:
        kinds = [k for (k,) in db.execute("SELECT kind FROM artifacts ORDER BY id")]
    assert kinds.count("trace") == 2 and kinds.count("page") == 2  # each attempt's evidence
