"""CI: the shipped flows against the checked-in recording of the mock's pages (fixtures/recordings/mock-v0).

A flow edit that no longer matches the pages the flows run on fails here, offline, in seconds,
instead of in an end-to-end registration. The recording is made by ``make recording`` (a
``register --record`` run on the mock portal, variant 0), so every step it names is checked on
the page it ran on.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from rich.cells import cell_len
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
    assert [(s["target"], s["page"]) for s in missing] == [("联系地址", "pages/009-user-app-1-step2.html")]
    assert missing[0]["suggestions"][0]["text"] == "通讯地址"


def test_the_reasons_are_chinese_in_the_table_and_the_machine_outputs_keep_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16: ``--lang zh`` says every kind of reason in Chinese (from the reason's kind and
    arguments, not from an English sentence); ``--json`` and the patch are the same bytes in both
    languages."""
    shutil.copytree(REPO / "flows", tmp_path / "flows")
    monkeypatch.chdir(tmp_path)
    for name, old, new in (
        ("register.yaml", "click: {text: 马上报名", "click: {text: 立即报名"),  # similar text
        ("register.yaml", "UPLOADED: 照片上传成功", "UPLOADED: 照片已上传成功"),  # appeared after
        ("fields/registration.yaml", "label: 通讯地址", "label: 联系地址"),  # elimination
        ("basic-info.yaml", "field: 通讯地址", "field: 住址"),  # elimination, the required one
    ):
        path = tmp_path / "flows" / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new), encoding="utf-8")
    check = ["flows", "check", "flows", "--against", str(MOCK_V0)]
    table = runner.invoke(app, ["--lang", "zh", *check], env={"COLUMNS": "200"})
    assert table.exit_code == 1, table.output
    for said in (
        "→ 马上报名 (文字相近（按钮，50%）)",
        "→ 照片上传成功 (点击 上传照片 后出现)",
        "→ 通讯地址 (排除法：此处流程中没有步骤使用的文本输入框只有这一个)",
        "→ 通讯地址 (排除法：此处流程中没有步骤使用的必填文本输入框只有这一个)",
    ):
        assert said in table.stdout, said
    reasons = [line for line in table.stdout.splitlines() if "→" in line]
    assert len(reasons) >= 4
    for english in ("similar", "elimination", "appeared", "field", "button", "click"):
        assert not any(english in line for line in reasons), english

    outputs = {}
    for lang in ("zh", "en"):
        result = runner.invoke(app, ["--lang", lang, *check, "--json", "--write-patch", f"{lang}.diff"])
        assert result.exit_code == 1, result.output
        patch = (tmp_path / f"{lang}.diff").read_text(encoding="utf-8")
        outputs[lang] = (result.stdout, patch)
    assert outputs["zh"] == outputs["en"]
    data = json.loads(outputs["en"][0])
    whys = {s["suggestions"][0]["why"] for s in data["steps"] if s["status"] == "missing"}
    assert whys == {
        "similar text (button, 50%)",
        "appeared after click 上传照片",
        "elimination: the only text field here no step of the flow uses",
        "elimination: the only required text field here no step of the flow uses",
    }
    patch = outputs["en"][1]
    assert "# flows/register.yaml:" in patch and ": similar text (button, 50%)\n" in patch


def test_no_file_line_reference_is_split_at_80_columns_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    """A step's ``file:line`` stays whole in the step column (``open-plan.yaml:1`` over ``0`` was
    read as line 1), and the target column keeps room (a long step name does not squeeze it)."""
    monkeypatch.chdir(REPO)
    check = ["flows", "check", "--against", str(MOCK_V0)]
    result = runner.invoke(app, ["--lang", "zh", *check], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80, result.stdout
    rows = [line.split("│") for line in lines if line.startswith("│")]
    steps = Counter(row[1].strip() for row in rows)
    _, data = _check(REPO / "flows")
    assert isinstance(data["steps"], list)
    refs = Counter(f"{Path(str(s['flow'])).name}:{s['line']}" for s in data["steps"])
    assert len(refs) > 60
    assert refs - steps == Counter(), refs - steps  # every reference is one whole line of a cell
    assert min(cell_len(row[3]) for row in rows) >= 19  # the target column: as wide as before (19)
