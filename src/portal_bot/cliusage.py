"""A command line typer cannot parse, said in one line in the chosen language.

Typer 0.29 vendors click without gettext: its usage errors ("No such option: --x", "Missing
argument 'cohort_dir'.", "Invalid value for '-c': Input should be …") are English, in a boxed
panel under the usage line. :func:`usage_line` builds the line again from the exception's
structured fields (the option's name, the parameter's hint, the close matches, the pydantic error
behind a bad value) with our catalog's words, and the ``--help`` hint after it; ``cli.py`` prints
it like any other error and exits 2, as click would. A message of a shape not known here is shown
as click wrote it: never lost, at worst English.
"""

from __future__ import annotations

import re
from typing import Any

from typer._click import exceptions as click_errors  # typer vendors click: no public name for these

from portal_bot.i18n import _

UsageError = click_errors.UsageError

#: click's free-text usage errors that carry no structured field (typer's core and parser).
_EXTRA = re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)")
_NO_COMMAND = re.compile(r"No such command '(.*?)'\.(?: Did you mean (.*)\?)?")
_NEEDS_VALUE = re.compile(r"Option '(.*)' requires (?:an argument|\d+ arguments)\.")
_NO_VALUE = re.compile(r"Option '(.*)' does not take a value\.")


def is_usage_error(exc: BaseException) -> bool:
    """A usage error to say in one line (not click's "no arguments: show the help" one)."""
    return isinstance(exc, UsageError) and type(exc).__name__ != "NoArgsIsHelpError"


def _hint(exc: Any) -> str | None:
    """``'--concurrency' / '-c'``: how click names the parameter at fault."""
    hint: Any = exc.param_hint
    if hint is None and exc.param is not None:
        hint = exc.param.get_error_hint()
    if hint is None or isinstance(hint, str):
        return hint
    return " / ".join(repr(h) for h in hint)


def _value_problem(exc: Any) -> str:
    """Why a value was refused: pydantic's check in the profiles' words, else click's text."""
    cause = exc.__cause__
    if cause is not None and callable(getattr(cause, "errors", None)):
        from portal_bot.profiles.loader import pydantic_message

        errors = cause.errors()
        if errors and (said := pydantic_message(errors[0])):
            return said
    return str(exc.message)


def _missing(exc: Any) -> str:
    hint = _hint(exc) or ""
    kind = exc.param_type or (exc.param.param_type_name if exc.param is not None else "parameter")
    text = {
        "argument": _("missing argument {}"),
        "option": _("missing option {}"),
    }.get(kind, _("missing parameter {}")).format(hint)
    extra = exc.param.get_missing_message(ctx=exc.ctx) if exc.param is not None else ""
    if extra and extra.startswith("Choose from:"):
        choices = ", ".join(c.strip() for c in extra.removeprefix("Choose from:").split(","))
        text += _(" (choose from: {})").format(choices)
    return text


def _message(exc: Any) -> str:
    """The error itself, without the help hint."""
    if isinstance(exc, click_errors.MissingParameter):
        return _missing(exc)
    if isinstance(exc, click_errors.BadParameter):
        hint = _hint(exc)
        if hint is None:
            return _("invalid value: {}").format(_value_problem(exc))
        return _("invalid value for {hint}: {why}").format(hint=hint, why=_value_problem(exc))
    if isinstance(exc, click_errors.NoSuchOption) and exc.message.startswith("No such option:"):
        text = _("no such option: {}").format(exc.option_name)
        if exc.possibilities:
            text += _(" (did you mean {}?)").format(", ".join(sorted(exc.possibilities)))
        return text
    message = str(exc.message)
    if m := _NEEDS_VALUE.fullmatch(message):
        return _("option {} needs a value").format(m.group(1))
    if m := _NO_VALUE.fullmatch(message):
        return _("option {} takes no value").format(m.group(1))
    if m := _EXTRA.fullmatch(message):
        return _("unexpected extra argument(s): {}").format(m.group(1))
    if m := _NO_COMMAND.fullmatch(message):
        text = _("no such command: {}").format(m.group(1))
        if m.group(2):
            text += _(" (did you mean {}?)").format(m.group(2))
        return text
    if message == "Missing command.":
        return _("missing command")
    return message


def usage_line(exc: Any, parent: Any = None) -> str:
    """``exc`` (a click usage error) in one line, with how to get help when the command has it.

    ``parent`` is the group's context, for an error click raised without one (an option missing
    its value): the help named is then the subcommand's the group was invoking.
    """
    try:
        text = _message(exc)
    except Exception:  # noqa: BLE001 - a typer whose fields differ: its own words, never a traceback
        text = exc.format_message()
    ctx: Any = exc.ctx
    if ctx is not None and ctx.command.get_help_option(ctx) is not None:
        command, option = ctx.command_path, ctx.help_option_names[0]
    elif parent is not None and parent.command.get_help_option(parent) is not None:
        command = " ".join(filter(None, (parent.command_path, parent.invoked_subcommand)))
        option = parent.help_option_names[0]
    else:
        return text
    helps = _("run '{command} {option}' for help").format(command=command, option=option)
    return _("{error}; {hint}").format(error=text, hint=helps)
