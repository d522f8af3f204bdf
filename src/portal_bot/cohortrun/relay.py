"""Relaying human steps (login QR, signature QR, final confirmation) to wherever the person is.

A registration run waits on people: a student scans a login QR with 浙里办, signs the pledge on the
phone, and the coordinator approves the final 提交. The relay tells them, in the terminal (a QR
drawn with text blocks that a phone can scan) and on the local desk page (see ``desk.py``), and
collects confirmations. It never decides anything for a person.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import segno
from rich.console import Console

from portal_bot.console import markup
from portal_bot.i18n import N_, _

HumanKind = Literal["login", "signature", "confirm", "takeover"]

KIND_TEXT: dict[str, str] = {  # marked for the catalog; shown through _()
    "login": N_("log in (scan with 浙里办)"),
    "signature": N_("sign the pledge (scan with WeChat)"),
    "confirm": N_("approve the final 提交"),
    "takeover": N_("do a step by hand in the browser"),
}

_ids = itertools.count(1)


@dataclass
class HumanTask:
    """One thing a person must do now."""

    candidate: str  # display name, never an ID number
    kind: HumanKind
    qr_url: str | None = None
    detail: str = ""
    id: int = field(default_factory=lambda: next(_ids))
    started: float = field(default_factory=time.time)
    decision: asyncio.Future[bool] | None = None  # only for "confirm" and "takeover"
    # a confirmation shows what is approved: image files ("preview", "photo") and the read-back check
    evidence: dict[str, Path] = field(default_factory=dict)
    check: str = ""

    def describe(self) -> str:
        return f"{self.candidate}: {_(KIND_TEXT[self.kind])}"


def qr_text(url: str) -> str:
    """A QR code drawn with half-block characters, scannable from a terminal."""
    buffer = io.StringIO()
    segno.make(url, error="m").terminal(out=buffer, compact=True)
    return buffer.getvalue()


def qr_svg(url: str, scale: int = 4) -> str:
    """An inline SVG QR code for the desk page."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True)
    return buffer.getvalue().decode("utf-8")


Listener = Callable[[HumanTask, bool], None]


class Relay:
    """Keeps the list of open human tasks and tells every listener when one opens or closes."""

    def __init__(self, console: Console | None = None, *, terminal_qr: bool = True) -> None:
        self.console = console
        self.terminal_qr = terminal_qr
        self.open: dict[int, HumanTask] = {}
        self._listeners: list[Listener] = []
        self._prompt_lock = asyncio.Lock()

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def announce(self, task: HumanTask) -> None:
        """A person is needed: show it in the terminal and on the desk page."""
        self.open[task.id] = task
        if self.console is not None:
            self.console.print(
                markup(_("[bold yellow]waiting:[/] {}"), f"{task.describe()} {task.detail}".rstrip())
            )
            if task.qr_url and self.terminal_qr:
                self.console.print(qr_text(task.qr_url), markup=False, highlight=False)
                self.console.print(_("  or open: {}").format(task.qr_url), markup=False, highlight=False)
        for listener in self._listeners:
            listener(task, True)

    def close(self, task: HumanTask) -> None:
        self.open.pop(task.id, None)
        for listener in self._listeners:
            listener(task, False)

    def decide(self, task_id: int, approve: bool) -> bool:
        """A decision from the desk page; False when there is no such open confirmation."""
        task = self.open.get(task_id)
        if task is None or task.decision is None or task.decision.done():
            return False
        task.decision.set_result(approve)
        return True

    async def confirm(
        self,
        task: HumanTask,
        *,
        ask: Callable[[str], Awaitable[bool]] | None = None,
        timeout: float | None = None,
        question: str | None = None,
    ) -> bool:
        """Ask a person to approve one submission (or, with ``question``, to say a step is done).

        With ``ask`` (the terminal), prompts come one at a time so concurrent candidates never
        interleave; without it the answer comes from the desk page through :meth:`decide`.
        A timeout counts as "no".
        """
        if ask is not None:
            async with self._prompt_lock:
                self.announce(task)
                try:
                    text = question or (
                        _("Submit the application of {}? {}").format(task.candidate, task.detail).rstrip()
                    )
                    return await asyncio.wait_for(ask(text), timeout)
                except TimeoutError:
                    return False
                finally:
                    self.close(task)
        task.decision = asyncio.get_running_loop().create_future()
        self.announce(task)
        try:
            return await asyncio.wait_for(asyncio.shield(task.decision), timeout)
        except TimeoutError:
            return False
        finally:
            self.close(task)
