"""Why a text is suggested (flows.mismatch.Reason): one rendering, for people in Chinese or English,
and the English the machine outputs (the flow patch's comments, ``--json``) have always carried."""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path

import pytest

from portal_bot.flows.mismatch import Reason, say_why
from portal_bot.flows.patch import Edit, unified_patch
from portal_bot.i18n import set_language

#: reason, its English as the patch and --json carry it, as people read it in English, in Chinese
CASES = [
    (
        Reason.similar_text("button", 50),
        "similar text (button, 50%)",
        "similar text (button, 50%)",
        "文字相近（按钮，50%）",
    ),
    (
        Reason.similar_text("xselect field", 61),  # the control's own kind in the machine's words
        "similar text (xselect field, 61%)",
        "similar text (select field, 61%)",
        "文字相近（下拉框，61%）",
    ),
    (
        Reason.elimination("text field", required=True),
        "elimination: the only required text field here no step of the flow uses",
        "elimination: the only required text field here no step of the flow uses",
        "排除法：此处流程中没有步骤使用的必填文本输入框只有这一个",
    ),
    (
        Reason.elimination("button", required=False),
        "elimination: the only button here no step of the flow uses",
        "elimination: the only button here no step of the flow uses",
        "排除法：此处流程中没有步骤使用的按钮只有这一个",
    ),
    (
        Reason.appeared_after("上传照片"),
        "appeared after click 上传照片",
        "appeared after click 上传照片",
        "点击 上传照片 后出现",
    ),
    (
        Reason.appeared_after(None),  # a click by CSS: the step's own description says the same
        "appeared after click a control on the page",
        "appeared after click a control on the page",
        "点击页面上的控件后出现",
    ),
    (
        Reason.by_hand("button"),
        "done by hand in the browser (button)",
        "done by hand in the browser (button)",
        "在浏览器中手动完成（按钮）",
    ),
]


@pytest.mark.parametrize(("reason", "machine", "en", "zh"), CASES, ids=[c[1] for c in CASES])
def test_a_reason_is_said_in_either_language_and_carries_its_english(
    reason: Reason, machine: str, en: str, zh: str
) -> None:
    assert str(reason) == machine and reason == machine
    assert json.dumps({"why": reason}) == json.dumps({"why": machine})
    assert say_why(reason) == en
    set_language("zh")
    try:
        assert say_why(reason) == zh
        assert str(reason) == machine  # the machine's words never follow the language
    finally:
        set_language("en")


def test_the_kind_and_arguments_are_the_reason_not_its_sentence() -> None:
    reason = Reason.similar_text("button", 50)
    assert (reason.kind, dict(reason.args)) == ("similar_text", {"what": "button", "score": 50})
    for again in (copy.deepcopy(reason), pickle.loads(pickle.dumps(reason))):
        assert isinstance(again, Reason) and again.kind == "similar_text" and again == reason
    with pytest.raises(TypeError):
        reason.args["score"] = 99  # type: ignore[index]


def test_a_plain_text_is_shown_as_it_is_in_either_language() -> None:
    """A reason someone wrote as text (not built by mismatch.py) is never parsed: shown unchanged."""
    set_language("zh")
    try:
        assert say_why("similar text (button, 50%)") == "similar text (button, 50%)"
    finally:
        set_language("en")


def test_the_patch_comment_is_the_same_bytes_in_either_language(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    flow = "steps:\n  - click: 马上报名\n  - fill: 手机号码\n"
    (flows / "register.yaml").write_text(flow, encoding="utf-8")
    edits = [
        Edit(flows / "register.yaml", 2, "马上报名", "立即报名", Reason.similar_text("button", 50)),
        Edit(flows / "register.yaml", 3, "手机号码", "联系电话", Reason.by_hand("text")),
    ]
    plain = [Edit(e.path, e.line, e.old, e.new, str(e.why)) for e in edits]
    english = unified_patch(edits, tmp_path)
    set_language("zh")
    try:
        chinese = unified_patch(edits, tmp_path)
    finally:
        set_language("en")
    assert english == chinese == unified_patch(plain, tmp_path)
    assert english.startswith(
        "# flows/register.yaml:2: 马上报名 -> 立即报名: similar text (button, 50%)\n"
        "# flows/register.yaml:3: 手机号码 -> 联系电话: done by hand in the browser (text)\n"
    )
