"""`portal-bot register` when nothing answers at the portal's address: one "site unreachable" for the
run (exit 1, one line), the report written, every candidate marked as not attempted with that reason;
never a flow-file error repeated per candidate."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.e2e.conftest import portal_bot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_closed_port_stops_the_run_with_one_line(cohort: Path) -> None:
    with socket.socket() as s:  # a free loopback port, closed again: nothing listens there
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    done = portal_bot("register", str(cohort), "--portal", url, "--confirm", "auto", "--attempts", "2")
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    assert "site unreachable" in errors[0] and "ERR_CONNECTION_REFUSED" in errors[0]
    assert "5 candidates not attempted" in errors[0]
    assert "Traceback" not in done.stderr
    assert ".yaml:" not in done.stdout + done.stderr  # not blamed on a flow file
    report = Path(errors[0].split("Report: ")[1].rstrip(")"))
    assert report.is_file()
    outcomes = json.loads((report.parent.parent / "outcomes.json").read_text(encoding="utf-8"))["outcomes"]
    assert len(outcomes) == 5
    assert {o["outcome"] for o in outcomes} == {"skipped"}
    assert all(o["message"].startswith("not attempted: site unreachable") for o in outcomes)
