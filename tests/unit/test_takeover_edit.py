"""What a person's takeover of a step says and which flow edit it yields (flows.takeover.HandOver)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from portal_bot.errors import SiteMismatchError
from portal_bot.flows.patch import Edit, unified_patch
from portal_bot.flows.takeover import HandOver


def _hand(verb: str, want: str, value: str | None = None, source: str | None = None) -> HandOver:
    error = SiteMismatchError("site mismatch", path=Path("flows/register.yaml"), line=17)
    page: Any = None
    return HandOver(page, error, verb, want, value, source, "register", "1")


def test_what_the_step_wanted_is_said_with_the_value_masked_and_where_it_comes_from() -> None:
    assert _hand("click", "马上报名").wanted() == "click 马上报名"
    hand = _hand("fill", "手机号码", "139****0002", "${candidate.phone}")
    assert hand.wanted() == "fill 手机号码 with 139****0002 (the candidate's candidate.phone)"
    assert hand.where == "register.yaml:17"


def test_the_last_click_becomes_the_edit_of_a_click_step() -> None:
    records = [
        {"what": "click", "text": "首页", "role": "link"},
        {"what": "field", "text": "联系电话", "kind": "text"},
        {"what": "click", "text": "立即报名", "role": "button"},
    ]
    edit = _hand("click", "马上报名").edit(records)
    assert edit == Edit(
        Path("flows/register.yaml"), 17, "马上报名", "立即报名", "done by hand in the browser (button)"
    )


def test_a_field_step_takes_the_changed_control_label_without_its_required_mark() -> None:
    records = [
        {"what": "click", "text": "下一步", "role": "button"},
        {"what": "field", "text": "* 联系电话：", "kind": "text"},
    ]
    edit = _hand("fill", "手机号码").edit(records)
    assert edit is not None and (edit.old, edit.new) == ("手机号码", "联系电话")


@pytest.mark.parametrize(
    "records",
    [
        [],  # nothing captured
        [{"what": "field", "text": "联系电话", "kind": "text"}],  # a field, for a click step
        [{"what": "click", "text": "马上报名", "role": "button"}],  # the same text: nothing to change
        [{"what": "click", "text": "报名: 立即", "role": "button"}],  # would break the YAML line
    ],
)
def test_no_edit_is_guessed(records: list[dict[str, str]]) -> None:
    assert _hand("click", "马上报名").edit(records) is None


def test_an_expected_text_takes_the_text_the_person_pointed_at(tmp_path: Path) -> None:
    flow = tmp_path / "flows" / "register.yaml"
    flow.parent.mkdir()
    flow.write_text("steps:\n  - expect: {visible: 照片上传成功}\n", encoding="utf-8")
    error = SiteMismatchError("site mismatch", path=flow, line=2)
    page: Any = None
    hand = HandOver(page, error, "see", "照片上传成功")
    assert "click the text the page shows instead" in hand.wanted()
    edit = hand.edit([{"what": "text", "text": "照片已保存"}])
    assert edit is not None
    patch = unified_patch([edit], tmp_path)
    assert "+  - expect: {visible: 照片已保存}" in patch and "a/flows/register.yaml" in patch
