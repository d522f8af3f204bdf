"""First contact, end to end: a drifted site, recorded by ``register --record``, checked offline,
patched, and then registered against with the patched flows (issue 10 §3, §5).

The mock's drift variant renames 马上报名 to 立即报名. The registration stops there as a site
mismatch and records the page; ``flows check --against`` lists exactly that step, with 立即报名;
the patch it writes, applied with ``git apply`` to a copy of the flows, makes the same candidate's
registration go through on the drifted site.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from portal_bot.cli import app
from portal_bot.mock_portal.server import RunningPortal, serve_in_thread
from tests.e2e.conftest import REPO, TOKEN, register

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def drifted() -> Iterator[RunningPortal]:
    with serve_in_thread(qa_token=TOKEN, drift={"马上报名": "立即报名"}) as running:
        yield running


def test_record_check_patch_and_register_on_the_drifted_site(
    drifted: RunningPortal, cohort: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "录制"
    done = register(cohort, drifted, "--only", "陈雨桐", "--record", str(out))
    assert done.returncode == 1 and "site mismatch" in done.stdout, done.stdout + done.stderr

    project = tmp_path / "project"
    shutil.copytree(REPO / "flows", project / "flows")
    monkeypatch.chdir(project)
    args = ["flows", "check", "flows", "--against", str(out), "--json", "--write-patch", "fix.diff"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    missing = [s for s in data["steps"] if s["status"] == "missing"]
    assert [(s["flow"], s["action"], s["target"]) for s in missing] == [
        ("flows/register.yaml", "click", "马上报名")
    ]
    assert missing[0]["suggestions"][0]["text"] == "立即报名"
    assert data["missing"] == 1

    applied = subprocess.run(["git", "apply", "fix.diff"], cwd=project, capture_output=True, text=True)
    assert applied.returncode == 0, applied.stderr
    again = register(cohort, drifted, "--only", "陈雨桐", "--flows", str(project / "flows"))
    assert again.returncode == 0, again.stdout + again.stderr
    assert drifted.qa.applications()[0]["state"] == "待审核"
