"""The flow patch writer: a diff ``git apply`` takes, and no guessing when a line changed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from portal_bot.errors import FlowError
from portal_bot.flows.patch import Edit, unified_patch

FLOW = "steps:\n  - click: {text: 马上报名, submit: true}\n  - fill: {field: 手机号码, value: x}\n"


def test_patch_applies_with_git_and_changes_only_the_named_lines(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "register.yaml").write_text(FLOW, encoding="utf-8")
    edits = [
        Edit(flows / "register.yaml", 3, "手机号码", "联系电话", "elimination"),
        Edit(flows / "register.yaml", 2, "马上报名", "立即报名", "similar text (button, 50%)"),
    ]
    patch = unified_patch(edits, tmp_path)
    assert "--- a/flows/register.yaml" in patch and "+++ b/flows/register.yaml" in patch
    assert "# flows/register.yaml:2: 马上报名 -> 立即报名: similar text (button, 50%)" in patch
    assert shutil.which("git"), "git applies the patch in this test"
    (tmp_path / "fix.patch").write_text(patch, encoding="utf-8")
    subprocess.run(["git", "apply", "fix.patch"], cwd=tmp_path, check=True)
    expected = FLOW.replace("马上报名", "立即报名").replace("手机号码", "联系电话")
    assert (flows / "register.yaml").read_text(encoding="utf-8") == expected


def test_a_line_that_no_longer_holds_the_text_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "register.yaml"
    file.write_text(FLOW, encoding="utf-8")
    with pytest.raises(FlowError, match=r"register.yaml:3 does not hold '马上报名'"):
        unified_patch([Edit(file, 3, "马上报名", "立即报名")], tmp_path)


def test_no_edits_no_patch(tmp_path: Path) -> None:
    assert unified_patch([], tmp_path) == ""
