"""``--help`` in the chosen language: every command's and option's help, and typer's own words.

Typer builds the click commands once, when ``cli.py`` is imported, with the English texts: a
command's docstring (``inspect.getdoc``) or ``help=N_(…)``. Click copies and cleans those strings
when it builds a command, so a lazy string object would not survive; instead :func:`translate_help`
swaps each text for its translation just before help is shown (the root's eager ``--lang``
callback, or the root's own ``--help``), keeping the English msgid to switch back. The msgids of
docstrings reach the catalog through :mod:`portal_bot.i18n_extract`.

Typer's vendored click writes its headings and marks in English without gettext ("Usage: ",
"[default: …]", "Show this message and exit."); typer's ``rich_utils`` reads them from module
constants, so they are set here from our catalog, and the usage prefix comes from a help formatter
the commands' context class uses.

Rich wraps a table cell at spaces and cuts a longer word with "…"; a Chinese sentence has no
spaces, so typer's option table showed only its first line. The help texts typer makes are told
to fold instead (a word longer than the column continues on the next line; English, whose words
fit, wraps as before).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import typer
from rich.text import Text
from typer import rich_utils

from portal_bot.i18n import N_, _

#: typer's ``rich_utils`` constants and their English texts (typer's own msgids).
_RICH_TEXTS = {
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "ERRORS_PANEL_TITLE": N_("Error"),
    "ABORTED_TEXT": N_("Aborted."),
    "DEFAULT_STRING": N_("[default: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    "ENVVAR_STRING": N_("[env var: {}]"),
    "DEPRECATED_STRING": N_("(deprecated) "),
    "RICH_HELP": N_("Try [blue]'{command_path} {help_option}'[/] for help."),
}

#: Help texts typer and click give the options they add to every command (matched by msgid).
TYPER_OPTION_HELP = (
    N_("Show this message and exit."),
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
)

_HelpFormatter: Any = typer.Context.formatter_class


class _Formatter(_HelpFormatter):  # type: ignore[misc]
    """Click's help formatter with the usage line's prefix ("Usage: ") in the chosen language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, _("Usage: ") if prefix is None else prefix)


class HelpContext(typer.Context):
    """A context whose help (usage line, --help option) is in the chosen language."""

    formatter_class = _Formatter

    def make_formatter(self) -> Any:
        # click makes a command's --help option when the command parses its arguments, after the
        # root's --lang has translated the tree; help is formatted later, so translate it here.
        if (option := self.command.get_help_option(self)) is not None:
            _translate(option)
        return super().make_formatter()


def _translate(item: Any) -> None:
    """``item``'s help texts in the chosen language; the English msgid is kept to switch back."""
    for attr in ("help", "short_help"):
        original = getattr(item, f"_msgid_{attr}", None) or getattr(item, attr, None)
        if isinstance(original, str) and original:
            setattr(item, f"_msgid_{attr}", original)
            setattr(item, attr, _(original))


def _folding(make: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(make)
    def make_text(*args: Any, **kwargs: Any) -> Any:
        text = make(*args, **kwargs)
        if isinstance(text, Text):
            text.overflow = "fold"
        return text

    return make_text


# typer's private helper behind every help text it renders; left alone if a typer lacks it
if callable(_make := getattr(rich_utils, "_make_rich_text", None)) and not hasattr(_make, "__wrapped__"):
    rich_utils._make_rich_text = _folding(_make)


def translate_help(command: Any, ctx: Any = None) -> None:
    """Show ``command``'s help, its options' and its subcommands' (English msgids) in the chosen language.

    With the command's ``ctx``, its ``--help`` option's help too (click makes that option while
    parsing, so only a parsed command has it).
    """
    if ctx is not None and (option := command.get_help_option(ctx)) is not None:
        _translate(option)
    for item in (command, *getattr(command, "params", ())):
        _translate(item)
    if hasattr(command, "context_class"):
        command.context_class = HelpContext
    for sub in getattr(command, "commands", {}).values():
        translate_help(sub)
    for name, msgid in _RICH_TEXTS.items():
        setattr(rich_utils, name, _(msgid))
