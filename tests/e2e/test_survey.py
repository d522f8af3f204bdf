"""`portal-bot survey`: the command runs as a person starts it; the test plays the person.

The survey's browser is made headless with its debugging port open (the tests-only switch
PORTAL_BOT_SURVEY_TEST_PORT); the test connects to that browser and walks the mock portal in the
survey's own window: home → 评价报名 → a plan → the login page. Each page must be in the recording
once it is saved (the test waits on recording.json, not on time), then Enter in the terminal ends
the survey, which prints where the recording is.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Playwright

from portal_bot.mock_portal.server import RunningPortal
from portal_bot.recording.model import load_recording
from tests.e2e.conftest import TOKEN

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _until(what: str, check: Any, proc: subprocess.Popen[str], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"survey ended while waiting for {what}: {proc.communicate()}")
        try:
            got = check()
        except (OSError, ValueError, PlaywrightError):  # not there yet, or navigating
            got = None
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"no {what} within {timeout}s")


def _saved_paths(out: Path) -> list[str]:
    data = json.loads((out / "recording.json").read_text(encoding="utf-8"))
    return [p["path"] for p in data["pages"]]


def test_survey_saves_every_page_a_person_reaches_and_ends_on_enter(
    fresh_portal: RunningPortal, playwright: Playwright, tmp_path: Path
) -> None:
    out = tmp_path / "survey"
    port = _free_port()
    env = {**os.environ, "PYTHONUTF8": "1", "COLUMNS": "200", "PORTAL_BOT_MOCK_QA_TOKEN": TOKEN}
    env["PORTAL_BOT_SURVEY_TEST_PORT"] = str(port)
    proc = subprocess.Popen(
        [sys.executable, "-m", "portal_bot", "survey", "--portal", fresh_portal.url, "--out", str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
    )
    try:
        _until(
            "the debugging port",
            lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/json/version", timeout=2).status == 200,
            proc,
        )
        browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
        # location.href, not page.url: the sync API only hears of navigations while it is called
        page = _until(
            "the survey's tab on the portal",
            lambda: next(
                (
                    p
                    for c in browser.contexts
                    for p in c.pages
                    if p.evaluate("() => location.href").startswith(fresh_portal.url)
                ),
                None,
            ),
            proc,
        )
        _until("the home page saved", lambda: "/" in _saved_paths(out), proc)
        page.get_by_role("link", name="评价报名").first.click()
        _until("the plans page saved", lambda: "/pj/plans" in _saved_paths(out), proc)
        page.locator("a[href^='/pj/plan/']").first.click()
        _until("a plan's page saved", lambda: any(p.startswith("/pj/plan/") for p in _saved_paths(out)), proc)
        # by its text, as a person finds it: a class is renamed on the renaming variant
        page.get_by_role("link", name="个人用户登录").click()
        _until("the login page saved", lambda: "/sso/login" in _saved_paths(out), proc)
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.flush()
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, stdout + stderr
    assert f"recording: {out / 'index.html'}" in stdout.replace("\n", ""), stdout
    recording = load_recording(out)
    assert recording.made_by == "survey"
    paths = [p.path for p in recording.pages]
    assert paths[0] == "/" and "/pj/plans" in paths and "/sso/login" in paths
    assert all(p.reason == "survey" for p in recording.pages)
    login = next(p for p in recording.pages if p.path == "/sso/login")
    body = (out / "pages" / f"{login.name}.html").read_text(encoding="utf-8").split("<body")[1]
    assert "service=" not in body  # the login link's query string is cut
    assert paths.count("/pj/plans") == 1  # the same page twice in a row is saved once
