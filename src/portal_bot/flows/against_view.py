"""How ``flows check --against`` shows its answer: the rich table and the patch summary (no logic)."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text

from portal_bot.flows.against import AgainstReport, StepResult, display
from portal_bot.flows.patch import Edit
from portal_bot.i18n import N_, _, ngettext

_STYLE = {"resolved": "green", "missing": "bold red", "not recorded": "yellow"}
#: A step's status as shown; ``--json`` keeps the values themselves.
_STATUS = {"resolved": N_("resolved"), "missing": N_("missing"), "not recorded": N_("not recorded")}


def _page(r: StepResult) -> str:
    if r.page is None:
        return "—"
    return f"#{r.page.n} {r.page.path}"


def table(report: AgainstReport, base: Path) -> Table:
    """One row per checked step: where, what, on which recorded page, status, suggestions."""
    t = Table(
        title=_("flows against {}").format(report.root),
        caption=ngettext(
            "{n} step: {missing} missing, {unrecorded} not recorded",
            "{n} steps: {missing} missing, {unrecorded} not recorded",
            len(report.steps),
        ).format(n=len(report.steps), missing=report.missing, unrecorded=report.unrecorded),
    )
    for name in (_("step"), _("action")):
        t.add_column(name, no_wrap=True)
    t.add_column(_("target"), overflow="fold")
    for name in (_("page"), _("status")):
        t.add_column(name, no_wrap=True)
    t.add_column(_("suggestions"), overflow="fold")
    for r in report.steps:
        where = f"{display(r.target.where.path, base)}:{r.target.where.line}"
        hints = "\n".join(f"{text} ({why})" for text, _score, why in r.suggestions)
        t.add_row(
            Text(where),
            Text(r.target.action),
            Text(r.target.text),
            Text(_page(r)),
            Text(_(_STATUS[r.status]), style=_STYLE[r.status]),
            Text(hints),
        )
    return t


def patch_summary(patch: Path, edits: list[Edit], none: list[StepResult], base: Path, where: Path) -> str:
    """What ``--write-patch`` did: the file and how to apply it, and the missing steps it leaves."""
    lines = []
    if edits:
        apply = f"git apply {patch}" if where == base else f"cd {where} && git apply {patch.resolve()}"
        lines.append(
            ngettext(
                "wrote {patch}: {n} change; apply with: {apply}",
                "wrote {patch}: {n} changes; apply with: {apply}",
                len(edits),
            ).format(patch=patch, n=len(edits), apply=apply)
        )
    else:
        lines.append(_("wrote {} empty: no missing step has a suggestion").format(patch))
    for r in none:
        step = f"{display(r.target.where.path, base)}:{r.target.where.line}"
        lines.append(
            _("not in the patch (no suggestion, edit it by hand): {}").format(
                f"{step} {r.target.action} {r.target.text}"
            )
        )
    return "\n".join(lines)
