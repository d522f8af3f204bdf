"""``portal-bot validate`` and ``portal-bot profiles import``: the profile commands.

Presentation only: loading and rules live in loader/rules/validate, reading rosters in roster.
ID numbers and phone numbers are masked in every table and message (unless PORTAL_BOT_UNMASK is set,
which only affects the console table); the JSON output never carries them unmasked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from portal_bot.console import make_console
from portal_bot.i18n import N_, _, ngettext
from portal_bot.privacy import mask_id, mask_phone, mask_text
from portal_bot.settings import Settings

profiles_app = typer.Typer(
    help=N_("Candidate profiles: import a roster spreadsheet into a cohort folder."), no_args_is_help=True
)


def _unmask(ctx: typer.Context) -> bool:
    return isinstance(ctx.obj, Settings) and ctx.obj.unmask


def _relative(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def validate(
    ctx: typer.Context,
    cohort_dir: Path = typer.Argument(
        ..., help=N_("The cohort folder (cohort.yaml plus one YAML file per candidate).")
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print the results as JSON on stdout.")),
) -> None:
    """Check every candidate of a cohort; exit 1 if any candidate has an error."""
    from portal_bot.profiles.validate import validate_cohort

    results = validate_cohort(cohort_dir)
    base = cohort_dir.absolute()
    failed = sum(not r.ok for r in results)
    if as_json:
        payload: dict[str, Any] = {
            "candidates": [
                {
                    "file": _relative(r.file, base),
                    "name": r.name,
                    "ok": r.ok,
                    "problems": [
                        {"field": p.field, "severity": p.severity, "message": mask_text(p.message)}
                        for p in r.problems
                    ],
                }
                for r in results
            ]
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        raise typer.Exit(1 if failed else 0)

    unmask = _unmask(ctx)
    console = make_console()
    table = Table(title=escape(_("cohort {}").format(cohort_dir)), title_justify="left")
    for column in (_("file"), _("name"), _("ID number"), _("phone"), _("result")):
        table.add_column(column, overflow="fold")
    for r in results:
        c = r.candidate
        id_text = (c.id_number if unmask else mask_id(c.id_number)) if c else "–"
        phone_text = (c.phone if unmask else mask_phone(c.phone)) if c else "–"
        if not r.ok:
            n = len(r.errors)
            status = "[red]✗ {}[/]".format(ngettext("{n} error", "{n} errors", n).format(n=n))
        elif r.warnings:
            n = len(r.warnings)
            status = "[yellow]✓ {}[/]".format(ngettext("{n} warning", "{n} warnings", n).format(n=n))
        else:
            status = "[green]✓ {}[/]".format(_("ok"))
        table.add_row(escape(_relative(r.file, base)), escape(r.name), id_text, phone_text, status)
    console.print(table)
    for r in results:
        for p in r.problems:
            mark = (
                "[red]{}[/]  ".format(_("error"))
                if p.severity == "error"
                else "[yellow]{}[/]".format(_("warning"))
            )
            field = _("file") if p.field == "file" else p.field  # the others are the YAML's own keys
            text = escape(f"{field}: {mask_text(p.message)}")
            console.print(f"{mark} {text}", highlight=False, soft_wrap=True)
    total = len(results)
    summary = ngettext(
        "{n} candidate: {ok} ok, {failed} with errors", "{n} candidates: {ok} ok, {failed} with errors", total
    ).format(n=total, ok=total - failed, failed=failed)
    console.print(f"[{'red' if failed else 'green'}]{summary}[/]")
    raise typer.Exit(1 if failed else 0)


@profiles_app.command("import")
def import_command(
    roster: Path = typer.Argument(
        ..., help=N_("The roster: .xlsx, or .csv (UTF-8 with or without BOM, or GBK).")
    ),
    cohort: Path = typer.Option(
        ..., "--cohort", help=N_("A cohort.yaml with the plan and the shared defaults.")
    ),
    out: Path = typer.Option(..., "--out", help=N_("The cohort folder to create.")),
    force: bool = typer.Option(False, "--force", help=N_("Replace the YAML files of an existing folder.")),
) -> None:
    """Import a roster spreadsheet into a cohort folder (cohort.yaml + one YAML file per row)."""
    from portal_bot.profiles.roster import import_roster

    report = import_roster(roster, cohort, out, force=force)
    console = make_console(stderr=True)
    for issue in report.issues:
        color = "red" if issue.severity == "error" else "yellow"
        text = escape(f"{roster.name} {mask_text(str(issue))}")
        console.print(f"[{color}]{_(issue.severity)}[/] {text}", highlight=False, soft_wrap=True)
    if not report.ok:
        errors = sum(i.severity == "error" for i in report.issues)
        console.print(
            "[red]{}[/]".format(
                escape(
                    ngettext(
                        "{n} problem in {file}; nothing was written. Fix the roster and rerun.",
                        "{n} problems in {file}; nothing was written. Fix the roster and rerun.",
                        errors,
                    ).format(n=errors, file=roster.name)
                )
            ),
            soft_wrap=True,
        )
        raise typer.Exit(1)
    out_console = make_console()
    out_console.print(
        escape(
            ngettext(
                "wrote cohort.yaml and {n} candidate file to {out}",
                "wrote cohort.yaml and {n} candidate files to {out}",
                len(report.written) - 1,
            ).format(n=len(report.written) - 1, out=out)
        ),
        highlight=False,
        soft_wrap=True,
    )
    out_console.print(escape(_("next: portal-bot validate {}").format(out)), highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
    app.add_typer(profiles_app, name="profiles")
