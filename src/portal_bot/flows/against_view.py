"""How ``flows check --against`` shows its answer: the rich table and the patch summary (no logic)."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
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
#: Wider than any terminal: the width a table needs when nothing has to wrap.
_UNBOUNDED = 10_000


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
        natural = self.build()
        # measured unbounded: a table measured at the terminal's width says it fits by wrapping
        wide = Measurement.get(console, options.update_width(_UNBOUNDED), natural).maximum
        yield natural if wide <= options.max_width else self.build(width=options.max_width)

    def build(self, *, width: int | None = None) -> Table:
        """The table; with ``width``, laid out for it: action and status at their width, the step at
        its longest ``file:line`` (:meth:`_step_width`), target and page sharing the rest 4:3."""
        report, folder = self.report, _folder(self.report, self.base)
        caption = ngettext(
            "{n} step: {missing} missing, {unrecorded} not recorded",
            "{n} steps: {missing} missing, {unrecorded} not recorded",
            len(report.steps),
        ).format(n=len(report.steps), missing=report.missing, unrecorded=report.unrecorded)
        t = Table(
            expand=width is not None,  # the ratios apply to an expanded table only
            title=_("flows against {}").format(report.root),
            caption=caption + (_("; steps in {}").format(folder) if folder else ""),
        )
        wheres = [
            f"{display(r.target.where.path, self.base).removeprefix(folder)}:{r.target.where.line}"
            for r in report.steps
        ]
        statuses = [_(_STATUS[r.status]) for r in report.steps]
        step_width = None if width is None else self._step_width(width, wheres, statuses)
        t.add_column(_("step"), overflow="fold", width=step_width)
        t.add_column(_("action"), no_wrap=True)
        t.add_column(_("target (→ suggestion)"), overflow="fold", ratio=4 if width else None)
        t.add_column(_("page"), overflow="fold", ratio=3 if width else None)
        t.add_column(_("status"), no_wrap=True)
        for r, where, status in zip(report.steps, wheres, statuses, strict=True):
            target = Text(r.target.text)
            for text, _score, why in r.suggestions:
                target.append(f"\n→ {text} ({say_why(why)})", style="cyan")
            t.add_row(
                _step(where, step_width),
                Text(r.target.action),
                target,
                Text(_page(r)),
                Text(status, style=_STYLE[r.status]),
            )
        return t

    def _step_width(self, width: int, wheres: list[str], statuses: list[str]) -> int:
        """The step column's width: its longest ``file:line``, so that no reference breaks inside
        (failing that, the longest part after a ``/``: the folder goes on a line of its own), but
        at most half of what the action, the status and the borders leave, so that one long file
        name cannot squeeze the target column (that name folds instead)."""
        fixed = [
            max(map(cell_len, [_("action"), *(r.target.action for r in self.report.steps)])),
            max(map(cell_len, [_("status"), *statuses])),
        ]
        rest = width - 6 - sum(w + 2 for w in fixed)  # 6: the borders of five columns
        share = rest // 2 - 2  # a column's padding is 2
        whole = max(map(cell_len, wheres), default=1)
        token = max((cell_len(w.rpartition("/")[2]) for w in wheres), default=1)
        return max(cell_len(_("step")), whole if whole <= share else min(token, share), 1)


def _step(where: str, width: int | None) -> Text:
    """A step's ``file:line``: whole, or its folder on a line above it when the whole is wider than
    the column (a word wraps only at spaces, so the break after the ``/`` is written here)."""
    folder, _slash, name = where.rpartition("/")
    if width is None or not folder or cell_len(where) <= width:
        return Text(where)
    return Text(f"{folder}/\n{name}")


def table(report: AgainstReport, base: Path) -> _Fitted:
    """One row per checked step: where, what (with the suggestions under it), on which recorded
    page, status.

    Readable at 80 columns: the action and the status never wrap; the suggestions go under the
    target rather than in a column of their own (a sixth column left the target no room); the
    step's file is written from the flows' folder (named once, in the caption). When the table is
    wider than the terminal, a step's ``file:line`` still never breaks inside (its sub-folder goes
    on a line above it instead; only a name longer than half the room left folds), and the target
    and the page's path share the rest 4:3 (the target kept as wide as the former 4:4:2 layout
    gave it at 80 columns in Chinese). Keeping the whole step column ``no_wrap`` was tried: one
    long ``fields/…`` name then took the target's room.
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
