"""Every file a registration leaves behind is free of the password, full ID and phone numbers, cookies.

A whole registration against the mock portal: a password login, then a value the site refuses (a
tampered field map) so the candidate fails after its ID number was shown and its phone number was
typed, which keeps a failure screenshot, the failure page (masked HTML) and a Playwright trace.
Then every file of the state folder, the run's report and a `report latest --out` export is read
(zips, traces and workbooks unpacked) and searched for each secret in every spelling a browser
would send it in.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from portal_bot.mock_portal.server import RunningPortal
from portal_bot.privacy import date_spellings
from tests.e2e.conftest import REPO, portal_bot, register

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "Pw-Secret!42x"
ID_NUMBER = "330106200403150318"  # 001-0318.yaml, 王小明
PHONE = "138 0571 0001"


def _spellings(value: str) -> set[str]:
    forms = {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}
    return {f for f in forms if f}


def _contents(path: Path) -> Iterator[tuple[str, bytes]]:
    """The file's bytes, and for a zip (trace, .xlsx) each entry's bytes too."""
    data = path.read_bytes()
    yield str(path), data
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                yield f"{path}!{name}", archive.read(name)


def _files(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*") if p.is_file()]


def _cookie_values(sessions: list[Path]) -> set[str]:
    values = set()
    for file in sessions:
        for cookie in json.loads(file.read_text(encoding="utf-8")).get("cookies", []):
            if len(cookie["value"]) >= 6:
                values.add(cookie["value"])
    return values


def test_no_password_id_phone_or_cookie_in_any_file_a_failed_run_leaves(
    fresh_portal: RunningPortal, cohort: Path, tmp_path: Path
) -> None:
    profile = cohort / "001-0318.yaml"
    profile.write_text(
        profile.read_text(encoding="utf-8") + "account: {username: wang-pw, password_env: PB_E2E_PASSWORD}\n",
        encoding="utf-8",
    )
    flows = tmp_path / "flows"
    shutil.copytree(REPO / "flows", flows)
    field_map = flows / "fields" / "registration.yaml"
    text = field_map.read_text(encoding="utf-8")
    years = '{label: 本职业工作年限, value: "${candidate.years_in_occupation}"}'
    assert years in text
    field_map.write_text(text.replace(years, "{label: 本职业工作年限, value: '99'}"), encoding="utf-8")

    done = register(
        cohort, fresh_portal, "--only", "王小明", "--flows", str(flows), env={"PB_E2E_PASSWORD": PASSWORD}
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "data error" in done.stdout
    state = Path(os.environ["PORTAL_BOT_STATE_DIR"])
    traces = list(state.rglob("*-trace.zip"))
    assert traces, "the failure kept no trace: nothing was scanned"
    # a data error is never retried: its one attempt recorded the light trace (actions, no DOM
    # snapshots); the page it failed on is kept beside it, masked HTML (issue 14)
    trace_text = b"".join(data for _, data in _contents(traces[0]))
    assert b'"frame-snapshot"' not in trace_text
    pages = list(state.rglob("*-failure.html"))
    assert len(pages) == 1, "the failure kept no page"
    page_text = pages[0].read_text(encoding="utf-8")
    assert "本职业工作年限" in page_text  # the failure's evidence shows the page
    # ...but not the birth date (part of the ID number), though the form shows it in a row whose
    # label the page mask cannot see: the candidate's own date is masked by name
    assert "出生日期" in page_text
    assert not [day for day in date_spellings(date(2004, 3, 15)) if day in page_text]
    exported = tmp_path / "export"
    export = portal_bot("report", "latest", "--out", str(exported))
    assert export.returncode == 0, export.stderr
    assert list((exported / "assets").glob("*-trace.zip"))
    exported_pages = list((exported / "assets").glob("*-failure-page.html"))
    assert exported_pages and exported_pages[0].name in (exported / "report.html").read_text(encoding="utf-8")

    sessions = list((state / "sessions").rglob("*.json"))
    assert sessions, "the password login saved no session"
    cookies = _cookie_values(sessions)
    assert cookies
    needles = {
        "password": _spellings(PASSWORD),
        "ID number": _spellings(ID_NUMBER),
        "phone": _spellings(PHONE) | _spellings(PHONE.replace(" ", "")),
        "cookie": {v for c in cookies for v in _spellings(c)},
    }
    # the session files are the one place a cookie must be (0600; they are what a rerun logs in with)
    scanned = [p for p in _files(state, exported, cohort / "prepared") if p not in sessions]
    found = []
    for path in scanned:
        for where, data in _contents(path):
            for what, forms in needles.items():
                if any(form.encode() in data for form in forms):
                    found.append(f"{what} in {where}")
    assert not found, "\n".join(found)
    assert len(scanned) > 5 and {*pages, *exported_pages} <= set(scanned)

    if os.name == "posix":
        for path in [*_files(state / "runs"), *_files(exported)]:
            assert path.stat().st_mode & 0o777 == 0o600, path
        for folder in [exported, exported / "assets", state / "runs"]:
            assert folder.stat().st_mode & 0o777 == 0o700, folder
