from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from PIL import Image

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
    _, xlsx = write_report(RUN, _outcomes(tmp_path), tmp_path / "report")
    sheet = load_workbook(xlsx)["报名结果"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("#", "姓名", "身份证件号码", "结果")
    assert [r[3] for r in rows[1:]] == ["submitted", "data error", "preview mismatch"]
    assert "13912345678" not in str(rows)
    assert not (tmp_path / "report" / ".report.xlsx.tmp").exists()
