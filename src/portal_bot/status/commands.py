"""``portal-bot notify-test``: send a test message through each ``--notify`` spec, now.

A coordinator setting up a scheduled status run checks the notifications with this before the first
real change arrives. The ``status`` command itself is wired elsewhere (it needs the portal and the
ledger). This command never sends anything but the test message, and prints notifiers by kind and
host only (a robot's URL is its key).
"""

from __future__ import annotations

import typer
from rich.table import Table

from portal_bot.console import make_console
from portal_bot.errors import ConfigError


def notify_test(
    notify: list[str] = typer.Option(
        ...,
        "--notify",
        "-n",
        metavar="SPEC",
        help=(
            "Where to send it (repeatable): webhook:URL, wecom:URL, dingtalk:URL or dingtalk:URL#SECRET, "
            "feishu:URL or feishu:URL#SECRET, smtp://user@host:port?to=a@b&starttls=1&password_env=VAR. "
            "A secret may be written #env:VAR. Formats: docs/status.md."
        ),
    ),
    cohort: str | None = typer.Option(None, "--cohort", help="A cohort name to show in the test message."),
    timeout: float = typer.Option(10.0, "--timeout", min=0.1, help="Seconds to wait for each notifier."),
) -> None:
    """Send a test message through each notifier and report which work (exit 1 when any fails)."""
    from portal_bot.status.messages import StatusMessage
    from portal_bot.status.notify import build_notifiers, send_all

    if not notify:
        raise ConfigError("give at least one --notify SPEC", field="--notify")
    notifiers = build_notifiers(notify, timeout=timeout)
    results = send_all(notifiers, StatusMessage.for_test(cohort=cohort))
    table = Table(title="portal-bot notify-test")
    table.add_column("notifier")
    table.add_column("result")
    table.add_column("detail")
    for r in results:
        table.add_row(r.notifier, "[green]sent[/]" if r.ok else "[red]FAIL[/]", r.error or "")
    make_console().print(table)
    if not all(r.ok for r in results):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("notify-test")(notify_test)
