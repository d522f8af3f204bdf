"""The format of a recording: a folder a coordinator can hand to a developer.

A recording is made on the real site (or a mock) by ``portal-bot register --record DIR`` or by a
person walking the site in ``portal-bot survey``, and read offline by ``portal-bot flows check
--against DIR``. It holds no cookie, storage, token or query string, and every ID number, phone
number and cohort name is masked in the DOM *and* in the screenshot. The folder::

    DIR/recording.json       this module's :class:`Recording`
    DIR/index.html           the pages in order with their screenshots and controls
    DIR/pages/NNN-slug.html  the DOM after scripts ran: scripts and inline handlers removed, the
                             page's stylesheets inlined (so visibility reads as it did), form
                             values kept only as masked text
    DIR/pages/NNN-slug.png   a screenshot taken after masking

``RecordedPage.offers`` is what locate.js ``pageOffers`` read on the live page (labels with their
control kind, buttons, links, short texts), masked like the rest.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from portal_bot.errors import ConfigError
from portal_bot.fileio import atomic_write
from portal_bot.i18n import S_

#: The file inside a recording folder that lists its pages.
INDEX = "recording.json"
PAGES = "pages"
VERSION = 1


class RecordedPage(BaseModel):
    """One page as it was recorded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    n: int = Field(ge=1, description="order of the page in the recording, from 1")
    name: str = Field(description="file stem under pages/: pages/<name>.html and pages/<name>.png")
    path: str = Field(description="the URL path only: no scheme, host, query or fragment")
    title: str = ""
    wizard_step: str | None = Field(
        default=None, description="the wizard step the page shows (e.g. 填写报名信息), if any"
    )
    reason: Literal["visited", "failed", "survey"] = Field(
        description="visited: a page the flows ran on; failed: the page where a step failed; "
        "survey: a page a person reached in portal-bot survey"
    )
    steps: tuple[str, ...] = Field(
        default=(),
        description="flow steps (flows/register.yaml:23) that ran on this page, when the flows recorded it",
    )
    failed_step: str | None = Field(default=None, description="the step that failed here (file:line)")
    offers: dict[str, Any] = Field(default_factory=dict, description="locate.js pageOffers, masked")


class Recording(BaseModel):
    """A recording folder's ``recording.json``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1
    made_by: Literal["register", "survey", "fixture"]
    site: str = Field(description="the portal's origin (scheme://host[:port]), nothing more")
    created: datetime
    pages: tuple[RecordedPage, ...] = ()

    def html(self, root: Path, page: RecordedPage) -> Path:
        return root / PAGES / f"{page.name}.html"

    def screenshot(self, root: Path, page: RecordedPage) -> Path:
        return root / PAGES / f"{page.name}.png"


def load_recording(root: Path) -> Recording:
    """Read ``root/recording.json``.

    Raises:
        ConfigError: no recording there, or one this version cannot read (one line, with the path).
    """
    file = root / INDEX
    if not file.is_file():
        raise ConfigError(
            S_("{} is not a recording (no {})").format(root, INDEX),
            path=root,
            hint=S_("make one with 'portal-bot register … --record DIR' or 'portal-bot survey --out DIR'"),
        )
    try:
        recording = Recording.model_validate_json(file.read_bytes())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"{file}: {where}: {first['msg']}",
            path=file,
            hint=S_("record the pages again with this version of portal-bot"),
        ) from None
    for page in recording.pages:
        if not recording.html(root, page).is_file():
            raise ConfigError(
                S_("{file}: page {n} has no {html}").format(
                    file=file, n=page.n, html=f"{PAGES}/{page.name}.html"
                ),
                path=file,
            )
    return recording


def save_recording(root: Path, recording: Recording) -> Path:
    """Write ``root/recording.json`` atomically (the pages' files are written before it)."""
    text = json.dumps(recording.model_dump(mode="json"), ensure_ascii=False, indent=1)
    return atomic_write(root / INDEX, lambda p: p.write_text(text + "\n", encoding="utf-8"))
