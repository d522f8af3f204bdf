"""How ``flows check --against`` shows its answer: the rich table and the patch summary (no logic)."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text

from portal_bot.flows.against import AgainstReport, StepResult, display
from portal_bot.flows.patch import Edit

_STYLE = {"resolved": "green", "missing": "bold red", "not recorded": "yellow"}


def _page(r: StepResult) -> str:
    if r.page is None:
        return "—"
    return f"#{r.page.n} {r.page.path}"


def table(report: AgainstReport, base: Path) -> Table:
    """One row per checked step: where, what, on which recorded page, status, suggestions."""
    t = Table(
        title=f"flows against {report.root}",
        caption=f"{len(report.steps)} step(s): {report.missing} missing, {report.unrecorded} not recorded",
    )
    for name in ("step", "action"):
        t.add_column(name, no_wrap=True)
    t.add_column("target", overflow="fold")
    for name in ("page", "status"):
        t.add_column(name, no_wrap=True)
    t.add_column("suggestions", overflow="fold")
    for r in report.steps:
        where = f"{display(r.target.where.path, base)}:{r.target.where.line}"
        hints = "\n".join(f"{text} ({why})" for text, _, why in r.suggestions)
        t.add_row(
            Text(where),
            Text(r.target.action),
            Text(r.target.text),
            Text(_page(r)),
            Text(r.status, style=_STYLE[r.status]),
            Text(hints),
        )
    return t


def patch_summary(patch: Path, edits: list[Edit], none: list[StepResult], base: Path, where: Path) -> str:
    """What ``--write-patch`` did: the file and how to apply it, and the missing steps it leaves."""
    lines = []
    if edits:
        apply = f"git apply {patch}" if where == base else f"cd {where} && git apply {patch.resolve()}"
        lines.append(f"wrote {patch}: {len(edits)} change(s); apply with: {apply}")
    else:
        lines.append(f"wrote {patch} empty: no missing step has a suggestion")
    for r in none:
        step = f"{display(r.target.where.path, base)}:{r.target.where.line}"
        lines.append(
            f"not in the patch (no suggestion, edit it by hand): {step} {r.target.action} {r.target.text}"
        )
    return "\n".join(lines)
