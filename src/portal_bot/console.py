"""Console set-up: UTF-8 output everywhere, and the one place that configures logging sinks.

On a Chinese Windows laptop a redirected stdout defaults to GBK, which cannot encode every
character we print; a real console is written through the wide-character API and is left alone.
"""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING, TextIO

from loguru import logger
from rich.console import Console

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
