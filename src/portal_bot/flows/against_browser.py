"""Reading recorded pages in Chromium for ``flows check --against``, with the runner's own in-page code.

Each recorded page is loaded into one page of one browser, served from memory under a ``.invalid``
origin at its recorded path (so ``location.pathname`` reads as on the site); every other request —
images, stylesheets, scripts, anything a saved page still points at — is aborted: the check never
touches the network. Targets are then looked up exactly as a run would: labels with locate.js
``resolveLabels`` (through :func:`portal_bot.flows.locate.peek`), button, link and expected texts
with ``targetPresent`` (what decides a site mismatch in a run), CSS with Playwright's own selector
engine, and a missing target's suggestions from ``pageOffers``. This module only reads pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from portal_bot.browser import AsyncBrowser, AsyncPage, BrowserChoice
from portal_bot.cohortrun.launch import choose_browser, launched
from portal_bot.flows import locate
from portal_bot.flows.against import (
    AgainstReport,
    Finding,
    Lookup,
    Target,
    finding,
    flows_and_subflows,
    is_found,
    place,
    targets,
)
from portal_bot.flows.settle import OFFERS_JS
from portal_bot.flows.steps import Flow
from portal_bot.portal._sync import run_sync
from portal_bot.recording.model import RecordedPage, Recording, load_recording
from portal_bot.settings import Settings

#: Where recorded pages are served from: a reserved name no resolver answers for.
ORIGIN = "http://recording.invalid"
#: ``[[text, how], …]`` → ``targetPresent`` of each, in one evaluation.
_PRESENT_JS = locate.page_function("((all) => all.map(targetPresent))")
_TEXTS = ("any", "button", "link", "visible")


def check_against(settings: Settings, flows: list[Flow], root: Path) -> AgainstReport:
    """Check every page-addressing step of ``flows`` (and the flows they run) on the recording in ``root``.

    Raises:
        ConfigError: ``root`` is not a recording this version can read.
        BrowserUnavailableError: no Chromium to read the pages with.
    """
    recording = load_recording(root)
    unique: dict[tuple[Path, int | None], Target] = {}
    for flow in flows_and_subflows(flows):
        for t in targets(flow):  # a field map two flows fill is checked once
            unique.setdefault((t.where.path.resolve(), t.where.line), t)
    found = list(unique.values())
    choice = choose_browser(settings)
    look = run_sync(lambda: _look_everywhere(choice, recording, root, found))
    return AgainstReport(root, place(recording, found, look))


class _OfflinePage:
    """One browser page that gets each recorded page from memory and nothing from anywhere else."""

    def __init__(self, page: AsyncPage) -> None:
        self.page = page
        self.served: dict[str, str] = {}

    @classmethod
    async def open(cls, browser: AsyncBrowser) -> _OfflinePage:
        context = await browser.new_context(service_workers="block")
        offline = cls(await context.new_page())
        await context.route("**/*", offline._route)
        return offline

    async def _route(self, route: Any) -> None:
        body = self.served.get(route.request.url)
        if body is None:
            await route.abort()
        else:
            await route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)

    async def load(self, recorded: RecordedPage, html: str) -> None:
        url = ORIGIN + "/" + recorded.path.lstrip("/")
        self.served = {url: html}
        await self.page.goto(url, wait_until="load")


async def _look_everywhere(
    choice: BrowserChoice, recording: Recording, root: Path, found: list[Target]
) -> Lookup:
    look: Lookup = {}
    async with launched(choice) as browser:
        offline = await _OfflinePage.open(browser)
        for recorded in recording.pages:
            html = recording.html(root, recorded).read_text(encoding="utf-8", errors="replace")
            await offline.load(recorded, html)
            for i, f in enumerate(await _look(offline.page, found)):
                look[i, recorded.n] = f
    return look


async def _look(page: AsyncPage, found: list[Target]) -> list[Finding]:
    """Every target's finding on the loaded page: three evaluations plus one per CSS target."""
    answers: dict[int, Any] = {}
    labels = [(i, _request(t)) for i, t in enumerate(found) if t.how != "css" and t.how not in _TEXTS]
    try:
        results = await locate.peek(page, [r for _, r in labels])
    except locate.SessionGone:  # a recorded 非法请求 page offers no label
        results = [{"error": "absent"} for _ in labels]
    answers.update((i, res) for (i, _), res in zip(labels, results, strict=True))
    texts = [(i, t) for i, t in enumerate(found) if t.how in _TEXTS]
    if texts:
        present = await page.evaluate(_PRESENT_JS, [[t.text, t.how] for _, t in texts])
        answers.update((i, res["present"]) for (i, _), res in zip(texts, present, strict=True))
    for i, t in enumerate(found):
        if t.how == "css":
            answers[i] = await page.locator(t.text).count() > 0
    offers: dict[str, Any] | None = None
    out: list[Finding] = []
    for i, t in enumerate(found):
        hit = is_found(t, answers[i])
        if not hit and offers is None:
            offers = await page.evaluate(OFFERS_JS)
        out.append(finding(t, hit, offers))
    return out


def _request(t: Target) -> locate.Request:
    if t.how == "option":
        return locate.Request("", "check", options=(t.text,))
    return locate.Request(t.text, t.how)
