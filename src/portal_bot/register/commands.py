"""`portal-bot register` and `portal-bot report`."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Literal

import typer
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from portal_bot.console import make_console, plain
from portal_bot.errors import ConfigError
from portal_bot.i18n import N_, _
from portal_bot.settings import Settings

_COLOURS = {
    "submitted": "green",
    "resubmitted": "green",
    "already submitted": "green",
    "waiting on a person": "yellow",
    "skipped": "yellow",
}


def _ask_in_terminal(question: str) -> bool:
    """Ask on its own lines, saying exactly what to type; only y/yes submits."""
    typer.echo(f"\n{question}")
    answer = typer.prompt(_("Type y and press Enter to submit, or n to skip"), default="n", show_default=True)
    return answer.strip().lower() in ("y", "yes")


def _done_in_terminal(question: str) -> bool:
    """A step done by hand: Enter when it is done, n to give up (the candidate stays a site mismatch)."""
    typer.echo(f"\n{question}")
    answer = typer.prompt(
        "Press Enter when it is done in the browser, or type n and Enter to give up",
        default="",
        show_default=False,
    )
    return answer.strip().lower() not in ("n", "no")


def register_command(
    ctx: typer.Context,
    cohort_dir: Path = typer.Argument(
        ..., help=N_("Cohort folder: cohort.yaml plus one YAML file per candidate.")
    ),
    portal: str | None = typer.Option(
        None, "--portal", help=N_("Portal base URL (default: PORTAL_BOT_PORTAL_URL, else the real site).")
    ),
    concurrency: int = typer.Option(
        2, "--concurrency", "-c", min=1, help=N_("Candidates worked on at once.")
    ),
    headed: bool = typer.Option(
        False,
        "--headed",
        help=N_(
            "Show the browser windows; a step the site no longer matches is then handed to you"
            " to do by hand (see the command's help)."
        ),
    ),
    confirm: str = typer.Option(
        "prompt", "--confirm", help=N_("prompt: a person approves each 提交; auto: mock portal only.")
    ),
    i_accept_auto_submit: bool = typer.Option(
        False,
        "--i-accept-auto-submit",
        help=N_("Allow --confirm auto against a real portal (you take responsibility)."),
    ),
    only: list[str] = typer.Option(
        [], "--only", help=N_("Only these candidates (name or file name); repeatable.")
    ),
    simulate_human: bool = typer.Option(
        False, "--simulate-human", help=N_("Mock portal only: complete QR steps through its QA API.")
    ),
    qa_token: str | None = typer.Option(
        None, "--qa-token", envvar="PORTAL_BOT_MOCK_QA_TOKEN", help=N_("The mock portal's QA token.")
    ),
    desk: bool = typer.Option(
        False, "--desk", help=N_("Serve a local page listing who waits on what, with QR codes.")
    ),
    flows: Path | None = typer.Option(
        None, "--flows", help=N_("Folder with the flows (default: the shipped ones).")
    ),
    human_timeout: float = typer.Option(
        600.0, "--human-timeout", help=N_("Seconds to wait for a person per step.")
    ),
    attempts: int = typer.Option(
        3,
        "--attempts",
        min=1,
        help=N_("Tries per candidate when the site misbehaves (5xx, timeouts, lost session)."),
    ),
    jobs: int | None = typer.Option(None, "--jobs", "-j", help=N_("Processes for preparing documents.")),
    keep_unmasked_evidence: bool = typer.Option(
        False,
        "--keep-unmasked-evidence",
        help=N_("Also keep each preview screenshot unmasked (0600, never in a report)."),
    ),
    record: Path | None = typer.Option(
        None,
        "--record",
        metavar="DIR",
        help=N_(
            "Save every page the flows visit, and the page where a step failed, into this new folder "
            "(screenshots, cleaned HTML, controls; personal data masked) for 'flows check --against DIR'."
        ),
    ),
) -> None:
    """Register every candidate of a cohort: validate, prepare documents, fill the site's wizard.

    People log in, sign the pledge on their phone and approve each 提交; the rest is automatic. A rerun
    continues where the last one stopped and never submits twice. Exit 0 when every candidate is
    submitted (now or before), 1 otherwise; the report's path is printed at the end.

    With --headed, a step whose button, link or label is not on the page (a site mismatch) is
    handed to you: the window stays on the page, the terminal (or the --desk page) says what the
    step wanted, value masked; do it in the window, then press Enter (or 已完成 on the desk) and the
    walk goes on, preview check and approval included. What you clicked or filled is written as
    RUN/suggested-flows.patch for the flows (docs/flows.md, "When the real site differs").
    """
    settings: Settings = ctx.obj
    if confirm not in ("prompt", "auto"):
        raise ConfigError(_("--confirm must be prompt or auto, not {!r}").format(confirm))
    mode: Literal["prompt", "auto"] = "auto" if confirm == "auto" else "prompt"
    if mode == "prompt" and not desk and not sys.stdin.isatty():
        # Checked before any browser opens: typer.confirm on a closed stdin answers "Aborted." in the
        # middle of the walk and leaves candidates half-done with no report.
        raise ConfigError(
            _("--confirm prompt needs a terminal to ask in, and this one has none"),
            hint=_("approve on a page with --desk, or use --confirm auto (mock portal only)"),
        )
    from portal_bot.cohortrun.launch import launch_ahead

    # Chromium starts now, on the other core, while Python loads the run's code (issue 14)
    with launch_ahead(settings, headed=headed) as ahead:
        from portal_bot.register.progress import Progress
        from portal_bot.register.run import register_cohort

        console = make_console()
        progress = Progress(console)
        result = register_cohort(
            settings,
            cohort_dir,
            portal_url=portal or settings.portal_url,
            concurrency=concurrency,
            headed=headed,
            confirm=mode,
            allow_auto_confirm_real=i_accept_auto_submit,
            only=tuple(only),
            simulate_human=simulate_human,
            qa_token=qa_token,
            desk=desk,
            flows_dir=flows,
            human_timeout=human_timeout,
            attempts=attempts,
            jobs=jobs,
            keep_unmasked_evidence=keep_unmasked_evidence,
            record=record,
            console=console,
            ask=progress.asking(_ask_in_terminal),
            progress=progress,
            ask_done=progress.asking(_done_in_terminal) if headed and sys.stdin.isatty() else None,
            ahead=ahead,
        )
    table = Table(title=plain(_("run {}").format(result.run_id)))
    for column in (_("candidate"), _("ID"), _("outcome"), _("detail")):
        table.add_column(column)
    for o in result.outcomes:
        colour = _COLOURS.get(o.outcome.value, "red")
        table.add_row(plain(o.name), plain(o.id_masked), Text(o.label, style=colour), plain(o.detail))
    console.print(table)
    counts = Counter(o.label for o in result.outcomes)
    console.print(plain(_(", ").join(_("{n} {outcome}").format(n=n, outcome=k) for k, n in counts.items())))
    console.print(plain(_("report: {}").format(result.report_html)))
    console.print(plain(" " * cell_len(_("report: {}").format("")) + str(result.report_xlsx)))
    if result.recording is not None:
        console.print(plain(_("recording: {}").format(result.recording / "index.html")))
    if result.suggested_patch is not None:
        console.print(
            plain(_("suggested flow patch (steps done by hand): {}").format(result.suggested_patch))
        )
    if not result.ok:
        raise typer.Exit(1)


def report_command(
    ctx: typer.Context,
    run: str = typer.Argument("latest", help=N_("A run number, 'latest', or a run folder.")),
    out: Path | None = typer.Option(None, "--out", help=N_("Where to write report.html and report.xlsx.")),
) -> None:
    """Write the HTML and .xlsx report of a registration run (outcome, evidence, what to do next)."""
    from portal_bot.register.outcome import load_outcomes
    from portal_bot.register.report import write_report

    settings: Settings = ctx.obj
    run_dir = Path(run)
    if not run_dir.is_dir():
        runs = sorted((p for p in settings.runs_dir.glob("*") if p.name.isdigit()), key=lambda p: int(p.name))
        if run == "latest":
            if not runs:
                raise ConfigError(
                    _("no registration runs in {}").format(settings.runs_dir),
                    hint=_(
                        "run `portal-bot register` first; `make demo` keeps its own runs in .state/demo: "
                        "PORTAL_BOT_STATE_DIR=.state/demo portal-bot report latest"
                    ),
                )
            run_dir = runs[-1]
        elif run.isdigit():
            run_dir = settings.runs_dir / run
        else:
            raise ConfigError(_("{} is neither a run number nor a folder").format(run))
    info, outcomes = load_outcomes(run_dir)
    html, xlsx = write_report(info, outcomes, out or run_dir / "report")
    console = make_console()
    console.print(plain(_("report: {}").format(html)))
    console.print(plain(" " * cell_len(_("report: {}").format("")) + str(xlsx)))


def register(app: typer.Typer) -> None:
    app.command("register")(register_command)
    app.command("report")(report_command)
