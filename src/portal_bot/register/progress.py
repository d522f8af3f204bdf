"""The live progress table of a registration run: candidate, step, state, elapsed."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from portal_bot.console import plain
from portal_bot.flows.runner import StepEvent
from portal_bot.i18n import N_, _

_STYLE = {"working": "cyan", "waiting": "yellow", "done": "green", "failed": "red", "queued": "dim"}

#: The words a row's step, state and note take (set in English by the run, shown translated);
#: a flow's step descriptions are shown as the runner says them (``StepEvent.said``).
_WORDS = (
    *(N_("working"), N_("waiting"), N_("done"), N_("failed"), N_("queued")),
    *(N_("ledger"), N_("session"), N_("login"), N_("resubmit"), N_("preview check"), N_("preview")),
    *(N_("confirm"), N_("submit"), N_("submitted"), N_("resubmitted"), N_("list"), N_("validate")),
    *(N_("prepare"), N_("earlier run"), N_("site unreachable"), N_("mismatch"), N_("not confirmed")),
    *(N_("profile has errors"), N_("documents"), N_("open-plan"), N_("register")),
    *(N_("by hand"), N_("done by hand"), N_("not done by hand")),
)


def shown(word: str) -> str:
    """A progress word in the current language (a word without a translation as it is)."""
    return _(word) if word else word


@dataclass
class Row:
    name: str
    step: str = ""
    state: str = "queued"
    started: float | None = None
    finished: float | None = None
    note: str = ""

    @property
    def elapsed(self) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or time.monotonic()) - self.started


@dataclass
class Progress:
    """One row per candidate, updated by the orchestrator and by flow step events.

    Shown live on ``console`` while candidates are walked (:meth:`showing`) when the caller gives
    one; without, the rows are only kept (for the desk page, or a program reading them).
    """

    console: Console | None = None
    rows: list[Row] = field(default_factory=list)
    _live: Live | None = None

    def add(self, name: str) -> Row:
        row = Row(name)
        self.rows.append(row)
        return row

    def start(self, row: Row, step: str) -> None:
        if row.started is None:
            row.started = time.monotonic()
        row.state, row.step = "working", step

    def set(self, row: Row, state: str, step: str | None = None, note: str = "") -> None:
        row.state = state
        if step is not None:
            row.step = step
        row.note = note
        if state in ("done", "failed"):
            row.finished = time.monotonic()
        self.refresh()

    def observer(self, row: Row) -> StepObserver:
        return StepObserver(self, row)

    def table(self) -> Table:
        table = Table(expand=False)
        for column in (_("candidate"), _("step"), _("state"), _("elapsed"), ""):
            table.add_column(column)
        for r in self.rows:
            style = _STYLE.get(r.state, "")
            table.add_row(
                plain(r.name),
                plain(shown(r.step)),
                Text(shown(r.state), style=style),
                _("{:.0f}s").format(r.elapsed),
                plain(shown(r.note)),
            )
        return table

    def desk_rows(self) -> list[dict[str, str]]:
        return [
            {
                "candidate": r.name,
                "step": shown(r.step),
                "state": shown(r.state),
                "elapsed": _("{:.0f}s").format(r.elapsed),
            }
            for r in self.rows
        ]

    def showing(self) -> AbstractContextManager[object]:
        """While inside, the table is redrawn on the console as rows change (no-op without one)."""
        if self.console is None:
            return nullcontext()
        self._live = Live(self.table(), console=self.console, refresh_per_second=4, transient=False)
        return self._live

    def asking(self, ask: Callable[[str], bool]) -> Callable[[str], bool]:
        """``ask``, with the live table stopped while the person reads and answers.

        The table redraws several times a second; left running it overwrites the question and
        stacks borders on the answer line. It is drawn again, as it is then, once answered.
        """

        def paused(question: str) -> bool:
            live = self._live
            if live is None or not live.is_started:
                return ask(question)
            live.transient = True  # stop() then erases the table instead of leaving a copy behind
            live.stop()
            live.transient = False
            try:
                return ask(question)
            finally:
                live.update(self.table())
                live.start()

        return paused

    def refresh(self) -> None:
        if self._live is not None:
            self._live.update(self.table())


class StepObserver:
    """A flow-runner observer that shows the current step in the candidate's row."""

    def __init__(self, progress: Progress, row: Row) -> None:
        self.progress = progress
        self.row = row

    def __call__(self, event: StepEvent) -> None:
        if event.status == "started":
            self.row.step = f"{shown(event.flow)} · {event.said or event.description}"[:60]
            self.progress.refresh()
