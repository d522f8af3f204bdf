"""A run's takeovers in the terminal (register --headed without --desk): what the person is asked,
what the ledger, the outcome and the patch keep (register.takeover.Takeovers, with a stand-in page)."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from portal_bot.cohortrun.relay import Relay
from portal_bot.errors import SiteMismatchError
from portal_bot.flows.takeover import HandOver
from portal_bot.ledger import Ledger
from portal_bot.register.outcome import CandidateOutcome, Outcome
from portal_bot.register.progress import Progress
from portal_bot.register.takeover import BY_HAND, PATCH_NAME, Takeovers
from tests.asyncutil import run_async

REPO = Path(__file__).resolve().parents[3]


class Page:
    """What a takeover uses of a Playwright page; ``clicks`` are what the person does meanwhile."""

    def __init__(self, clicks: list[dict[str, str]]) -> None:
        self.clicks = clicks
        self.binding: Any = None

    async def expose_binding(self, name: str, callback: Any) -> None:
        self.binding = callback

    def on(self, event: str, handler: Any) -> None:
        pass

    def remove_listener(self, event: str, handler: Any) -> None:
        pass

    async def evaluate(self, script: str, arg: Any = None) -> None:
        pass

    async def bring_to_front(self) -> None:
        for record in self.clicks:  # the person, in the window, before answering
            self.binding(None, record)


def _takeovers(tmp_path: Path, answer: bool) -> tuple[Takeovers, Any, Ledger, list[str]]:
    flows = tmp_path / "project" / "flows"
    shutil.copytree(REPO / "flows", flows)
    ledger = Ledger.open(tmp_path / "ledger.sqlite3")
    run_id = ledger.start_run("cohort", "http://127.0.0.1:1")
    asked: list[str] = []
    progress = Progress()

    def ask(question: str) -> bool:
        asked.append(question)
        return answer

    takeovers = Takeovers(
        Relay(),
        ledger,
        run_id,
        tmp_path / "run",
        flows.parent,
        console=SimpleNamespace(print=lambda *a, **k: None),  # type: ignore[arg-type]
        progress=progress,
        ask=ask,
        timeout=30,
    )
    (tmp_path / "run").mkdir()
    job = SimpleNamespace(
        candidate=SimpleNamespace(name="陈雨桐"),
        row=progress.add("陈雨桐"),
        outcome=CandidateOutcome("陈雨桐", "", "002.yaml", Outcome.SKIPPED),
        ledger_id=ledger.ensure_candidate("cohort", "330106200001010022", "陈雨桐"),
    )
    return takeovers, job, ledger, asked


def _hand(page: Page) -> HandOver:
    error = SiteMismatchError("site mismatch", path=REPO / "flows" / "register.yaml", line=17)
    return HandOver(page, error, "click", "马上报名", flow="register", index="1")  # type: ignore[arg-type]


def test_done_in_the_terminal_records_the_step_and_writes_the_patch(tmp_path: Path) -> None:
    takeovers, job, ledger, asked = _takeovers(tmp_path, answer=True)
    hand = _hand(Page([{"what": "click", "text": "立即报名", "role": "button"}]))
    hand.error.path = tmp_path / "project" / "flows" / "register.yaml"
    assert run_async(lambda: takeovers.for_job(job)(hand)) is True
    (question,) = asked
    assert question.startswith("陈雨桐: the site differs from the flows at register.yaml:17: click 马上报名")
    rows = [r for r in ledger.steps(job.ledger_id) if r["outcome"] == BY_HAND]
    assert [(r["flow"], r["step"]) for r in rows] == [("register", "1")]
    assert job.outcome.by_hand == ["register.yaml:17 click 马上报名 → the site has '立即报名'"]
    patch = tmp_path / "run" / PATCH_NAME
    assert takeovers.written and "+  - click: {text: 立即报名, submit: true}" in patch.read_text("utf-8")
    assert "a/flows/register.yaml" in patch.read_text("utf-8")
    ledger.close()


def test_giving_up_records_nothing(tmp_path: Path) -> None:
    takeovers, job, ledger, asked = _takeovers(tmp_path, answer=False)
    hand = _hand(Page([{"what": "click", "text": "立即报名", "role": "button"}]))
    assert run_async(lambda: takeovers.for_job(job)(hand)) is False
    assert len(asked) == 1
    assert not [r for r in ledger.steps(job.ledger_id) if r["outcome"] == BY_HAND]
    assert job.outcome.by_hand == [] and not (tmp_path / "run" / PATCH_NAME).exists()
    ledger.close()
