"""The whole first-contact loop on the full drift variant (issue 10 §5): record, check, patch, again.

``register --record`` stops at the first step the site no longer matches, so a coordinator goes
round the loop docs/flows.md ("When the real site differs") describes: register one candidate with
``--record``, ``flows check --against`` the recording, apply the written patch to the project's
flows with ``git apply``, and register again, until the candidate goes through. On
:data:`~portal_bot.mock_portal.drift.DRIFT` (five texts reworded, 通讯地址 moved to another section)
each check lists exactly the one drifted step that run reached, with the right first suggestion,
found for its reason: a similar text, elimination (手机号码 → 联系电话, on two pages) or a text
that appeared after the click before it (照片上传成功 → 照片已保存). The patches together fix
every drifted text, and only they: the last run passes with flows changed by nothing else, and the
moved 通讯地址 is filled by its label where it now is.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from portal_bot.cli import app
from portal_bot.mock_portal.drift import DRIFT
from portal_bot.mock_portal.server import RunningPortal, serve_in_thread
from tests.e2e.conftest import REPO, TOKEN, register

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: What each run stops at, in the order the walk meets them: (flow file, action, text, first
#: suggestion, why it starts with).
DRIFTED = [
    ("flows/login.yaml", "click", "个人用户登录", "个人登录", "similar text"),
    ("flows/basic-info.yaml", "fill", "手机号码", "联系电话", "elimination"),
    ("flows/register.yaml", "click", "马上报名", "立即报名", "similar text"),
    ("flows/register.yaml", "expect", "上传证件照", "上传免冠照片", "similar text"),
    ("flows/register.yaml", "expect", "照片上传成功", "照片已保存", "appeared after click 上传照片"),
    ("flows/fields/registration.yaml", "fill_form", "手机号码", "联系电话", "elimination"),
]


@pytest.fixture
def drifted() -> Iterator[RunningPortal]:
    with serve_in_thread(qa_token=TOKEN, drift=DRIFT) as running:
        yield running


def _outcome(name: str) -> dict[str, object]:
    """The latest run's outcome of ``name`` (outcomes.json holds the whole message)."""
    runs = sorted(
        (Path(os.environ["PORTAL_BOT_STATE_DIR"]) / "runs").glob("*/outcomes.json"),
        key=lambda p: (len(p.parent.name), p.parent.name),  # run 10 after run 9
    )
    data = json.loads(runs[-1].read_text(encoding="utf-8"))
    return next(o for o in data["outcomes"] if o["name"] == name)  # type: ignore[no-any-return]


def _check(project: Path, recording: Path, patch: Path) -> dict[str, object]:
    args = ["flows", "check", "flows", "--against", str(recording), "--json", "--write-patch", str(patch)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output  # a missing step
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_the_loop_fixes_every_drifted_text_and_the_candidate_registers(
    drifted: RunningPortal, cohort: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert {text for _, _, text, _, _ in DRIFTED} == set(DRIFT)  # every reworded text, once reached
    project = tmp_path / "project"
    shutil.copytree(REPO / "flows", project / "flows")  # flows/ holds the field map (flows/fields/)
    shipped = {p.relative_to(project): p.read_text(encoding="utf-8") for p in project.rglob("*.yaml")}
    monkeypatch.chdir(project)

    for n, (flow, action, text, first, why) in enumerate(DRIFTED):
        recording = tmp_path / f"录制{n}"
        done = register(cohort, drifted, "--only", "陈雨桐", "--flows", "flows", "--record", str(recording))
        assert done.returncode == 1 and "site mismatch" in done.stdout, done.stdout + done.stderr
        message = str(_outcome("陈雨桐")["message"])  # the run says it too, with the same first text
        assert f"'{text}' is not on" in message and f"the page has '{first}' ({why}" in message, message

        data = _check(project, recording, tmp_path / f"fix{n}.diff")
        missing = [s for s in data["steps"] if s["status"] == "missing"]  # type: ignore[attr-defined]
        assert [(s["flow"], s["action"], s["target"]) for s in missing] == [(flow, action, text)], missing
        assert missing[0]["suggestions"][0]["text"] == first
        assert missing[0]["suggestions"][0]["why"].startswith(why)
        applied = subprocess.run(
            ["git", "apply", str(tmp_path / f"fix{n}.diff")], cwd=project, capture_output=True, text=True
        )
        assert applied.returncode == 0, applied.stderr

    done = register(cohort, drifted, "--only", "陈雨桐", "--flows", "flows")
    assert done.returncode == 0, done.stdout + done.stderr
    (application,) = drifted.qa.applications()
    assert application["state"] == "待审核"
    candidate = yaml.safe_load((cohort / "002-0242.yaml").read_text(encoding="utf-8"))
    assert application["values"]["address"] == candidate["address"]  # the moved field, by its label

    # the patches changed drifted texts and nothing else: every changed line is the shipped line
    # with a reworded text in its new words (a line a run did not reach keeps its old text)
    for path, shipped_text in shipped.items():
        now = (project / path).read_text(encoding="utf-8").splitlines()
        for old, new in zip(shipped_text.splitlines(), now, strict=True):
            if old != new:
                assert any(old.replace(a, b) == new for a, b in DRIFT.items()), (path, old, new)
