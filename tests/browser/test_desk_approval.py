"""The desk page's approve card, in Chromium: it shows what is approved and asks twice before 提交."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from portal_bot.browser import AsyncPage
from portal_bot.cohortrun.relay import HumanTask, Relay
from portal_bot.i18n import _
from portal_bot.register.desk import Desk, serve_desk
from tests.unit.register.test_desk_approval import _waiting_confirmation, run_loop

from .conftest import Aio

pytestmark = pytest.mark.browser
loop = pytest.fixture(run_loop, name="loop")


def test_approve_card_shows_the_evidence_and_asks_again_before_submitting(
    aio: Aio,
    apage: AsyncPage,
    loop: asyncio.AbstractEventLoop,
    tmp_path: Path,
) -> None:
    relay = Relay()
    desk = Desk(relay, loop)
    task, decision = _waiting_confirmation(loop, relay, tmp_path)

    async def approve(url: str) -> None:
        await apage.goto(url)
        card = apage.locator(f".task[data-id='{task.id}']")
        await card.wait_for()
        for image in ("img.preview", "img.photo"):
            await card.locator(image).wait_for()
            loaded = await card.locator(image).evaluate("i => i.complete && i.naturalWidth > 0")
            assert loaded, f"{image} did not load"
        assert await card.get_by_text("the preview shows the profile's values").is_visible()
        assert await card.get_by_text("plan 2024-S-000911").is_visible()

        await card.get_by_role("button", name=_("submit (提交)…")).click()
        await card.get_by_text("Submit 李华's application now?").wait_for()
        assert not decision.done(), "one click must not submit"
        await card.get_by_role("button", name=_("back")).click()  # changed their mind
        await card.get_by_role("button", name=_("submit (提交)…")).wait_for()
        assert not decision.done()

        await card.get_by_role("button", name=_("submit (提交)…")).click()
        await card.get_by_role("button", name=_("yes, submit (提交)")).click()
        await apage.get_by_text("Nobody is waiting.").wait_for()

    with serve_desk(desk) as url:
        aio.run(approve(url))
    assert decision.result(timeout=10) is True


@pytest.mark.parametrize(("button", "done"), [("done", True), ("give up", False)])
def test_takeover_card_says_what_the_step_wanted_and_answers_done_or_give_up(
    aio: Aio, apage: AsyncPage, loop: asyncio.AbstractEventLoop, button: str, done: bool
) -> None:
    relay = Relay()
    desk = Desk(relay, loop)
    task = HumanTask("陈雨桐", "takeover", detail="register.yaml:17: click 马上报名")
    task.check = "the site differs from the flows: do this in the candidate's browser window"
    decision = asyncio.run_coroutine_threadsafe(relay.confirm(task, timeout=60), loop)

    async def answer(url: str) -> None:
        await apage.goto(url)
        card = apage.locator(f".task[data-id='{task.id}']")
        await card.wait_for()
        assert await card.get_by_text("do a step by hand in the browser").is_visible()
        assert await card.get_by_text("register.yaml:17: click 马上报名").is_visible()
        await card.get_by_role("button", name=button).click()
        await apage.get_by_text("Nobody is waiting.").wait_for()

    with serve_desk(desk) as url:
        aio.run(answer(url))
    assert decision.result(timeout=10) is done
