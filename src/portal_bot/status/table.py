"""The console view of a status run: candidates grouped by what the coordinator must do, then changes.

Builds rich renderables from plain observations; the ``status`` command prints them (``--json``
prints :func:`~portal_bot.status.changes.status_document` instead). Every value is masked, and
rich markup in people's text is escaped: this module must never let a name style the console.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from portal_bot.i18n import N_, _, ngettext
from portal_bot.privacy import mask_text
from portal_bot.status.changes import Change, Observation, group_by_action


def _m(value: str | None) -> str:
    return escape(mask_text(value or ""))


_COLUMNS = (N_("name"), N_("state"), N_("reason / note"), N_("seen"))


def status_table(current: Iterable[Observation], *, title: str = "portal-bot status") -> Table:
    """One table, a section per action (most urgent first), a row per candidate."""
    table = Table(title=title, show_lines=False)
    for column in _COLUMNS:
        table.add_column(_(column))
    for action, members in group_by_action(current).items():
        style = "bold red" if action.needs_attention else "bold green"
        table.add_section()
        table.add_row(
            f"[{style}]{escape(action.shown)} ({len(members)})[/]",
            "",
            escape(action.shown_advice),
            "",
        )
        for obs in members:
            detail = "; ".join(x for x in (obs.reason, _(obs.note) if obs.note else None) if x)
            state = obs.state.shown
            if obs.state_text and obs.state_text != obs.state.label:
                state += f" ({obs.state_text})"
            table.add_row(_m(obs.name), _m(state), _m(detail), obs.observed_at.strftime("%m-%d %H:%M"))
    return table


def next_steps_view(current: Iterable[Observation], commands: Mapping[str, str]) -> RenderableType | None:
    """The commands that do the next steps, one per line (never wrapped: copy them), or None.

    A command shared by several candidates (``status --interactive``) is listed once with their names.
    """
    names: dict[str, list[str]] = {}
    for members in group_by_action(current).values():
        for obs in members:
            if obs.key in commands:
                names.setdefault(commands[obs.key], []).append(obs.name)
    if not names:
        return None
    lines = [Text(_("next steps:"), style="bold")]
    for command, who in names.items():
        line = Text("  ")
        line.append(mask_text(command), style="bold")
        line.append(f"   # {mask_text('、'.join(who))}", style="dim")
        lines.append(line)
    return Group(*lines)


def changes_view(changes: Sequence[Change]) -> RenderableType:
    """The list of changes since the last run, one masked line each."""
    if not changes:
        return Text(_("no changes since the last run"))
    heading = ngettext("{n} change since the last run:", "{n} changes since the last run:", len(changes))
    lines = [Text(heading.format(n=len(changes)), style="bold")]
    lines += [Text(f"  - {c.describe(shown=True)}") for c in changes]
    return Group(*lines)
