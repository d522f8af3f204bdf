"""``portal-bot survey``: record the pages a person walks through (see :mod:`.survey`)."""

from __future__ import annotations

from pathlib import Path

import typer

from portal_bot.console import make_console, plain
from portal_bot.i18n import N_
from portal_bot.settings import Settings


def survey_command(
    ctx: typer.Context,
    portal: str | None = typer.Option(
        None,
        "--portal",
        help=N_("Where the browser starts (default: PORTAL_BOT_PORTAL_URL, else the real site)."),
    ),
    out: Path = typer.Option(
        ..., "--out", metavar="DIR", help=N_("A new (or empty) folder for the recording.")
    ),
    cohort: Path | None = typer.Option(
        None,
        "--cohort",
        metavar="DIR",
        help=N_("A cohort folder whose candidates' names and addresses are masked in every page too."),
    ),
    mask: list[str] = typer.Option(
        [],
        "--mask",
        metavar="TEXT",
        help=N_("Another text to mask in every page (your own name); repeatable."),
    ),
) -> None:
    """Open the portal in a browser window and save every page you reach, for a developer.

    Log in, search, open the wizard as usual: each page is saved into DIR once it has loaded
    (screenshot, the page without scripts, its fields and buttons; ID numbers, phone numbers and
    the names given by --cohort/--mask masked, pictures blacked out; no cookies or tokens). Close
    the browser or press Enter here to finish; DIR/index.html shows the pages. Check the flows
    against them offline with 'portal-bot flows check --against DIR'.
    """
    from portal_bot.cohortrun.launch import choose_browser
    from portal_bot.portal._sync import run_sync
    from portal_bot.recording.recorder import prepare_folder
    from portal_bot.recording.snapshot import personal_texts
    from portal_bot.recording.survey import run_survey

    settings: Settings = ctx.obj
    prepare_folder(out)  # a folder with files in it is refused before any window opens
    names = list(mask)
    if cohort is not None:
        from portal_bot.profiles import validate_cohort

        names += [t for r in validate_cohort(cohort) if r.candidate for t in personal_texts(r.candidate)]
    console = make_console()
    choice = choose_browser(settings)  # outside the event loop: see cohortrun.launch
    url = (portal or settings.portal_url).rstrip("/")
    console.print(plain(f"recording into {out}"))

    def say(line: str) -> None:
        console.print(plain(line))

    try:
        recorder = run_sync(lambda: run_survey(choice, url, out, names=names, say=say))
        pages = recorder.pages
    except KeyboardInterrupt:  # Ctrl-C ends a survey as Enter does: the folder is complete
        from portal_bot.recording.model import load_recording

        pages = len(load_recording(out).pages)
    console.print(plain(f"recording: {out / 'index.html'} ({pages} page(s))"))


def register(app: typer.Typer) -> None:
    app.command("survey")(survey_command)
