"""``portal-bot prepare COHORT_DIR``: every candidate's photo and PDFs, a manifest and a contact sheet.

Presentation only: the work is ``run.prepare_cohort``. ID numbers are masked in the table and the
JSON. Exit 1 when any candidate failed (bad profile or a file that cannot be fixed), 0 otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from portal_bot.console import make_console
from portal_bot.i18n import N_, _, ngettext

#: The output kinds as the table names them (manifest keys stay English).
_KIND_WORDS = (N_("materials"), N_("evidence"))


def prepare(
    cohort_dir: Path = typer.Argument(
        ..., help=N_("The cohort folder (cohort.yaml plus one YAML per candidate).")
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help=N_("Where to write (default: COHORT_DIR/prepared).")
    ),
    jobs: int = typer.Option(
        0,
        "--jobs",
        "-j",
        help=N_("Worker processes (0: one per core when 8+ candidates need work; 1: none)."),
    ),
    force: bool = typer.Option(False, "--force", help=N_("Redo every candidate, even unchanged ones.")),
    max_bytes: int = typer.Option(
        19_000_000, "--max-bytes", help=N_("Size budget of each PDF in bytes (the site's limit is 20 MB).")
    ),
    id_pair: bool | None = typer.Option(
        None,
        "--id-pair/--no-id-pair",
        help=N_("Put the first two materials on one page (default: when named front/back, 正面/反面)."),
        show_default=False,
    ),
    keep_background: bool = typer.Option(
        False, "--keep-background", help=N_("Do not replace a photo's background that is not white.")
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print the manifest as JSON on stdout.")),
) -> None:
    """Fix every candidate's photo and bundle their PDFs into prepared/, with manifest.json and
    contact-sheet.html. Unchanged candidates (same input hashes, options, code) are not redone."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from portal_bot.prepare.run import CONTACT_SHEET_NAME, prepare_cohort
    from portal_bot.profiles import load_cohort

    total = len(load_cohort(cohort_dir).candidate_files)
    console = make_console(stderr=True)
    bar = Progress(
        TextColumn(escape(_("preparing"))),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    with bar:
        task = bar.add_task("", total=total)
        manifest = prepare_cohort(
            cohort_dir,
            out=out,
            jobs=jobs,
            force=force,
            max_bytes=max_bytes,
            keep_background=keep_background,
            id_pair=id_pair,
            progress=lambda line: bar.update(task, advance=1, description=escape(line)),
        )
    sheet = manifest.path.parent / CONTACT_SHEET_NAME
    code = 0 if manifest.ok else 1
    if as_json:
        payload = {
            "manifest": manifest.path.as_posix(),
            "contact_sheet": sheet.as_posix(),
            "redone": manifest.redone,
            **json.loads(manifest.to_json()),
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        raise typer.Exit(code)
    table = Table(title=escape(_("prepared {}").format(cohort_dir)), title_justify="left")
    for column in (_("file"), _("name"), _("ID number"), _("photo"), _("PDFs"), _("result")):
        table.add_column(column, overflow="fold")
    redone = set(manifest.redone)
    for entry in manifest.candidates:
        photo = entry.outputs.get("photo")
        photo_text = f"{photo.width}×{photo.height}, {photo.bytes / 1024:,.0f} KB" if photo else "–"
        pdfs = [
            _("{kind} {pages} p, {kb:,.0f} KB").format(
                kind=_(kind), pages=output.pages, kb=output.bytes / 1024
            )
            for kind, output in entry.outputs.items()
            if kind != "photo"
        ]
        if not entry.ok:
            n = len(entry.problems)
            status = "[red]✗ {}[/]".format(ngettext("{n} problem", "{n} problems", n).format(n=n))
        else:
            made = _("made") if entry.file in redone else _("unchanged")
            status = f"[green]✓ {made}[/]"
            if photo is not None and photo.review:
                status += " [bold yellow]{}[/]".format(_("look at the photo"))
            elif entry.warnings:
                n = len(entry.warnings)
                status += " [yellow]{}[/]".format(ngettext("{n} warning", "{n} warnings", n).format(n=n))
        cells = (entry.file, entry.name, entry.id_masked or "–", photo_text, "\n".join(pdfs) or "–")
        table.add_row(*(escape(c) for c in cells), status)
    out_console = make_console()
    out_console.print(table)
    for entry in manifest.candidates:
        for text in entry.problems:
            out_console.print(f"[red]{_('error')}[/]   {escape(entry.file)}: {escape(text)}", soft_wrap=True)
        review = entry.outputs["photo"].review if "photo" in entry.outputs else []
        for text in entry.warnings:
            label = (
                "[bold yellow]{}[/]".format(_("look at it"))
                if text.split(": ", 1)[-1] in review
                else "[yellow]{}[/]".format(_("warning"))
            )
            out_console.print(f"{label} {escape(entry.file)}: {escape(text)}", soft_wrap=True)
    failed = sum(not e.ok for e in manifest.candidates)
    unchanged = sum(e.ok and e.file not in redone for e in manifest.candidates)
    total = len(manifest.candidates)
    summary = ngettext(
        "{n} candidate: {ready} ready ({unchanged} unchanged), {failed} failed",
        "{n} candidates: {ready} ready ({unchanged} unchanged), {failed} failed",
        total,
    ).format(n=total, ready=total - failed, unchanged=unchanged, failed=failed)
    out_console.print(f"[{'red' if failed else 'green'}]{escape(summary)}[/]", soft_wrap=True)
    out_console.print(escape(_("manifest: {}").format(manifest.path)), soft_wrap=True)
    out_console.print(escape(_("contact sheet: {}").format(sheet)), soft_wrap=True)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("prepare")(prepare)
