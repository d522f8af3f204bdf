"""The one .xlsx writer for every report a coordinator opens in Excel (registration and status).

A report cell holds people's text (names, the site's messages), and Excel runs a cell that starts
with ``=`` as a formula; ``+``, ``-`` and ``@`` start one as soon as the cell is edited, and a
leading tab or carriage return hides the ``=`` from a naive check. Every such cell is written as
text (an inline string, never a ``<f>`` formula element) with Excel's quote prefix, so it shows the
exact text and stays text when edited. This module must never write a formula, and never leave a
half-written workbook (it saves to a temporary file beside the target and renames it).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from portal_bot.fileio import atomic_write_bytes

#: What makes Excel (or a CSV exported from the workbook) read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Styled:
    """A cell value with a background colour (``RRGGBB``)."""

    value: object
    fill: str | None = None


@dataclass
class Sheet:
    """One worksheet: a bold frozen header with a filter, then the rows."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[object]]
    widths: Sequence[int] | None = None  # default: fitted to each header
    filter: bool = True


def preload() -> None:
    """Import openpyxl in a background thread, so the report at a run's end does not wait for it.

    openpyxl is the largest import of a run (0.3–0.5 s on a quiet machine, seconds under load) and
    is needed only after the browser work; a run calls this when its browser work starts, while the
    process mostly waits for the page. Importing twice is harmless: the writer's own import waits
    for this one or finds it done.
    """
    threading.Thread(target=_import_openpyxl, name="preload-openpyxl", daemon=True).start()


def _import_openpyxl() -> None:
    try:
        importlib.import_module("openpyxl")
    except Exception:  # noqa: BLE001 - the writer's own import reports it, in the main thread
        return


def looks_like_formula(value: object) -> bool:
    """True for text that Excel would (now or once edited) take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _cell(ws: Any, value: object) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import PatternFill

    fill: str | None = None
    if isinstance(value, Styled):
        fill = value.fill
        value = value.value
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone().replace(tzinfo=None)  # Excel has no time zones: local time
    cell = WriteOnlyCell(ws, value=value)
    if looks_like_formula(value):
        cell.data_type = "s"  # text, never a formula
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    elif isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    if fill is not None:
        cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
    return cell


def _add_sheet(wb: Any, sheet: Sheet) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(sheet.title)
    rows = [list(r) for r in sheet.rows]
    ws.freeze_panes = "A2"
    widths = sheet.widths or [max(12, len(head) + 4) for head in sheet.header]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    if sheet.filter and rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.header))}{len(rows) + 1}"
    bold = Font(bold=True)
    head_cells = []
    for head in sheet.header:
        cell = _cell(ws, head)
        cell.font = bold
        head_cells.append(cell)
    ws.append(head_cells)
    for row in rows:
        ws.append([_cell(ws, value) for value in row])


def write_workbook(path: Path, sheets: Sequence[Sheet], *, created: datetime | None = None) -> Path:
    """Write ``sheets`` to ``path`` atomically (write-only mode: fast for long histories).

    Raises:
        OSError: the folder cannot be created or the file written; the caller names the report.
    """
    import io

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for sheet in sheets:
        _add_sheet(wb, sheet)
    wb.properties.creator = "portal-bot"
    if created is not None:
        wb.properties.created = created.replace(tzinfo=None)
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write_bytes(Path(path), buf.getvalue())
    return Path(path)
