import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from portal_bot.cohortrun.states import Action, State
from portal_bot.errors import StateError
from portal_bot.i18n import Language, _, set_language
from portal_bot.status import report
from portal_bot.status.changes import Observation
from portal_bot.status.report import current_states, render_html, timeline, write_html, write_xlsx

Obs = Callable[..., Observation]
ID = "330102199001011234"
PHONE = "13812345678"


@pytest.fixture
def history(obs: Obs, t0: datetime) -> list[Observation]:
    day = timedelta(days=1)
    return [
        obs("zhang", State.PENDING_REVIEW, name="张三", at=t0),
        obs("li", State.PENDING_REVIEW, name="<script>alert(1)</script>", at=t0),
        obs("wang", State.DRAFT, name=f"王五 {ID}", at=t0),
        obs("zhang", State.RETURNED, name="张三", at=t0 + day, reason=f'电话{PHONE}打不通 & "照片"不合格'),
        obs("li", State.APPROVED, name="<script>alert(1)</script>", at=t0 + day),
        obs("wang", State.PENDING_REVIEW, name=f"王五 {ID}", at=t0 + day),
        obs(
            "zhang", State.RETURNED, name="张三", at=t0 + 2 * day, reason=f'电话{PHONE}打不通 & "照片"不合格'
        ),
        obs("li", State.PAID, name="<script>alert(1)</script>", at=t0 + 2 * day),
        obs("wang", State.ERROR, name=f"王五 {ID}", at=t0 + 2 * day, note="page timed out"),
    ]


def test_timeline_counts_each_candidates_latest_state_per_day(history: list[Observation]) -> None:
    points = timeline(history)
    assert [p.label for p in points] == ["03-01", "03-02", "03-03"]
    nonzero = [{s: n for s, n in p.counts.items() if n} for p in points]
    assert nonzero[0] == {State.PENDING_REVIEW: 2, State.DRAFT: 1}
    assert nonzero[1] == {State.RETURNED: 1, State.APPROVED: 1, State.PENDING_REVIEW: 1}
    assert nonzero[2] == {State.RETURNED: 1, State.PAID: 1, State.ERROR: 1}
    assert all(p.total == 3 for p in points)


def test_a_short_history_is_charted_per_hour(obs: Obs, t0: datetime) -> None:
    points = timeline(
        [obs("a", State.PENDING_REVIEW, at=t0), obs("a", State.TO_PAY, at=t0 + timedelta(hours=3))]
    )
    assert [p.label for p in points] == ["03-01 09:00", "03-01 12:00"]


def test_a_long_history_is_thinned_keeping_the_last_point(obs: Obs, t0: datetime) -> None:
    history = [obs("a", State.PENDING_REVIEW, at=t0 + timedelta(days=i)) for i in range(200)]
    history.append(obs("a", State.PAID, at=t0 + timedelta(days=200)))
    points = timeline(history, max_points=30)
    assert len(points) == 30
    assert points[-1].counts[State.PAID] == 1 and points[0].label == "03-01"


def test_current_states_are_the_latest_most_urgent_first(history: list[Observation]) -> None:
    current = current_states(reversed(history))
    assert [o.key for o in current] == ["zhang", "wang", "li"]
    assert [o.action for o in current] == [Action.FIX_AND_RESUBMIT, Action.CHECK_ERROR, Action.NOTHING]


def test_html_escapes_every_value(history: list[Observation]) -> None:
    page = render_html(history, cohort="<b>cohort</b>")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;cohort&lt;/b&gt;" in page
    assert "&amp; &quot;照片&quot;不合格" in page


def test_a_name_cell_never_wraps_beside_a_long_command(history: list[Observation]) -> None:
    """李测试二 stays on one line when the next-step command takes the width (issue 16, zh report)."""
    page = render_html(history, commands={"zhang": "portal-bot register cohort --only 张三 " * 3})
    assert "td.name{white-space:nowrap}" in page
    assert page.count('<td class="name">') == 3 and '<td class="name">张三</td>' in page


def test_html_masks_personal_data(history: list[Observation]) -> None:
    page = render_html(history)
    assert ID not in page and PHONE not in page
    assert "3301**********1234" in page and "138****5678" in page


def test_html_loads_nothing_external(history: list[Observation]) -> None:
    page = render_html(history)
    assert re.search(r"(https?:)?//", page) is None  # no URL at all, absolute or protocol-relative
    assert re.search(r"<(script|link|img|iframe)\b", page) is None
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


# The report is in one language now (issue 16): the Chinese words are checked in Chinese, the
# English ones in English; a state the site shows keeps the site's word in both.
WORDS = {
    "zh": ("03-02 驳回修改: 1", ("修改后重新提交", "查看错误", "无需操作"), "上次确知：待审核（"),
    "en": (
        "03-02 驳回修改 (returned for changes): 1",
        ("fix and resubmit", "check the error", "nothing to do"),
        "last known: 待审核 (pending review) (",
    ),
}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_html_has_a_stacked_chart_a_legend_and_the_current_table(
    history: list[Observation], language: Language
) -> None:
    set_language(language)
    tip, groups, last_known = WORDS[language]
    page = render_html(history)
    chart = page[page.index("<svg") : page.index("</svg>")]
    assert chart.count("<rect") == 2 + 3 + 3  # one segment per non-empty state per day
    assert tip in chart
    table = page[page.index("<table") :]
    assert table.index(groups[0]) < table.index(groups[1]) < table.index(groups[2])
    assert last_known in table and "page timed out" in table
    assert f'<html lang="{"zh-CN" if language == "zh" else "en"}">' in page


def test_html_for_an_empty_history() -> None:
    page = render_html([])
    assert "no observations yet" in page and "<svg" not in page


def test_write_html_is_atomic(
    history: list[Observation], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "reports" / "状态报告.html"
    write_html(target, history)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    first = target.read_bytes()

    def broken(*args: object, **kwargs: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", broken)
    with pytest.raises(StateError, match="No space left on device"):
        write_html(target, history)
    assert target.read_bytes() == first
    assert sorted(p.name for p in target.parent.iterdir()) == ["状态报告.html"]


def test_write_to_an_unusable_place_is_a_state_error(history: list[Observation], tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(StateError, match="cannot write the report"):
        write_html(blocker / "report.html", history)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_xlsx_reads_back_with_current_history_and_counts(
    history: list[Observation], obs: Obs, t0: datetime, tmp_path: Path, language: Language
) -> None:
    set_language(language)
    history = [*history, obs("formula", State.TO_PAY, name='=HYPERLINK("x")', at=t0 + timedelta(days=2))]
    path = write_xlsx(tmp_path / "status.xlsx", history)
    wb = load_workbook(path)
    assert wb.sheetnames == ["当前状态 Current", "历史记录 History", "统计 Counts"]  # in every language

    current = wb["当前状态 Current"]
    rows = list(current.iter_rows(values_only=True))
    assert rows[0] == tuple(_(h) for h in report.CURRENT_HEADER)
    assert rows[0][0] == ("操作" if language == "zh" else "Action")
    actions = [Action.FIX_AND_RESUBMIT, Action.PAY, Action.CHECK_ERROR, Action.NOTHING]
    assert [r[0] for r in rows[1:]] == [a.label if language == "zh" else a.english for a in actions]
    zhang = rows[1]
    returned = "驳回修改" if language == "zh" else "驳回修改 (returned for changes)"
    assert zhang[1] == "张三" and zhang[3] == returned and "138****5678" in zhang[5]
    assert isinstance(zhang[6], datetime)
    formula = current.cell(row=3, column=2)
    assert formula.value == '=HYPERLINK("x")' and formula.data_type == "s"

    hist = list(wb["历史记录 History"].iter_rows(values_only=True))
    assert len(hist) == 1 + len(history)
    assert hist[0] == tuple(_(h) for h in report.HISTORY_HEADER)
    assert [r[5] for r in hist[1:4]] == ["pending_review", "pending_review", "draft"]
    counts = list(wb["统计 Counts"].iter_rows(values_only=True))
    assert len(counts) == 1 + 3

    every_value = " ".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row)
    assert ID not in every_value and PHONE not in every_value
    assert "3301**********1234" in every_value
    assert [p.name for p in tmp_path.iterdir()] == ["status.xlsx"]
