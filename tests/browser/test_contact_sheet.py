"""The prepared contact sheet as a coordinator sees it: rendered by Chromium from the local folder."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from portal_bot.browser import AsyncPage
from portal_bot.cli import app
from tests.conftest import REPO_ROOT

from .conftest import Aio

pytestmark = pytest.mark.browser


def test_every_thumbnail_loads_from_the_folder(aio: Aio, apage: AsyncPage, tmp_path: Path) -> None:
    cohort = tmp_path / "cohort"
    sample = REPO_ROOT / "profiles" / "sample-cohort"
    shutil.copytree(sample, cohort, ignore=shutil.ignore_patterns("prepared", ".portal-bot-id"))
    for name in ("002-0242.yaml", "003-0537.yaml", "004-0049.yaml"):
        (cohort / name).unlink()
    result = CliRunner().invoke(app, ["prepare", str(cohort), "-j", "1"])
    assert result.exit_code == 0, result.output
    # Moved elsewhere, the page still finds its pictures: every link is relative.
    moved = Path(shutil.move(cohort / "prepared", tmp_path / "sent-to-coordinator"))
    shot = tmp_path / "sheet.png"

    async def look() -> dict[str, Any]:
        requests: list[str] = []
        apage.on("request", lambda request: requests.append(request.url))
        await apage.goto((moved / "contact-sheet.html").as_uri())
        widths = await apage.locator("img.thumb").evaluate_all(
            "els => els.map(e => e.complete ? e.naturalWidth : 0)"
        )
        text = await apage.locator("body").inner_text()
        await apage.screenshot(path=str(shot), full_page=True)
        return {"widths": widths, "text": text, "requests": requests}

    seen = aio.run(look())
    # Before (a small copy of the photo as sent) and after, for each candidate.
    assert len(seen["widths"]) == 4 and all(seen["widths"]), seen["widths"]
    assert "孙浩然" in seen["text"] and "3302**********0118" in seen["text"]
    assert all(url.startswith("file://") for url in seen["requests"])  # no external assets
    assert shot.stat().st_size > 10_000
