from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from PIL import Image

from portal_bot.i18n import set_language
from portal_bot.register.outcome import CandidateOutcome, Outcome, RunInfo
from portal_bot.register.report import write_report

RUN = RunInfo(7, "profiles/sample-cohort", "http://127.0.0.1:8000", datetime(2026, 11, 26, 9, 0), None)


def _outcomes(tmp_path: Path) -> list[CandidateOutcome]:
    shot = tmp_path / "preview.png"
    Image.new("RGB", (40, 30), "white").save(shot)
    return [
        CandidateOutcome(
            "张三",
            "3301**********123X",
            "zhang.yaml",
            Outcome.SUBMITTED,
            step="submit",
            preview=shot,
            bundle_sha256="ab" * 32,
        ),
        CandidateOutcome(
            "<script>alert(1)</script>",
            "3301**********0018",
            "evil.yaml",
            Outcome.DATA_ERROR,
            step="form",
            message="手机号码格式不正确: 13912345678",
        ),
        CandidateOutcome(
            "李四",
            "3301**********2211",
            "li.yaml",
            Outcome.MISMATCH,
            differences=[("通讯地址", "杭州市西湖区", "杭州市")],
        ),
    ]


def test_html_escapes_values_masks_and_keeps_evidence(tmp_path: Path) -> None:
    html_path, _ = write_report(RUN, _outcomes(tmp_path), tmp_path / "report")
    html = html_path.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "13912345678" not in html
    assert "139****5678" in html
    assert "assets/001-preview.png" in html
    assert (tmp_path / "report" / "assets" / "001-preview.png").exists()
    assert "杭州市西湖区" in html
    assert "Fix the field named in the message" in html


def test_xlsx_has_a_row_per_candidate(tmp_path: Path) -> None:
    set_language("zh")
    _, xlsx = write_report(RUN, _outcomes(tmp_path), tmp_path / "report")
    sheet = load_workbook(xlsx)["报名结果"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("#", "姓名", "身份证件号码", "结果")
    assert [r[3] for r in rows[1:]] == ["已提交", "资料有误", "预览与资料不符"]
    set_language("en")
    _, xlsx = write_report(RUN, _outcomes(tmp_path), tmp_path / "report-en")
    rows = list(load_workbook(xlsx)["报名结果"].iter_rows(values_only=True))  # the sheet's name is fixed
    assert rows[0][:4] == ("#", "name", "ID number", "outcome")
    assert [r[3] for r in rows[1:]] == ["submitted", "data error", "preview mismatch"]
    assert "13912345678" not in str(rows)
    assert not (tmp_path / "report" / ".report.xlsx.tmp").exists()


FORMULAS = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]
#: What reading the workbook back gives (XML turns a carriage return into a line feed).
READ_BACK = [text.replace("\r", "\n") for text in FORMULAS]


def _cells_xml(xlsx: Path) -> str:
    import zipfile

    with zipfile.ZipFile(xlsx) as book:
        return "".join(
            book.read(name).decode("utf-8") for name in book.namelist() if name.startswith("xl/worksheets/")
        )


def test_xlsx_never_writes_a_formula_from_a_name_or_message(tmp_path: Path) -> None:
    outcomes = [
        CandidateOutcome(text, "3301**********0018", "x.yaml", Outcome.DATA_ERROR, message=text)
        for text in FORMULAS
    ]
    _, xlsx = write_report(RUN, outcomes, tmp_path / "report")
    assert "<f>" not in _cells_xml(xlsx)
    sheet = load_workbook(xlsx)["报名结果"]
    for row, text in enumerate(READ_BACK, start=2):
        name = sheet.cell(row=row, column=2)
        assert (name.value, name.data_type, name.quotePrefix) == (text, "s", True)
        assert sheet.cell(row=row, column=6).quotePrefix


def test_both_reports_use_the_one_guarded_writer(tmp_path: Path) -> None:
    """The status report shares the writer: its cells starting with + - @ are guarded too."""
    from datetime import UTC, datetime

    from portal_bot.cohortrun.states import State
    from portal_bot.status.changes import Observation
    from portal_bot.status.report import write_xlsx

    history = [
        Observation(
            key=f"k{i}",
            name=text,
            plan_code="2024-S-000911",
            state=State.PENDING_REVIEW,
            state_text=text,
            reason=None,
            observed_at=datetime(2026, 1, 1, 9, i, tzinfo=UTC),
        )
        for i, text in enumerate(FORMULAS)
    ]
    xlsx = write_xlsx(tmp_path / "status.xlsx", history)
    assert "<f>" not in _cells_xml(xlsx)
    sheet = load_workbook(xlsx)["当前状态 Current"]
    names = {sheet.cell(row=r, column=2).value: sheet.cell(row=r, column=2) for r in range(2, 8)}
    assert set(names) == set(READ_BACK)
    assert all(c.quotePrefix and c.data_type == "s" for c in names.values())


def _teacher_outcomes(tmp_path: Path) -> list[CandidateOutcome]:
    shot, photo, old = tmp_path / "preview.png", tmp_path / "photo.jpg", tmp_path / "old-failure.png"
    Image.new("RGB", (400, 900), "white").save(shot)
    Image.new("RGB", (295, 413), "lightblue").save(photo)
    Image.new("RGB", (40, 30), "red").save(old)
    outcomes = _outcomes(tmp_path)
    outcomes[0].photo = photo
    outcomes[0].photo_sha256 = "cd" * 32
    outcomes[0].failure_screenshot = old  # from an earlier attempt of a candidate now submitted
    outcomes[1].failure_screenshot = old
    page = tmp_path / "old-failure.html"
    page.write_text("<!DOCTYPE html><html><body>本职业工作年限</body></html>", encoding="utf-8")
    outcomes[0].failure_page = page
    outcomes[1].failure_page = page
    return outcomes


def test_html_reads_for_a_head_teacher(tmp_path: Path) -> None:
    import re

    set_language("zh")  # the head teacher reads Chinese
    html_path, _ = write_report(RUN, _teacher_outcomes(tmp_path), tmp_path / "report")
    html = html_path.read_text(encoding="utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "`" not in html
    # what happened and what to do, in plain Chinese, per candidate
    assert "已提交" in html and "资料有误" in html and "预览与资料不符" in html
    assert html.count("下一步") == 3
    # the photo and a preview that opens full size
    assert 'src="assets/001-photo.jpg"' in html
    assert '<a href="assets/001-preview.png"><img class="preview"' in html
    # hashes, traces and screenshots only inside the folded technical evidence
    main_view = re.sub(r"<details>.*?</details>", "", html, flags=re.S)
    assert not re.search(r"[0-9a-f]{64}", main_view)
    assert "ab" * 32 in html and "cd" * 32 in html
    assert "出错时的截图" in html and "出错时的截图" not in main_view
    # no failure screenshot on the green row; the red row keeps its own
    first, second = html.split('class="person ')[1:3]
    assert "出错时的截图" not in first and not (tmp_path / "report" / "assets" / "001-failure.png").exists()
    assert "assets/002-failure.png" in second
    # the failure's page (masked HTML) likewise, beside the screenshot
    assert "出错时的页面" in second and "出错时的页面" not in main_view
    assert '<a href="assets/002-failure-page.html">' in second
    assert (
        "出错时的页面" not in first
        and not (tmp_path / "report" / "assets" / "001-failure-page.html").exists()
    )


def test_photo_path_survives_outcomes_json(tmp_path: Path) -> None:
    from portal_bot.register.outcome import load_outcomes, save_outcomes

    outcomes = _teacher_outcomes(tmp_path)
    save_outcomes(tmp_path, 7, "c", "http://127.0.0.1:1", datetime(2026, 11, 26, 9, 0), outcomes)
    _, loaded = load_outcomes(tmp_path)
    assert loaded[0].photo == outcomes[0].photo
    assert loaded[1].failure_page == outcomes[1].failure_page  # `report --out` copies it again


def test_every_outcome_has_words_for_the_head_teacher() -> None:
    """A new Outcome (site mismatch, resubmitted…) must not crash the report with a KeyError."""
    from portal_bot.register.outcome import NEXT_STEP, Outcome
    from portal_bot.register.report import _WORDS

    assert set(_WORDS) == set(Outcome) == set(NEXT_STEP)


def test_outcomes_json_keeps_no_raw_phone_or_id_number(tmp_path: Path) -> None:
    from portal_bot.register.outcome import load_outcomes, save_outcomes

    item = CandidateOutcome(
        file="001.yaml",
        name="王小明",
        id_masked="3301**********0318",
        outcome=Outcome.MISMATCH,
        differences=[("手机号码", "13800000001", "13800000002"), ("证件号码", "330106200403150318", "-")],
    )
    save_outcomes(tmp_path, 7, "c", "http://127.0.0.1:1", datetime(2026, 11, 26, 9, 0), [item])
    text = (tmp_path / "outcomes.json").read_text(encoding="utf-8")
    assert "13800000001" not in text and "330106200403150318" not in text
    assert load_outcomes(tmp_path)[1][0].differences[0] == ("手机号码", "138****0001", "138****0002")
