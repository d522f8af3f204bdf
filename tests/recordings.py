"""Recordings of the mock portal's pages for ``flows check --against`` tests, in the fixed format.

Not a recorder (feat/record owns ``register --record``): the pages are fetched over HTTP along
the guide's walk, their stylesheet inlined and scripts dropped as the recording format says, and
``recording.json`` written with :mod:`portal_bot.recording.model`. The mock draws every page on the
server (its script only opens dropdowns), so this is the DOM a person's browser shows.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx

from portal_bot.mock_portal.server import RunningPortal
from portal_bot.recording.model import PAGES, RecordedPage, Recording, save_recording
from tests.mock_portal.helpers import (
    GUIDE_PLAN,
    client,
    login,
    make_account,
    pdf,
    photo,
    plan,
    post_step2,
    start_application,
    step2_values,
    upload_photo,
)

REPO = Path(__file__).resolve().parents[1]
FLOWS = REPO / "flows"
_WIZARD = ("上传证件照", "填写报名信息", "扫码在线签名", "预览确认提交")


def walk_pages(portal: RunningPortal, username: str = "luxun") -> list[tuple[str, httpx.Response]]:
    """The pages the shipped flows visit, in the walk's order, as ``(name, response)``."""
    make_account(portal, username, info_confirmed=True)  # the form is shown all the same
    anonymous = client(portal)
    pages = [("home", anonymous.get("/"))]
    pages.append(("login", anonymous.get("/sso/login", params={"service": f"{portal.url}/sso/callback"})))
    user = login(portal, username)
    pages.append(("basic-info", user.get("/user/basic-info")))
    pages.append(("home-user", user.get("/")))
    pages.append(("plans", user.get("/pj/plans")))
    code = plan(portal, GUIDE_PLAN).plan_no
    pages.append(("plans-search", user.get("/pj/plans", params={"keyword": code})))
    pages.append(("plan", user.get(f"/pj/plan/{GUIDE_PLAN}")))
    app_id = start_application(user)
    pages.append(("step1", upload_photo(user, portal, app_id, GUIDE_PLAN, photo())))
    pages.append(("step2", user.get(f"/user/app/{app_id}/step2")))
    answer = post_step2(user, portal, app_id, GUIDE_PLAN, step2_values(), {"materials": ("材料.pdf", pdf())})
    assert answer.url.path.endswith("/step3"), answer.text
    portal.qa.sign(application_id=app_id)
    pages.append(("step3", user.get(f"/user/app/{app_id}/step3")))
    pages.append(("step4", user.get(f"/user/app/{app_id}/step4")))
    pages.append(("application", user.post(f"/user/app/{app_id}/step4")))
    for name, response in pages:
        assert response.status_code == 200, (name, response.text[:300])
    return pages


def _offline_html(html: str, css: str) -> str:
    """The page as a recording keeps it: scripts removed, the stylesheet inlined."""
    html = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S | re.I)
    return re.sub(r'<link rel="stylesheet"[^>]*>', lambda _: f"<style>{css}</style>", html)


def _wizard_step(html: str) -> str | None:
    current = re.search(r'class="[^"]*\b(?:current|active)\b[^"]*"[^>]*>\s*(?:<[^>]+>\s*)*([^<]+)', html)
    if current and current.group(1).strip() in _WIZARD:
        return current.group(1).strip()
    return None


def save_pages(
    portal: RunningPortal,
    out: Path,
    pages: list[tuple[str, httpx.Response]],
    *,
    failed: dict[str, str] | None = None,
) -> Path:
    """Write ``pages`` as a recording in ``out``; ``failed`` maps a page name to the step that failed
    there (``flows/register.yaml:17``), as a ``register --record`` run records it."""
    css = client(portal).get("/static/portal.css").text
    (out / PAGES).mkdir(parents=True, exist_ok=True)
    recorded = []
    for n, (name, response) in enumerate(pages, 1):
        stem = f"{n:03d}-{name}"
        (out / PAGES / f"{stem}.html").write_text(_offline_html(response.text, css), encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", response.text, re.S)
        step = (failed or {}).get(name)
        recorded.append(
            RecordedPage(
                n=n,
                name=stem,
                path=response.url.path,
                title=title.group(1).strip() if title else "",
                wizard_step=_wizard_step(response.text),
                reason="failed" if step else "survey",
                failed_step=step,
            )
        )
    recording = Recording(
        made_by="fixture", site=portal.url, created=datetime.now(UTC), pages=tuple(recorded)
    )
    save_recording(out, recording)
    return out


def line_of(flow: str, snippet: str) -> int:
    """The line of ``flows/<flow>`` holding ``snippet`` (tests name steps by text, not by number)."""
    lines = (FLOWS / flow).read_text(encoding="utf-8").splitlines()
    found = [n for n, line in enumerate(lines, 1) if snippet in line]
    assert len(found) == 1, (flow, snippet, found)
    return found[0]
