"""A person takes over a step the site no longer matches (``register --headed``), for one run.

When a step's text or label is not on the page, the candidate's browser window stays on that page;
the terminal (or, with ``--desk``, the desk page) says what the step wanted, with the value masked
("fill 手机号码 with 138****0000 (the candidate's candidate.phone)"). The person does it in the
window and confirms (Enter, or 已完成 on the desk); the flow goes on at the next step, and every
later check (the preview read back, the approval of 提交) still applies. Declining, or no answer
within ``--human-timeout``, leaves the candidate a site mismatch, as without a person.

The value is never shown unmasked, not even in the browser window: anything put into the site's
page can be read by the site's scripts and lands in the run's trace. The person types it from the
candidate's own record (the message names the profile field).

What the person clicked or changed (:class:`~portal_bot.flows.takeover.Capture`: texts and labels,
never values) becomes an edit of the step's line, collected for the whole run in
``RUN/suggested-flows.patch`` (a unified diff: ``git apply`` it in the folder that holds the flows
folder). The ledger records the step as done by hand (a ``steps`` row with outcome ``by hand``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger
from rich.console import Console

from portal_bot.cohortrun.relay import HumanTask, Relay
from portal_bot.console import plain
from portal_bot.errors import FlowError, StateError
from portal_bot.fileio import atomic_write_text
from portal_bot.flows.patch import Edit, unified_patch
from portal_bot.flows.takeover import Capture, HandOver, Takeover
from portal_bot.i18n import N_, _
from portal_bot.ledger import Ledger
from portal_bot.privacy import mask_text
from portal_bot.register.progress import Progress

if TYPE_CHECKING:
    from portal_bot.register.walk import Job

#: The patch's name in the run folder.
PATCH_NAME = "suggested-flows.patch"
#: The ledger's outcome for a step a person did.
BY_HAND = "by hand"

#: A blocking question: True once the person says the step is done, False when they give up.
AskDone = Callable[[str], bool]


class Takeovers:
    """Hands site-mismatched steps to a person during one run and collects the flow edits.

    Args:
        relay: tells the terminal and the desk page, and takes the desk's answer.
        ledger, run_id: where the step is recorded as done by hand.
        run_dir: the run folder (the patch goes there).
        flows_root: the folder holding the flows folder (the patch's paths are relative to it).
        console: where the patch's path is said.
        ask: the terminal's question (None: the desk page answers).
        timeout: seconds a person has per step.
    """

    def __init__(
        self,
        relay: Relay,
        ledger: Ledger,
        run_id: int,
        run_dir: Path,
        flows_root: Path,
        *,
        console: Console,
        progress: Progress,
        ask: AskDone | None,
        timeout: float,
    ) -> None:
        self.relay, self.ledger, self.run_id = relay, ledger, run_id
        self.patch = run_dir / PATCH_NAME
        self.flows_root = flows_root
        self.console, self.progress, self.ask, self.timeout = console, progress, ask, timeout
        self.edits: list[Edit] = []
        self.written = False

    def for_job(self, job: Job) -> Takeover:
        """The runner's takeover handler for one candidate."""

        async def take(hand: HandOver) -> bool:
            return await self._take(job, hand)

        return take

    async def _take(self, job: Job, hand: HandOver) -> bool:
        wanted = mask_text(hand.wanted())
        task = HumanTask(job.candidate.name, "takeover", detail=f"{hand.where}: {wanted}")
        task.check = _("the site differs from the flows: do this in the candidate's browser window")
        self.progress.set(job.row, "waiting", "by hand", wanted)
        capture = Capture(hand.page)
        await capture.start()
        try:
            try:
                await hand.page.bring_to_front()
            except Exception as exc:  # a headless page has no window to raise
                logger.debug("cannot raise the window: {}", exc)
            done = await self.relay.confirm(
                task, ask=self._asker(), timeout=self.timeout, question=_question(task)
            )
        finally:
            records = await capture.stop()
        if not done:
            self.progress.set(job.row, "working", None, "not done by hand")
            return False
        edit = hand.edit(records)
        has = N_(" → the site has '{}'")
        note = f"{hand.where} {wanted}" + (_(has).format(edit.new) if edit else "")
        job.outcome.by_hand.append(note)
        english = f"{hand.where} {hand.wanted(english=True)}" + (has.format(edit.new) if edit else "")
        try:
            self.ledger.record_step(  # the ledger's words are English
                self.run_id, job.ledger_id, hand.flow, hand.index, BY_HAND, message=mask_text(english)
            )
        except StateError as exc:  # the ledger is busy: the walk goes on, the report still says it
            logger.warning("the takeover of {} is not in the ledger: {}", hand.where, exc)
        if edit is not None:
            self._add(edit)
        self.progress.set(job.row, "working", None, "done by hand")
        return True

    def _asker(self) -> Callable[[str], Awaitable[bool]] | None:
        question = self.ask
        if question is None:
            return None

        async def ask(text: str) -> bool:
            return await asyncio.to_thread(question, text)

        return ask

    def _add(self, edit: Edit) -> None:
        """Add an edit (the first person's answer for a line wins) and write the patch again."""
        if any((e.path, e.line, e.old) == (edit.path, edit.line, edit.old) for e in self.edits):
            return
        try:
            text = unified_patch([*self.edits, edit], self.flows_root)
        except FlowError as exc:  # the flow file changed during the run: no guess
            where = f"{edit.path.name}:{edit.line}"
            self.console.print(plain(_("no flow patch for {}: {}").format(where, exc.message)))
            return
        self.edits.append(edit)
        atomic_write_text(self.patch, text)
        if not self.written:
            self.written = True
            self.console.print(plain(_("suggested flow patch: {}").format(self.patch)))


def _question(task: HumanTask) -> str:
    return _(
        "{candidate}: the site differs from the flows at {step}.\n"
        "Do it yourself in the candidate's browser window (type the real value from the profile)."
    ).format(candidate=task.candidate, step=task.detail)
