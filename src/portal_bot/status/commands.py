"""``portal-bot status`` and ``portal-bot notify-test``.

``status`` reads every candidate's application with their saved login (see :mod:`.run`), prints a
table grouped by what the coordinator must do (or the same as JSON on stdout with ``--json``),
notifies, writes the reports and exits 0 (nothing to do), 3 (action needed) or 1 (errors).
``notify-test`` sends a test message through each ``--notify`` spec, now. Neither ever prints a
notifier's URL (a robot's URL is its key), and JSON output is the only thing on stdout with --json.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from portal_bot.console import make_console, markup, plain
from portal_bot.errors import ConfigError
from portal_bot.i18n import N_, _
from portal_bot.settings import Settings

_NOTIFY_HELP = N_(
    "Where to send it (repeatable): webhook:URL, wecom:URL, dingtalk:URL or dingtalk:URL#SECRET, "
    "feishu:URL or feishu:URL#SECRET, smtp://user@host:port?to=a@b&starttls=1&password_env=VAR. "
    "A secret may be written #env:VAR. Formats: docs/status.md."
)
# status's own, whole (a catalog translates whole sentences, not a sum of them)
_STATUS_NOTIFY_HELP = N_(
    "Where to send it (repeatable): webhook:URL, wecom:URL, dingtalk:URL or dingtalk:URL#SECRET, "
    "feishu:URL or feishu:URL#SECRET, smtp://user@host:port?to=a@b&starttls=1&password_env=VAR. "
    "A secret may be written #env:VAR. Formats: docs/status.md. Sent when something changed."
)


def status(
    ctx: typer.Context,
    cohort_dir: Path = typer.Argument(
        ..., help=N_("The cohort folder (cohort.yaml and one YAML per candidate).")
    ),
    portal: str | None = typer.Option(
        None, "--portal", help=N_("Portal URL (default: PORTAL_BOT_PORTAL_URL, the real site).")
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print the result as JSON on stdout.")),
    notify: list[str] = typer.Option([], "--notify", "-n", metavar="SPEC", help=_STATUS_NOTIFY_HELP),
    every: str | None = typer.Option(
        None,
        "--every",
        metavar="INTERVAL",
        help=N_("Run now and then every INTERVAL (6h, 30m; ±10% jitter) until Ctrl-C."),
    ),
    report: Path | None = typer.Option(
        None,
        "--report",
        metavar="DIR",
        help=N_("Where to write the HTML and .xlsx reports (default: STATE_DIR/reports)."),
    ),
    concurrency: int = typer.Option(
        4, "--concurrency", "-c", min=1, help=N_("Candidates read at once (capped per host).")
    ),
    interactive: bool = typer.Option(
        False,
        "--interactive",
        help=N_("Log in again where a login is missing or expired (QR in the terminal, or the password)."),
    ),
) -> None:
    """Check every candidate's application on the portal; exit 0 nothing to do, 3 action needed, 1 errors."""
    from portal_bot.status.lock import status_lock
    from portal_bot.status.notify import build_notifiers
    from portal_bot.status.schedule import check_interval, parse_interval, run_every

    settings: Settings = ctx.obj if isinstance(ctx.obj, Settings) else Settings()
    portal_url = (portal or settings.portal_url).rstrip("/")
    notifiers = build_notifiers(notify)  # every spec checked before anything runs
    interval = check_interval(parse_interval(every), portal_url) if every else None
    settings.ensure_state_dir()

    def once() -> int:
        from portal_bot.status.run import run_status

        with status_lock(settings.state_dir):
            result = run_status(
                settings,
                cohort_dir,
                portal_url=portal_url,
                concurrency=concurrency,
                notifiers=notifiers,
                report_dir=report,
                interactive=interactive,
                console=make_console(stderr=True),
            )
        _show(result, as_json=as_json)
        return result.exit_code

    if interval is None:
        raise typer.Exit(once())
    outcome = run_every(once, interval, portal_url=portal_url)
    raise typer.Exit(outcome.last_exit_code if outcome.last_exit_code is not None else 1)


def _show(result: object, *, as_json: bool) -> None:
    import json

    from portal_bot.status.run import StatusResult
    from portal_bot.status.table import changes_view, next_steps_view, status_table

    assert isinstance(result, StatusResult)
    err = make_console(stderr=True)
    if as_json:
        typer.echo(json.dumps(result.document(), ensure_ascii=False))
    else:
        out = make_console()
        out.print(status_table(result.current, title=escape(f"portal-bot status · {result.cohort}")))
        steps = next_steps_view(result.current, result.commands)
        if steps is not None:
            out.print(steps, soft_wrap=True, highlight=False)
        out.print(changes_view(result.changes))
        for line in result.run_errors:
            out.print(markup(_("[red]error:[/] {}"), line), highlight=False)
    for d in result.deliveries:
        err.print(
            markup(_("notified {}"), d.notifier)
            if d.ok
            else markup(_("[red]notify failed:[/] {}"), d.error or ""),
            highlight=False,
        )
    for path in result.reports:
        err.print(plain(_("report: {}").format(path)), highlight=False, soft_wrap=True)


def notify_test(
    notify: list[str] = typer.Option(..., "--notify", "-n", metavar="SPEC", help=_NOTIFY_HELP),
    cohort: str | None = typer.Option(
        None, "--cohort", help=N_("A cohort name to show in the test message.")
    ),
    timeout: float = typer.Option(10.0, "--timeout", min=0.1, help=N_("Seconds to wait for each notifier.")),
) -> None:
    """Send a test message through each notifier and report which work (exit 1 when any fails)."""
    from portal_bot.status.messages import StatusMessage
    from portal_bot.status.notify import build_notifiers, send_all

    if not notify:
        raise ConfigError(_("give at least one --notify SPEC"), field="--notify")
    notifiers = build_notifiers(notify, timeout=timeout)
    results = send_all(notifiers, StatusMessage.for_test(cohort=cohort))
    table = Table(title="portal-bot notify-test")
    for column in (_("notifier"), _("result"), _("detail")):
        table.add_column(column)
    for r in results:
        table.add_row(plain(r.notifier), _("[green]sent[/]") if r.ok else _("[red]FAIL[/]"), plain(r.error))
    make_console().print(table)
    if not all(r.ok for r in results):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("status")(status)
    app.command("notify-test")(notify_test)
