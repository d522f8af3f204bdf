"""CI: the shipped flows against the checked-in recording of the mock's pages (fixtures/recordings/mock-v0).

A flow edit that no longer matches the pages the flows run on fails here, offline, in seconds,
instead of in an end-to-end registration. The recording is made by ``make recording`` (a
``register --record`` run on the mock portal, variant 0), so every step it names is checked on
the page it ran on.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from portal_bot.cli import app

pytestmark = [pytest.mark.browser]

REPO = Path(__file__).resolve().parents[2]
MOCK_V0 = REPO / "fixtures" / "recordings" / "mock-v0"
runner = CliRunner()


def _check(flows: Path) -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, ["flows", "check", str(flows), "--against", str(MOCK_V0), "--json"])
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def _conditional(step: dict[str, object]) -> bool:
    """Whether the flow line of ``step`` carries a ``when:`` (steps a normal walk may skip)."""
    lines = (REPO / str(step["flow"])).read_text(encoding="utf-8").splitlines()
    return "when:" in lines[int(str(step["line"])) - 1]


def test_the_shipped_flows_match_the_mock_pages() -> None:
    code, data = _check(REPO / "flows")
    steps = data["steps"]
    assert isinstance(steps, list)
    assert code == 0, [s for s in steps if s["status"] == "missing"]
    assert data["missing"] == 0
    resolved = [s for s in steps if s["status"] == "resolved"]
    assert len(resolved) >= 0.9 * len(steps)  # not a pass by having nothing to compare with
    # only steps a first registration skips (logged in already, a draft, a returned application)
    assert all(_conditional(s) for s in steps if s["status"] == "not recorded")


def test_a_flow_edit_the_pages_do_not_have_fails(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    shutil.copytree(REPO / "flows", flows)
    form = flows / "fields" / "registration.yaml"
    form.write_text(
        form.read_text(encoding="utf-8").replace("label: 通讯地址", "label: 联系地址"), encoding="utf-8"
    )
    code, data = _check(flows)
    assert code == 1
    steps = data["steps"]
    assert isinstance(steps, list)
    missing = [s for s in steps if s["status"] == "missing"]
    assert [(s["target"], s["page"]) for s in missing] == [("联系地址", "pages/010-user-app-1-step2.html")]
    assert missing[0]["suggestions"][0]["text"] == "通讯地址"
