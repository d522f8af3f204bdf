"""Console set-up: UTF-8 output everywhere, markup only from our own literals, and logging sinks.

Rich reads ``[...]`` in printed text as markup, so a candidate named ``[bold]x[/]``, a file name
with brackets or a hint like ``pip install 'portal-bot[heic]'`` would be restyled or lose text.
:func:`markup` fills our literal templates with escaped values and :func:`plain` makes a table cell
that is never parsed; output code uses one or the other for every value it did not write itself.

On a Chinese Windows laptop a redirected stdout defaults to GBK, which cannot encode every
character we print; a real console is written through the wide-character API and is left alone.
"""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING, TextIO

from loguru import logger
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from portal_bot.privacy import mask_text

if TYPE_CHECKING:
    from loguru import Record


def force_utf8(stream: TextIO) -> None:
    """Re-encode a redirected stream as UTF-8 (errors replaced) so no print ever crashes."""
    if not isinstance(stream, io.TextIOWrapper):
        return
    encoding = (stream.encoding or "").lower().replace("-", "")
    if encoding == "utf8":
        return
    if sys.platform == "win32" and stream.isatty():
        stream.reconfigure(errors="replace")
        return
    stream.reconfigure(encoding="utf-8", errors="replace")


def markup(template: str, *values: object, **named: object) -> str:
    """Rich markup from our literal ``template`` with each ``{}`` filled by an escaped value.

    Numbers keep their format specs (``{:,}``); anything else is shown as its text, brackets and all.

    Example:
        ``console.print(markup("[red]FAIL[/] {}: {}", path, problem))``
    """

    def safe(value: object) -> object:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        return escape(str(value))

    return template.format(*(safe(v) for v in values), **{k: safe(v) for k, v in named.items()})


def plain(value: object) -> Text:
    """A table cell or line shown exactly as ``value``'s text (no markup parsed)."""
    return Text("" if value is None else str(value))


def make_console(*, stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _masking_patcher(record: Record) -> None:
    record["message"] = mask_text(record["message"])
    for key, value in list(record["extra"].items()):
        if isinstance(value, str):
            record["extra"][key] = mask_text(value)


def configure_logging(level: str = "INFO", *, verbose: bool = False) -> None:
    """Enable portal_bot's logger with one stderr sink; every message is masked first."""
    logger.remove()
    logger.configure(patcher=_masking_patcher)
    fmt = "<green>{time:HH:mm:ss}</green> <level>{level: <7}</level> {message}"
    if verbose:
        fmt = "<green>{time:HH:mm:ss.SSS}</green> <level>{level: <7}</level> {name}:{line} {message} {extra}"
    logger.add(sys.stderr, level="DEBUG" if verbose else level, format=fmt, colorize=None)
    logger.enable("portal_bot")
