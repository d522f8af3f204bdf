"""Rig for the shipped flows: a mock portal per variant, sample-cohort candidates, prepared files and a
human handler that plays the candidate's phone through the mock's QA API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Error as PlaywrightError

from portal_bot.browser import AsyncPage
from portal_bot.flows.human import HumanRequest
from portal_bot.flows.runner import FlowRunner
from portal_bot.flows.steps import Context, load_flow
from portal_bot.mock_portal.pytest_plugin import rename_seed_from_env
from portal_bot.mock_portal.server import RunningPortal, serve_in_thread
from portal_bot.portal.flows import shipped_flows_dir
from portal_bot.profiles.loader import load_cohort
from portal_bot.profiles.models import Candidate
from portal_bot.profiles.validate import validate_cohort
from tests.browser.conftest import Aio
from tests.mock_portal import helpers as h

COHORT = Path(__file__).resolve().parents[3] / "profiles" / "sample-cohort"
FLOWS = shipped_flows_dir()
PASSWORD = "Secret-123"


@pytest.fixture(scope="module")
def cohort() -> tuple[dict[str, Any], dict[str, Candidate]]:
    """The sample cohort's plan and its candidates by name (every file must validate)."""
    results = validate_cohort(COHORT)
    assert all(r.ok for r in results), [p.message for r in results for p in r.errors]
    plan = load_cohort(COHORT).plan.model_dump(exclude_none=True)
    return plan, {r.candidate.name: r.candidate for r in results if r.candidate is not None}


@pytest.fixture(scope="module", params=[0, 1, 2, "renamed"], ids=lambda v: f"variant{v}")
def portal(request: pytest.FixtureRequest) -> Iterator[RunningPortal]:
    """Markup variants 0–2 and the renaming variant (every id, class and name renamed; the seed is
    PORTAL_BOT_MOCK_RENAME_SEED, else 1), which the shipped flows must pass as well."""
    if request.param == "renamed":
        with serve_in_thread(rename_seed=rename_seed_from_env() or 1) as running:
            yield running
        return
    with serve_in_thread(variant=request.param) as running:
        yield running


@pytest.fixture
def site(portal: RunningPortal) -> RunningPortal:
    portal.qa.reset()
    return portal


@pytest.fixture
def prepared(tmp_path: Path) -> dict[str, str]:
    """What `prepare` would make: a compliant JPEG and small real PDFs."""
    photo = tmp_path / "证件照.jpg"
    photo.write_bytes(h.portrait())
    materials = tmp_path / "其他材料.pdf"
    materials.write_bytes(h.pdf(3))
    evidence = tmp_path / "原证书.pdf"
    evidence.write_bytes(h.pdf(1))
    return {"photo": str(photo), "materials": str(materials), "evidence": str(evidence)}


def account_name(candidate: Candidate) -> str:
    return candidate.account.username or f"qr-{candidate.id_number[-4:]}"


def make_account(portal: RunningPortal, candidate: Candidate) -> str:
    """The candidate's 政务服务网 account: real-name data as on the ID card, not confirmed yet."""
    username = account_name(candidate)
    portal.qa.create_account(
        username=username,
        password=PASSWORD,
        name=candidate.name,
        id_number=candidate.id_number,
        phone=candidate.phone,
    )
    return username


@dataclass
class QaPhone:
    """A HumanHandler that scans the login QR and signs through the QA API, like the candidate's phone."""

    portal: RunningPortal
    account: str
    plan_no: str
    seen: list[str]

    async def __call__(self, request: HumanRequest) -> None:
        self.seen.append(request.kind)
        assert request.qr is not None and request.qr.text, "the flow found no readable QR code"
        # the token is the last part of the URL the QR code holds (read from the picture, not the markup)
        token = request.qr.text.rstrip("/").rsplit("/", 1)[-1]
        if request.kind == "login":
            await asyncio.to_thread(self.portal.qa.scan_login, self.account, token)
        else:
            await asyncio.to_thread(self.portal.qa.sign, account=self.account, plan_no=self.plan_no)
        await request.wait_until_done(30)


@dataclass
class Session:
    """One candidate's browser page and the flows run on it."""

    aio: Aio
    page: AsyncPage
    portal: RunningPortal
    candidate: Candidate
    plan: dict[str, Any]
    prepared: dict[str, str]
    phone: QaPhone
    password: str = PASSWORD

    def run(self, name: str, candidate: Candidate | None = None) -> Context:
        runner = FlowRunner(self.page, human=self.phone, base_url=self.portal.url, timeout=20)
        ctx = Context(candidate=candidate or self.candidate, plan=self.plan, prepared=self.prepared)
        env = {"PASSWORD": self.password} if name == "login.yaml" else {}
        return self.aio.run(runner.run(load_flow(FLOWS / name), ctx, env), timeout=120)


def _warm_up(aio: Aio, page: AsyncPage, url: str) -> None:
    """The context's first navigation, tried again once: Playwright 1.65's Python driver now and then
    loses the reply to a fresh context's first page load ("Cannot find command to respond"), which
    is no fault of the flows under test."""
    try:
        aio.run(page.goto(url))
    except PlaywrightError:
        aio.run(page.goto(url))


@pytest.fixture
def session_for(
    aio: Aio,
    apage: AsyncPage,
    site: RunningPortal,
    cohort: tuple[dict[str, Any], dict[str, Candidate]],
    prepared: dict[str, str],
) -> Any:
    """``session_for(name)``: an account for that sample candidate and a Session on a fresh page."""
    plan, candidates = cohort
    _warm_up(aio, apage, site.url)

    def make(name: str, **changes: Any) -> Session:
        candidate = candidates[name].model_copy(update=changes)
        account = make_account(site, candidate)
        phone = QaPhone(site, account, plan["plan_code"], [])
        return Session(aio, apage, site, candidate, plan, prepared, phone)

    return make
