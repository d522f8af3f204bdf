"""Which recorded page a flow step applies to, and the patch edits (portal_bot.flows.against).

No browser: what each page says about each target is given as a table, as the browser part
(flows/against_browser.py) would find it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from portal_bot.flows.against import (
    AgainstReport,
    Finding,
    Lookup,
    StepResult,
    Target,
    place,
    targets,
)
from portal_bot.flows.mismatch import Reason
from portal_bot.flows.steps import load_flow
from portal_bot.recording.model import RecordedPage, Recording

REPO = Path(__file__).resolve().parents[2]
FLOWS = REPO / "flows"


def _flow(tmp_path: Path, body: str, name: str = "f.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def _recording(*paths: str, steps: dict[int, tuple[str, ...]] | None = None) -> Recording:
    pages = tuple(
        RecordedPage(n=n, name=f"{n:03d}", path=p, reason="survey", steps=(steps or {}).get(n, ()))
        for n, p in enumerate(paths, 1)
    )
    return Recording(made_by="fixture", site="http://127.0.0.1:1", created=datetime.now(UTC), pages=pages)


def _look(found: list[Target], on: dict[str, set[int]], pages: int) -> Lookup:
    """``on``: target text → the pages it is on; a missing one suggests 'X' on every page."""
    return {
        (i, n): Finding(True) if n in on.get(t.text, set()) else Finding(False, (("X", 90, "similar"),))
        for i, t in enumerate(found)
        for n in range(1, pages + 1)
    }


def test_stretches_end_at_clicks_and_start_at_gotos() -> None:
    found = targets(load_flow(FLOWS / "open-plan.yaml"))
    by_text = {t.text: t for t in found}
    assert by_text["技能评价报名计划"].goto is not None
    assert by_text["技能评价报名计划"].goto.fullmatch("/pj/plans")
    assert by_text["搜索"].stretch == by_text["技能评价报名计划"].stretch
    assert by_text["table a >> nth=0"].stretch == by_text["搜索"].stretch + 1
    assert by_text["技能评价申报计划"].stretch == by_text["搜索"].stretch + 2
    assert by_text["计划编号"].how == "value" and by_text["搜索"].how == "button"


def test_env_texts_are_checked_and_patched_where_they_are_written() -> None:
    found = targets(load_flow(FLOWS / "register.yaml"))
    uploaded = next(t for t in found if t.text == "照片上传成功")
    assert uploaded.how == "visible" and uploaded.conditional
    assert uploaded.source is not None and uploaded.source.line == 10  # the env: line, not the step's
    entries = [t for t in found if t.action == "fill_form"]
    assert {t.where.path.name for t in entries} == {"registration.yaml"}
    phone = next(t for t in entries if t.text == "手机号码")
    assert phone.also and phone.also[0].path.name == "register.yaml"  # run where fill_form ran


def test_targets_that_need_a_candidate_are_left_out(tmp_path: Path) -> None:
    path = _flow(tmp_path, 'name: t\nsteps:\n  - click: "${candidate.name}"\n  - click: 好\n')
    assert [t.text for t in targets(load_flow(path))] == ["好"]


def test_the_page_with_most_of_a_stretch_wins_then_the_order(tmp_path: Path) -> None:
    path = _flow(
        tmp_path,
        "name: t\nsteps:\n  - expect: A\n  - expect: B\n  - expect: C\n  - click: 下一步\n"
        "  - expect: D\n  - click: 下一步\n",
    )
    found = targets(load_flow(path))
    rec = _recording("/a", "/b", "/c")
    on = {"A": {2}, "B": {2}, "C": {1}, "下一步": {1, 2, 3}, "D": {3}}
    results = {(r.target.text, r.target.where.line): r for r in place(rec, found, _look(found, on, 3))}
    assert results["A", 3].page is not None and results["A", 3].page.n == 2  # 3 of 4 on page 2
    assert results["C", 5].status == "missing" and results["C", 5].suggestions[0][0] == "X"
    assert results["下一步", 6].page.n == 2  # type: ignore[union-attr]
    assert results["D", 7].page.n == 3  # type: ignore[union-attr]
    assert results["下一步", 8].status == "resolved" and results["下一步", 8].page.n == 3  # type: ignore[union-attr]


def test_a_stretch_found_nowhere_or_by_too_few_is_not_recorded(tmp_path: Path) -> None:
    path = _flow(tmp_path, "name: t\nsteps:\n  - expect: A\n  - expect: B\n  - expect: C\n  - click: Z\n")
    found = targets(load_flow(path))
    results = place(_recording("/a"), found, _look(found, {"A": {1}}, 1))  # 1 of 4: not enough
    assert {r.status for r in results} == {"not recorded"}
    assert all(r.page is None and not r.suggestions for r in results)


def test_a_goto_names_its_page_even_when_every_text_changed(tmp_path: Path) -> None:
    path = _flow(tmp_path, "name: t\nsteps:\n  - goto: /pj/plan/${plan.id}\n  - expect: A\n")
    found = targets(load_flow(path))
    results = place(_recording("/", "/pj/plan/911"), found, _look(found, {}, 2))
    assert results[0].status == "missing" and results[0].page.n == 2  # type: ignore[union-attr]


def test_a_recorded_step_is_checked_where_it_ran_and_pins_its_stretch(tmp_path: Path) -> None:
    path = _flow(tmp_path, "name: t\nsteps:\n  - click: 马上报名\n")
    found = targets(load_flow(path))
    rec = _recording("/a", "/pj/plan/1", steps={2: (f"somewhere/{path.name}:3",)})
    results = place(rec, found, _look(found, {}, 2))
    assert results[0].status == "missing" and results[0].page.n == 2  # type: ignore[union-attr]
    other = _recording("/a", "/pj/plan/1", steps={2: ("flows/other.yaml:3",)})
    assert place(other, found, _look(found, {}, 2))[0].status == "not recorded"


def test_a_conditional_step_missing_on_an_inferred_page_is_not_recorded(tmp_path: Path) -> None:
    path = _flow(tmp_path, 'name: t\nsteps:\n  - expect: A\n  - click: {text: 退出, when: "${vars.x}"}\n')
    found = targets(load_flow(path))
    results = place(_recording("/a"), found, _look(found, {"A": {1}}, 1))
    assert [r.status for r in results] == ["resolved", "not recorded"]


def test_edits_take_the_best_suggestion_on_the_line_that_holds_the_text(tmp_path: Path) -> None:
    path = _flow(
        tmp_path,
        "name: t\nsteps:\n  - expect:\n      field: 姓名\n      equals: x\n"
        "  - click: 马上报名\n  - click: 提交\n",
    )
    found = targets(load_flow(path))
    name, button, submit = found
    report = AgainstReport(
        tmp_path,
        [
            StepResult(name, "missing", None, (("名字: 全称", 60, "similar"), ("别的", 50, "similar"))),
            StepResult(button, "missing", None, (("立即报名", 50, "similar"),)),
            StepResult(submit, "missing", None, ()),
        ],
    )
    edits, none = report.edits()
    assert [(e.line, e.old, e.new) for e in edits] == [
        (4, "姓名", '"名字: 全称"'),
        (6, "马上报名", "立即报名"),
    ]
    assert none == [report.steps[2]]  # no suggestion: never guessed


def test_the_patch_is_relative_to_the_working_folder_or_else_above_the_flows(tmp_path: Path) -> None:
    from portal_bot.flows.commands import _patch_base

    flows = tmp_path / "proj" / "my-flows"
    files = [flows / "register.yaml", flows / "fields" / "registration.yaml"]
    assert _patch_base(files, tmp_path) == tmp_path
    assert _patch_base(files, tmp_path / "elsewhere") == tmp_path / "proj"


def test_a_register_recording_checks_only_what_ran_and_guesses_no_page(tmp_path: Path) -> None:
    """A register --record run names every step it ran: a flow that stopped early (个人基本信息
    already confirmed) left steps that did not run; they are not recorded, never missing."""
    path = _flow(tmp_path, "name: t\nsteps:\n  - expect: A\n  - expect: B\n  - click: Z\n  - expect: C\n")
    found = targets(load_flow(path))
    look = _look(found, {"A": {1}, "Z": {1}, "C": {1}}, 1)
    named = _recording("/a", steps={1: (f"flows/{path.name}:3",)}).model_copy(update={"made_by": "register"})
    assert [r.status for r in place(named, found, look)] == [
        "resolved",
        "not recorded",
        "resolved",
        "not recorded",
    ]
    # the same pages walked by a person (no step names): the page is inferred and B is missing there
    survey = _recording("/a")
    assert [r.status for r in place(survey, found, look)] == ["resolved", "missing", "resolved", "resolved"]


def test_a_missing_expected_text_suggests_what_appeared_after_the_click_first(tmp_path: Path) -> None:
    """The page the click ran on is the one before; the page the text is missing on, the one after."""
    path = _flow(tmp_path, "name: t\nsteps:\n  - click: 上传照片\n  - expect: {visible: 照片上传成功}\n")
    found = targets(load_flow(path))
    assert found[1].follows is not None and found[1].follows[0] == "上传照片"
    texts = {1: ["上传照片", "暂无照片"], 2: ["上传照片", "照片已保存"]}
    pages = tuple(
        RecordedPage(
            n=n,
            name=f"{n:03d}",
            path="/user/app/1/step1",
            reason="failed" if n == 2 else "visited",
            steps=("flows/f.yaml:3",) if n == 1 else ("flows/f.yaml:4",),
            failed_step="flows/f.yaml:4" if n == 2 else None,
            offers={"buttons": ["上传照片"], "texts": texts[n]},
        )
        for n in (1, 2)
    )
    recording = Recording(
        made_by="register", site="http://127.0.0.1:1", created=datetime.now(UTC), pages=pages
    )
    look = _look(found, {"上传照片": {1, 2}}, 2)
    (click, expect) = place(recording, found, look)
    assert click.status == "resolved"
    assert expect.status == "missing" and expect.page is not None and expect.page.n == 2
    assert expect.suggestions[0] == ("照片已保存", 36, "appeared after click 上传照片")
    assert expect.suggestions[1:] == (("X", 90, "similar"),)  # the page's own suggestions after it

    # nothing new after the click: no such suggestion, nothing guessed
    same = Recording(
        made_by="register",
        site="http://127.0.0.1:1",
        created=datetime.now(UTC),
        pages=tuple(p.model_copy(update={"offers": {"texts": texts[2]}}) for p in pages),
    )
    assert place(same, found, look)[1].suggestions == (("X", 90, "similar"),)


def test_the_table_says_why_in_the_chosen_language_and_json_keeps_english(tmp_path: Path) -> None:
    """Issue 16: the reasons are translated where the table shows them; --json and the patch keep
    the English ``why`` (machine output)."""
    from rich.console import Console

    from portal_bot.flows.against_view import table
    from portal_bot.i18n import set_language

    path = _flow(tmp_path, "name: t\nsteps:\n  - click: 马上报名\n  - fill: {field: 手机号码, value: x}\n")
    found = targets(load_flow(path))
    reasons = (
        ("立即报名", 50, Reason.similar_text("button", 50)),
        ("联系电话", 0, Reason.elimination("text field", required=True)),
        ("照片已保存", 36, Reason.appeared_after("上传照片")),
    )
    steps = [StepResult(t, "missing", None, reasons) for t in found]
    report = AgainstReport(tmp_path, steps)

    def shown(lang: str) -> str:
        set_language(lang)  # type: ignore[arg-type]
        try:
            console = Console(record=True, width=200)
            console.print(table(report, tmp_path))
            return console.export_text()
        finally:
            set_language("en")

    zh = shown("zh")
    assert "立即报名 (文字相近（按钮，50%）)" in zh
    assert "联系电话 (排除法：此处流程中没有步骤使用的必填文本输入框只有这一个)" in zh
    assert "照片已保存 (点击 上传照片 后出现)" in zh
    assert "similar" not in zh and "elimination" not in zh and "appeared" not in zh
    en = shown("en")
    assert "立即报名 (similar text (button, 50%))" in en and "(appeared after click 上传照片)" in en
    assert [s["why"] for s in report.as_json(tmp_path)["steps"][0]["suggestions"]] == [
        "similar text (button, 50%)",
        "elimination: the only required text field here no step of the flow uses",
        "appeared after click 上传照片",
    ]
