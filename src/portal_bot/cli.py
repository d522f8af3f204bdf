"""The ``portal-bot`` command: the only place that configures logging and maps errors to exit codes.

Commands live beside the code they drive (``doctor.py``, ``profiles/commands.py`` …); each feature
module exposes ``register(app)`` and is listed in ``_FEATURES``. Heavy imports (OpenCV, Playwright,
the mock portal) stay inside the command functions so ``--help`` is instant.

Exit codes: 0 ok · 1 errors (bad data, failed checks) · 2 usage · 3 action needed (status) · 130 interrupted.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from portal_bot import __version__
from portal_bot.clihelp import HelpContext, translate_help
from portal_bot.cliusage import UsageError, is_usage_error, usage_line
from portal_bot.console import configure_logging, force_utf8, make_console, markup
from portal_bot.errors import PortalBotError
from portal_bot.i18n import N_, _, choose_language, set_language
from portal_bot.settings import Settings

EXIT_ERROR = 1  # a PortalBotError; `status` has its own 0/1/3 (portal_bot.status.changes)
EXIT_USAGE = 2  # as click says it
EXIT_INTERRUPTED = 130


def print_error(exc: PortalBotError | str) -> None:
    """The one-line message a user sees for a PortalBotError or a usage error: no traceback."""
    # soft_wrap: one line however narrow the terminal, so scripts and people can grep it.
    console = make_console(stderr=True)
    console.print(markup(_("[bold red]error:[/] {}"), exc), markup=True, highlight=False, soft_wrap=True)


class _Group(TyperGroup):
    """Root group: turns every PortalBotError from any subcommand into one line and exit 1."""

    context_class = HelpContext

    def format_help(self, ctx: Any, formatter: Any) -> None:
        # `portal-bot --help` is printed before --lang's callback runs when --lang is not given
        if ctx.params.get("lang") is None:
            set_language(choose_language())
        translate_help(self, ctx)
        super().format_help(ctx, formatter)

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        given = list(args)  # click's parser consumes the list
        try:
            return super().make_context(info_name, args, parent, **extra)
        except UsageError as exc:  # the root's own options: --lang is not applied yet, so read it here
            if not is_usage_error(exc):
                raise
            if "--lang" in given[:-1]:
                set_language(choose_language(given[given.index("--lang") + 1]))
            print_error(usage_line(exc))
            raise typer.Exit(EXIT_USAGE) from None

    def invoke(self, ctx: Any) -> Any:  # typer vendors click; its Context type is private
        try:
            return super().invoke(ctx)
        except UsageError as exc:  # a subcommand's line click cannot parse: one line, exit 2
            if not is_usage_error(exc):
                raise
            print_error(usage_line(exc, ctx))
            raise typer.Exit(EXIT_USAGE) from None
        except PortalBotError as exc:
            print_error(exc)
            raise typer.Exit(EXIT_ERROR) from None
        except KeyboardInterrupt:
            make_console(stderr=True).print(_("interrupted"))
            raise typer.Exit(EXIT_INTERRUPTED) from None


app = typer.Typer(
    name="portal-bot",
    cls=_Group,
    help=N_(
        "Register candidates for vocational skill-level certification (职业技能等级认定) on the "
        "Zhejiang vocational ability platform. People log in, sign and confirm; portal-bot does "
        "the typing, checking and bookkeeping."
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    add_completion=True,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"portal-bot {__version__}")
        raise typer.Exit()


def _lang(ctx: typer.Context, value: str | None) -> str | None:
    """Eager, and first on the line: the language is set before any help or message is shown."""
    if value is not None and value not in ("zh", "en"):
        raise typer.BadParameter(_("choose zh or en"))
    set_language(choose_language(value))
    if value is not None:  # worker processes (prepare -j) and the commands' subprocesses follow
        os.environ["PORTAL_BOT_LANG"] = value
    translate_help(ctx.find_root().command)
    return value


@app.callback()
def _root(
    ctx: typer.Context,
    verbose: bool = typer.Option(False, "--verbose", "-v", help=N_("Debug logging, with source lines.")),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help=N_("Print the version and exit.")
    ),
    lang: str | None = typer.Option(
        None,
        "--lang",
        callback=_lang,
        is_eager=True,
        metavar="zh|en",
        help=N_("Language of what is shown: zh (中文) or en (default: PORTAL_BOT_LANG, else the system's)."),
    ),
) -> None:
    settings = Settings()
    configure_logging(settings.log_level, verbose=verbose)
    ctx.obj = settings


# Feature modules that contribute commands; each has ``register(app: typer.Typer) -> None``.
_FEATURES = (
    "portal_bot.doctor",
    "portal_bot.profiles.commands",
    "portal_bot.status.commands",
    "portal_bot.flows.commands",
    "portal_bot.documents.commands",
    "portal_bot.mock_portal.commands",
    "portal_bot.prepare.commands",
    "portal_bot.register.commands",
    "portal_bot.portal.commands",
    "portal_bot.profiles.scaffold",
    "portal_bot.recording.commands",
)


for _name in _FEATURES:
    importlib.import_module(_name).register(app)


def main() -> None:
    """Console-script entry point."""
    force_utf8(sys.stdout)
    force_utf8(sys.stderr)
    app()
