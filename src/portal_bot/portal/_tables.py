"""Reading the portal's list tables by their column headers (never by column position).

The site's tables (plan search, 我的技能评价报名) are plain ``<table>`` grids with a header row. One
``page.evaluate`` call reads every table at once (text of each cell and the first link in it), so a
page costs one round trip. This module must never click or navigate.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from portal_bot.browser import AsyncPage

_READ_TABLES = """
() => Array.from(document.querySelectorAll('table')).map(t => {
  const head = t.tHead ? t.tHead.rows[0] : t.rows[0];
  const headers = head ? Array.from(head.cells).map(c => c.innerText) : [];
  const bodyRows = t.tBodies.length ? Array.from(t.tBodies).flatMap(b => Array.from(b.rows))
                                    : Array.from(t.rows).slice(1);
  const rows = bodyRows.map(r => Array.from(r.cells).map(c => {
    const a = c.querySelector('a[href]');
    return {text: c.innerText, href: a ? a.href : null};
  }));
  return {headers, rows};
})
"""


def clean(text: str | None) -> str:
    """Whitespace folded to single spaces, full-width letters and digits folded (NFKC)."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


@dataclass(frozen=True)
class Cell:
    text: str  # as shown, lines kept
    href: str | None  # absolute URL of the first link in the cell


@dataclass(frozen=True)
class Grid:
    headers: tuple[str, ...]  # cleaned header texts
    rows: tuple[tuple[Cell, ...], ...]

    def column(self, *names: str) -> int | None:
        """Index of the first header equal to one of ``names`` (cleaned), else None."""
        wanted = {clean(n) for n in names}
        for i, header in enumerate(self.headers):
            if header in wanted:
                return i
        return None


#: The tables reader, for a caller that reads more in the same evaluate.
READ_TABLES_JS = _READ_TABLES


async def read_grids(page: AsyncPage) -> list[Grid]:
    """Every table on the page with its headers and body rows."""
    return grids_of(await page.evaluate(_READ_TABLES))


def grids_of(raw: list[dict[str, Any]]) -> list[Grid]:
    """The grids from what :data:`READ_TABLES_JS` returned."""
    return [
        Grid(
            headers=tuple(clean(h) for h in t["headers"]),
            rows=tuple(tuple(Cell(str(c["text"] or ""), c["href"]) for c in row) for row in t["rows"]),
        )
        for t in raw
    ]


def find_grid(grids: list[Grid], *required: str) -> Grid | None:
    """The first table whose headers include every one of ``required``."""
    for grid in grids:
        if all(grid.column(name) is not None for name in required):
            return grid
    return None
