"""Site mismatch suggestions: similar text by rapidfuzz, and elimination against the flow's claims."""

from __future__ import annotations

import shutil
from pathlib import Path

from portal_bot.errors import FlowError, PortalError, SiteMismatchError
from portal_bot.flows.mismatch import appeared, claims, site_mismatch, suggest
from portal_bot.flows.settle import Absent
from portal_bot.flows.steps import load_flow

FLOWS = Path(__file__).resolve().parents[2] / "flows"


def _label(text: str, kind: str = "text", fixed: bool = False) -> dict[str, object]:
    return {"text": text, "kind": kind, "fixed": fixed, "required": "*" in text}


BASIC_INFO = {
    "path": "/user/basic-info",
    "title": "浙江省职业能力一体化工作平台",
    "labels": [
        _label("姓名", fixed=True),
        _label("性别", fixed=True),
        _label("身份证件号码", fixed=True),
        _label("* 联系电话"),
        _label("* 通讯地址"),
        _label("电子邮箱"),
    ],
    "buttons": ["技能评价报名"],
    "links": ["首页", "退出"],
    "texts": [],
}


def test_claims_walk_the_field_map_but_not_the_flows_run() -> None:
    claimed = claims(load_flow(FLOWS / "register.yaml"))
    assert {"马上报名", "手机号码", "通讯地址", "申报科目", "下一步", "上传照片"} <= claimed
    # basic-info.yaml, run by register.yaml, works on 个人基本信息: its texts are not taken elsewhere
    assert "技能评价报名" not in claimed


def test_a_label_the_run_flow_fills_on_its_own_page_is_still_free_here(tmp_path: Path) -> None:
    """Once basic-info.yaml says 联系电话 (patched first), 填写报名信息's 联系电话 is still found by
    elimination for the field map's 手机号码: the subflow fills it on another page."""
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS, flows)
    basic = flows / "basic-info.yaml"
    basic.write_text(basic.read_text(encoding="utf-8").replace("手机号码", "联系电话"), encoding="utf-8")
    offers = {
        "labels": [
            _label("*姓名：", fixed=True),
            _label("*联系电话："),
            _label("* 通讯地址"),
            _label("* 统一社会信用代码"),
            _label("* 从事岗位"),
        ],
        "buttons": ["下一步"],
    }
    found = suggest(Absent("手机号码", "text", offers), claims(load_flow(flows / "register.yaml")))
    assert found[0][:1] == ("联系电话",) and found[0][2].startswith("elimination")


def test_a_text_another_step_uses_is_never_suggested() -> None:
    """上传证件照 (the step bar) became 上传免冠照片; 上传照片 is closer but is the button a step clicks."""
    offers = {"buttons": ["上传照片", "下一步"], "texts": ["上传免冠照片", "上传照片", "填写报名信息"]}
    claimed = claims(load_flow(FLOWS / "register.yaml"))
    found = suggest(Absent("上传证件照", "visible", offers), claimed)
    assert [t for t, _, _ in found] == ["上传免冠照片"]


def test_an_expected_text_is_what_appeared_after_the_click() -> None:
    before = ["上传证件照", "暂无照片", "上传照片", "下一步"]
    after = {
        "buttons": ["上传照片", "下一步"],
        # pageOffers reads the message beside the file input as a label of it: still a candidate
        "labels": [_label("* 证件照", "upload"), _label("照片已保存", "upload")],
        "texts": ["上传证件照", "照片已保存", "已上传证件照（295×413）", "上传照片", "下一步", "2"],
    }
    claimed = claims(load_flow(FLOWS / "register.yaml"))
    found = appeared("照片上传成功", before, after, claimed, "上传照片")
    assert [t for t, _, _ in found] == ["照片已保存", "已上传证件照（295×413）"]  # by similarity
    assert found[0][2] == "appeared after click 上传照片"
    assert appeared("照片上传成功", after["texts"], after, claimed, "上传照片") == []  # nothing new


def test_appeared_suggestions_come_first_in_the_message() -> None:
    flow = load_flow(FLOWS / "register.yaml")
    step = next(s for s in flow.steps if s.description.startswith("expect ${env.UPLOADED}"))
    offers = {"path": "/user/app/1/step1", "buttons": ["上传照片"], "texts": ["照片已保存", "上传照片"]}
    first = [("照片已保存", 36, "appeared after click 上传照片")]
    err = site_mismatch(Absent("照片上传成功", "visible", offers), step, flow, first)
    assert "the page has '照片已保存' (appeared after click 上传照片)" in str(err)
    assert err.suggestions[0][0] == "照片已保存"


def test_elimination_finds_the_one_required_field_no_step_uses() -> None:
    flow = load_flow(FLOWS / "basic-info.yaml")
    found = suggest(Absent("手机号码", "text", BASIC_INFO), claims(flow))
    assert found[0][0] == "联系电话"
    assert found[0][2] == "elimination: the only required text field here no step of the flow uses"


def test_without_a_required_mark_two_free_fields_are_no_elimination() -> None:
    offers = {**BASIC_INFO, "labels": [_label("联系电话"), _label("通讯地址"), _label("电子邮箱")]}
    found = suggest(Absent("手机号码", "text", offers), claims(load_flow(FLOWS / "basic-info.yaml")))
    assert not any(why.startswith("elimination") for _, _, why in found)


def test_read_only_fields_are_never_suggested_for_a_fill() -> None:
    offers = {**BASIC_INFO, "labels": [_label("手机号", fixed=True), _label("* 通讯地址")]}
    found = suggest(Absent("手机号码", "text", offers), {"通讯地址"})
    assert found == []


def test_similar_text_ranks_buttons_and_stops_at_three() -> None:
    offers = {"buttons": ["立即报名", "报名须知", "我要报名", "返回", "马上"], "links": ["首页"]}
    found = suggest(Absent("马上报名", "any", offers), {"马上报名", "返回", "首页", "马上"})
    assert len(found) <= 3
    assert "立即报名" in [t for t, _, _ in found]
    assert "返回" not in [t for t, _, _ in found]  # nothing alike
    assert all(score >= 40 for _, score, _ in found)
    assert found[0][2].startswith("similar text (button,")


def test_the_error_names_the_flow_line_the_page_and_the_suggestions() -> None:
    flow = load_flow(FLOWS / "basic-info.yaml")
    step = next(s for s in flow.steps if s.description.startswith("fill 手机号码"))
    err = site_mismatch(Absent("手机号码", "text", BASIC_INFO), step, flow)
    assert isinstance(err, SiteMismatchError) and not isinstance(err, PortalError)  # never retried
    assert isinstance(err, FlowError)  # the fix is in the flow
    text = str(err)
    where = f"{(FLOWS / 'basic-info.yaml').as_posix()}:{step.where.line}"
    assert text.startswith(f"{where}: 手机号码: site mismatch: fill 手机号码: a text field labelled")
    assert "/user/basic-info (浙江省职业能力一体化工作平台)" in text
    assert "'联系电话' (elimination" in text
    assert "the site differs from the flows" in text
    assert err.suggestions[0][0] == "联系电话"


def test_the_error_is_in_the_chosen_language_and_the_suggestions_keep_english_reasons() -> None:
    """Issue 16: register shows the message in the run's language; the suggestions (the patch's and
    --json's) keep their English reasons."""
    from portal_bot.i18n import set_language

    flow = load_flow(FLOWS / "basic-info.yaml")
    step = next(s for s in flow.steps if s.description.startswith("fill 手机号码"))
    set_language("zh")
    try:
        err = site_mismatch(Absent("手机号码", "text", BASIC_INFO), step, flow)
    finally:
        set_language("en")
    text = str(err)
    page = "/user/basic-info (浙江省职业能力一体化工作平台)"
    assert f"网站与流程不符：fill 手机号码：{page} 上没有文本输入框 '手机号码'" in text
    assert "；页面上有 '联系电话' (排除法：" in text
    assert "请参阅 docs/flows.md" in text
    for english in (
        "site mismatch",
        "elimination",
        "similar text",
        "labelled",
        "the page has",
        "from the flows",
    ):
        assert english not in text, english
    assert err.suggestions[0][0] == "联系电话" and err.suggestions[0][2].startswith("elimination: the only")
