"""A person takes over a step the site no longer matches (issue 10 §4), on the mock's drift variant.

The registration runs in this process (a thread with its own event loop) so the test can play the
person in the candidate's own browser page: it clicks the real button or fills the real field in
that page, as a person does in the window ``--headed`` shows, then answers on the desk page through
its HTTP endpoint. This machine has no display, so the browser is launched headless: the one thing
the test changes (``launched``); the run believes it is headed.
"""

from __future__ import annotations

import asyncio
import io
import json
import queue
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import portal_bot.cohortrun.launch as launch_module
from portal_bot.browser import AsyncPage, BrowserChoice
from portal_bot.cohortrun.launch import launched
from portal_bot.flows.steps import Click, load_flow
from portal_bot.flows.takeover import HandOver
from portal_bot.mock_portal.server import RunningPortal, serve_in_thread
from portal_bot.register.commands import _done_in_terminal
from portal_bot.register.outcome import load_outcomes
from portal_bot.register.progress import Progress
from portal_bot.register.run import RunResult, register_cohort
from portal_bot.register.takeover import PATCH_NAME, Takeovers
from portal_bot.settings import Settings
from tests.e2e.conftest import REPO, TOKEN, register
from tests.e2e.test_register import _by_name

pytestmark = [pytest.mark.browser, pytest.mark.slow]

Hand = tuple[AsyncPage, asyncio.AbstractEventLoop, HandOver]


@pytest.fixture
def drifted(request: pytest.FixtureRequest) -> Iterator[RunningPortal]:
    with serve_in_thread(qa_token=TOKEN, drift=request.param) as running:
        yield running


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    """A copy of the shipped flows the run uses (the patch is relative to its parent)."""
    target = tmp_path / "project" / "flows"
    shutil.copytree(REPO / "flows", target)
    return target


@pytest.fixture
def hands(monkeypatch: pytest.MonkeyPatch) -> queue.Queue[Hand]:
    """Each hand-over's page, as the person sees it in the window (and the loop that drives it)."""
    got: queue.Queue[Hand] = queue.Queue()
    original = Takeovers._take

    async def spy(self: Takeovers, job: Any, hand: HandOver) -> bool:
        got.put((hand.page, asyncio.get_running_loop(), hand))
        return await original(self, job, hand)

    monkeypatch.setattr(Takeovers, "_take", spy)

    @asynccontextmanager
    async def headless(choice: BrowserChoice, *, headless: bool = True) -> AsyncIterator[Any]:
        async with launched(choice, headless=True) as browser:  # no display on this machine
            yield browser

    monkeypatch.setattr(launch_module, "launched", headless)  # LaunchAhead launches the run's browser
    return got


class Run:
    """``register --headed --desk`` in a thread; its console output, result or error."""

    def __init__(
        self,
        cohort: Path,
        portal: RunningPortal,
        flows: Path,
        *only: str,
        ask_done: Callable[[str], bool] | None = None,
    ) -> None:
        self.out = io.StringIO()
        self.result: RunResult | None = None
        self.error: BaseException | None = None

        def go() -> None:
            try:
                self.result = register_cohort(
                    Settings(),
                    cohort,
                    portal_url=portal.url,
                    concurrency=2,
                    headed=True,
                    desk=ask_done is None,
                    confirm="auto",
                    only=only,
                    simulate_human=True,
                    qa_token=TOKEN,
                    flows_dir=flows,
                    human_timeout=600,  # the other candidate may be slow to come (a loaded machine)
                    console=Console(file=self.out, width=200),
                    ask_done=ask_done,
                )
            except BaseException as exc:  # noqa: BLE001 - handed to the test thread
                self.error = exc

        self.thread = threading.Thread(target=go, daemon=True)
        self.thread.start()

    def desk(self, seconds: float = 120) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            m = re.search(r"desk page: (http://127\.0\.0\.1:\d+/)", self.out.getvalue())
            if m:
                return m.group(1)
            assert self.thread.is_alive(), f"{self.error!r}\n{self.out.getvalue()}"
            time.sleep(0.1)
        raise AssertionError(self.out.getvalue())

    def finish(self) -> RunResult:
        self.thread.join(300)
        assert self.error is None, f"{self.error!r}\n{self.out.getvalue()}"
        assert self.result is not None
        return self.result


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return str(answer.read().decode("utf-8"))


def _takeover_tasks(desk: str) -> list[dict[str, Any]]:
    state = json.loads(_get(desk + "state.json"))
    return [t for t in state["tasks"] if t["kind"] == "takeover"]


def _wait_tasks(run: Run, desk: str, count: int, seconds: float = 500) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        tasks = _takeover_tasks(desk)
        if len(tasks) >= count:
            return tasks
        assert run.thread.is_alive(), f"{run.error!r}\n{run.out.getvalue()}"
        time.sleep(0.2)
    raise AssertionError(f"{count} takeover(s) expected, got {_takeover_tasks(desk)}\n{run.out.getvalue()}")


def _answer(desk: str, task_id: int, done: bool) -> None:
    """Press 已完成 (or 放弃) on the desk page: its POST with the page's token."""
    token = re.search(r'const TOKEN = "([^"]+)"', _get(desk)).group(1)  # type: ignore[union-attr]
    request = urllib.request.Request(
        f"{desk}decide?id={task_id}&approve={1 if done else 0}",
        method="POST",
        headers={"X-Desk-Token": token},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert json.loads(answer.read())["ok"] is True


def _in_page(hand: Hand, act: Callable[[AsyncPage], Any]) -> None:
    page, loop, _ = hand
    asyncio.run_coroutine_threadsafe(act(page), loop).result(60)


def _ledger_steps() -> list[sqlite3.Row]:
    path = Settings().ledger_path
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        return list(db.execute("SELECT * FROM steps"))


@pytest.mark.parametrize("drifted", [{"马上报名": "立即报名"}], indirect=True)
def test_a_person_clicks_the_renamed_button_and_the_candidates_complete_with_a_patch(
    drifted: RunningPortal, cohort: Path, flows: Path, hands: queue.Queue[Hand], tmp_path: Path
) -> None:
    run = Run(cohort, drifted, flows, "陈雨桐", "刘子涵")
    desk = run.desk()
    # both candidates wait on a person at once: one takeover does not hold the other candidate back
    tasks = _wait_tasks(run, desk, 2)
    for task in tasks:
        assert "click 马上报名" in task["detail"] and "register.yaml:17" in task["detail"], task
    for _ in tasks:
        hand = hands.get(timeout=10)
        _in_page(hand, lambda page: page.get_by_text("立即报名", exact=True).click())
    for task in tasks:
        _answer(desk, task["id"], done=True)
    result = run.finish()

    # the walks went on at the next step, through the preview check, to 提交
    apps = _by_name(drifted)
    assert [a["state"] for a in apps["陈雨桐"]] == ["待审核"]
    assert [a["state"] for a in apps["刘子涵"]] == ["待审核"]
    assert {o.outcome.value for o in result.outcomes} == {"submitted"}, [o.message for o in result.outcomes]
    _, saved = load_outcomes(result.report_html.parent.parent)
    assert all("register.yaml:17 click 马上报名 → the site has '立即报名'" in o.detail for o in saved)

    # the ledger: each candidate's step 1 of register done by hand
    by_hand = [r for r in _ledger_steps() if r["outcome"] == "by hand"]
    assert len(by_hand) == 2 and {(r["flow"], r["step"]) for r in by_hand} == {("register", "1")}

    # the patch is in the run folder, said at the end, and fixes the step on a copy of the flows
    patch = result.suggested_patch
    assert patch is not None and patch == result.report_html.parent.parent / PATCH_NAME
    assert f"suggested flow patch: {patch}" in run.out.getvalue()
    text = patch.read_text(encoding="utf-8")
    assert "-  - click: {text: 马上报名, submit: true}" in text
    assert "+  - click: {text: 立即报名, submit: true}" in text
    fixed = tmp_path / "fixed"
    shutil.copytree(flows.parent, fixed)
    subprocess.run(["git", "apply", str(patch)], cwd=fixed, check=True)
    step = load_flow(fixed / "flows" / "register.yaml").steps[0]
    assert isinstance(step.args, Click) and step.args.target.text is not None
    assert step.args.target.text.source == "立即报名"

    # the next candidate needs no person: the patched flows pass on the same drifted site
    done = register(cohort, drifted, "--only", "孙浩然", "--flows", str(fixed / "flows"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert [a["state"] for a in _by_name(drifted)["孙浩然"]] == ["待审核"]


@pytest.mark.parametrize("drifted", [{"手机号码": "联系电话"}], indirect=True)
def test_a_person_fills_the_renamed_field_its_value_is_never_kept_and_the_preview_still_checks(
    drifted: RunningPortal, cohort: Path, flows: Path, hands: queue.Queue[Hand]
) -> None:
    phone = "13905710002"  # 陈雨桐's, typed by the person
    run = Run(cohort, drifted, flows, "陈雨桐")
    desk = run.desk()
    answered: set[int] = set()
    while run.thread.is_alive():
        try:
            hand = hands.get(timeout=1)
        except queue.Empty:
            continue
        (task,) = [t for t in _wait_tasks(run, desk, 1) if t["id"] not in answered]
        assert "fill 手机号码 with 139****0002 (the candidate's candidate.phone)" in task["detail"], task
        assert phone not in json.dumps(task)

        async def fill(page: AsyncPage) -> None:
            label = page.locator("td.tit, .form-lbl").filter(has_text="联系电话")  # either form's markup
            box = label.locator("xpath=following-sibling::*[1]").locator("input")
            await box.fill(phone)
            await box.press("Tab")  # as a person leaves the field

        _in_page(hand, fill)
        _answer(desk, task["id"], done=True)
        answered.add(task["id"])
    result = run.finish()
    assert answered, run.out.getvalue()

    # the preview is still read back and compared: it shows 联系电话, not 手机号码, so nothing is sent
    (outcome,) = result.outcomes
    assert outcome.outcome.value == "preview mismatch", outcome.message
    assert all(a["state"] != "待审核" for a in _by_name(drifted).get("陈雨桐", []))

    patch = result.suggested_patch
    assert patch is not None
    text = patch.read_text(encoding="utf-8")
    assert '+  - {label: 联系电话, value: "${candidate.phone}"}' in text, text
    # what the person typed is nowhere: not in the patch, the ledger or what the report says of it
    ledger = Settings().ledger_path
    wal = ledger.with_name(ledger.name + "-wal")
    for where in (patch, ledger, wal):
        raw = where.read_bytes() if where.exists() else b""
        assert phone.encode() not in raw and b"139 0571 0002" not in raw, where
    assert outcome.by_hand and phone not in " ".join(outcome.by_hand) and phone not in outcome.detail
    assert phone not in result.report_html.read_text(encoding="utf-8")
    assert any(r["outcome"] == "by hand" and "联系电话" in r["message"] for r in _ledger_steps())


class Keyboard:
    """The terminal's input as ``input()`` reads it: says when the program starts reading (its
    question is on screen by then), and gives it what the person types."""

    def __init__(self) -> None:
        self.reading = threading.Event()
        self.lines: queue.Queue[str] = queue.Queue()

    def readline(self) -> str:
        self.reading.set()
        return self.lines.get(timeout=600)


@pytest.mark.parametrize("drifted", [{"马上报名": "立即报名"}], indirect=True)
def test_in_the_terminal_the_person_presses_enter_after_doing_the_step(
    drifted: RunningPortal,
    cohort: Path,
    flows: Path,
    hands: queue.Queue[Hand],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without --desk the terminal asks: the question says what to do, Enter resumes the walk.

    The CLI's own question (``_done_in_terminal``, behind the live table's pause) reads the
    terminal; the test is the person: it clicks in the window, then presses Enter on stdin.
    """
    keyboard = Keyboard()
    monkeypatch.setattr(sys, "stdin", keyboard)
    run = Run(cohort, drifted, flows, "陈雨桐", ask_done=Progress().asking(_done_in_terminal))
    hand = hands.get(timeout=500)
    assert keyboard.reading.wait(120), run.out.getvalue()  # the question is on screen, waiting
    asked = capsys.readouterr().out
    assert "Press Enter when it is done" in asked, asked
    assert "陈雨桐: the site differs from the flows at" in asked, asked
    assert "register.yaml:17: click 马上报名" in asked, asked
    _in_page(hand, lambda page: page.get_by_text("立即报名", exact=True).click())
    keyboard.lines.put("\n")  # Enter
    result = run.finish()

    (outcome,) = result.outcomes
    assert outcome.outcome.value == "submitted", outcome.message
    assert [a["state"] for a in _by_name(drifted)["陈雨桐"]] == ["待审核"]
    assert result.suggested_patch is not None
    assert "+  - click: {text: 立即报名, submit: true}" in result.suggested_patch.read_text(encoding="utf-8")
