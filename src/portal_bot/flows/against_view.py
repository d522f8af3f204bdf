"""How ``flows check --against`` shows its answer: the rich table and the patch summary (no logic)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from portal_bot.flows.against import AgainstReport, StepResult, display
from portal_bot.flows.mismatch import say_why
from portal_bot.flows.patch import Edit
from portal_bot.i18n import N_, _, ngettext

_STYLE = {"resolved": "green", "missing": "bold red", "not recorded": "yellow"}
#: A step's status as shown; ``--json`` keeps the values themselves.
_STATUS = {"resolved": N_("resolved"), "missing": N_("missing"), "not recorded": N_("not recorded")}


def _page(r: StepResult) -> str:
    if r.page is None:
        return "—"
    return f"#{r.page.n} {r.page.path}"


def _folder(report: AgainstReport, base: Path) -> str:
    """The folder every step's file is in (``flows/``), said once in the caption, not on each row."""
    folders = {display(r.target.where.path, base).rpartition("/")[0] for r in report.steps}
    if not folders or "" in folders:
        return ""
    common = min(folders, key=len)
    ok = all(f == common or f.startswith(common + "/") for f in folders)
    return common + "/" if ok else ""


class _Fitted:
    """The steps table laid out for the width it is printed at (see :func:`table`)."""

    def __init__(self, report: AgainstReport, base: Path) -> None:
        self.report, self.base = report, base

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        natural = self.build(narrow=False)
        fits = Measurement.get(console, options, natural).maximum <= options.max_width
        yield natural if fits else self.build(narrow=True)

    def build(self, *, narrow: bool) -> Table:
        """The table; ``narrow``: action and status at their width, the rest shared 4:4:2."""
        report, folder = self.report, _folder(self.report, self.base)
        caption = ngettext(
            "{n} step: {missing} missing, {unrecorded} not recorded",
            "{n} steps: {missing} missing, {unrecorded} not recorded",
            len(report.steps),
        ).format(n=len(report.steps), missing=report.missing, unrecorded=report.unrecorded)
        t = Table(
            expand=narrow,  # the ratios apply to an expanded table only
            title=_("flows against {}").format(report.root),
            caption=caption + (_("; steps in {}").format(folder) if folder else ""),
        )
        t.add_column(_("step"), overflow="fold", ratio=4 if narrow else None)
        t.add_column(_("action"), no_wrap=True)
        t.add_column(_("target (→ suggestion)"), overflow="fold", ratio=4 if narrow else None)
        t.add_column(_("page"), overflow="fold", ratio=2 if narrow else None)
        t.add_column(_("status"), no_wrap=True)
        for r in report.steps:
            where = f"{display(r.target.where.path, self.base).removeprefix(folder)}:{r.target.where.line}"
            target = Text(r.target.text)
            for text, _score, why in r.suggestions:
                target.append(f"\n→ {text} ({say_why(why)})", style="cyan")
            status = Text(_(_STATUS[r.status]), style=_STYLE[r.status])
            t.add_row(Text(where), Text(r.target.action), target, Text(_page(r)), status)
        return t


def table(report: AgainstReport, base: Path) -> _Fitted:
    """One row per checked step: where, what (with the suggestions under it), on which recorded
    page, status.

    Readable at 80 columns: the action and the status never wrap; the suggestions go under the
    target rather than in a column of their own (a sixth column left the target no room); the
    step's file is written from the flows' folder (named once, in the caption); when the table is
    wider than the terminal, the step and the target share what is left 4:4 with the page's path 2,
    which wraps first.
    """
    return _Fitted(report, base)


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
