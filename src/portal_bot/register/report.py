"""The coordinator's report of a registration run: one HTML page and one .xlsx workbook.

Every value is HTML-escaped by Jinja2's autoescape (a name like ``<script>`` shows as text) and passed
through the privacy mask once more, so an unmasked ID or phone number in a message cannot leak.
Screenshots are copied beside the report so the folder can be zipped and sent as it is.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import jinja2

from portal_bot.fileio import atomic_write_text
from portal_bot.privacy import mask_text
from portal_bot.register.outcome import CandidateOutcome, Outcome, RunInfo
from portal_bot.spreadsheet import Sheet, Styled, write_workbook

_TEMPLATE = Path(__file__).with_name("report.html.j2")

_COLOURS = {
    Outcome.SUBMITTED: "C6EFCE",
    Outcome.RESUBMITTED: "C6EFCE",
    Outcome.ALREADY_SUBMITTED: "DDEBF7",
    Outcome.WAITING: "FFF2CC",
    Outcome.SKIPPED: "EDEDED",
}


def _copy_asset(src: Path | None, assets: Path, name: str) -> str:
    if src is None or not src.exists():
        return ""
    assets.mkdir(parents=True, exist_ok=True)
    target = assets / f"{name}{src.suffix}"
    shutil.copyfile(src, target)
    return f"{assets.name}/{target.name}"


def write_html(run: RunInfo, outcomes: list[CandidateOutcome], out_dir: Path) -> Path:
    """Write ``report.html`` (and its screenshots under ``assets/``) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    assets = out_dir / "assets"
    rows = []
    for index, item in enumerate(outcomes, start=1):
        rows.append(
            {
                "item": item,
                "message": mask_text(item.message),
                "differences": [(f, mask_text(a), mask_text(b)) for f, a, b in item.differences],
                "preview": _copy_asset(item.preview, assets, f"{index:03d}-preview"),
                "screenshot": _copy_asset(item.failure_screenshot, assets, f"{index:03d}-failure"),
                "trace": _copy_asset(item.trace, assets, f"{index:03d}-trace"),
            }
        )
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    template = env.from_string(_TEMPLATE.read_text(encoding="utf-8"))
    counts = Counter(o.outcome for o in outcomes)
    html = template.render(run=run, rows=rows, counts=counts, outcomes=list(Outcome))
    path = out_dir / "report.html"
    atomic_write_text(path, html)
    return path


_HEADERS = (
    "#",
    "姓名",
    "身份证件号码",
    "结果",
    "最后步骤",
    "原因",
    "下一步",
    "材料PDF sha256",
    "照片 sha256",
    "文件",
)
_WIDTHS = (5, 12, 22, 18, 16, 50, 50, 20, 20, 30)


def write_xlsx(run: RunInfo, outcomes: list[CandidateOutcome], out_dir: Path) -> Path:
    """Write ``report.xlsx``: one row per candidate, coloured by outcome, ready to filter."""
    rows = [
        (
            index,
            o.name,
            o.id_masked,
            Styled(o.outcome.value, _COLOURS.get(o.outcome, "F8CBAD")),
            o.step,
            mask_text(o.message),
            o.next_step,
            o.bundle_sha256,
            o.photo_sha256,
            o.file,
        )
        for index, o in enumerate(outcomes, start=1)
    ]
    info = [
        ("cohort", run.cohort),
        ("portal", run.portal),
        ("started", run.started.isoformat(timespec="seconds")),
        ("finished", run.finished.isoformat(timespec="seconds") if run.finished else ""),
    ]
    return write_workbook(
        out_dir / "report.xlsx",
        [
            Sheet("报名结果", _HEADERS, rows, widths=_WIDTHS),
            Sheet("运行信息", ("run", str(run.run_id)), info, widths=(12, 40), filter=False),
        ],
    )


def write_report(run: RunInfo, outcomes: list[CandidateOutcome], out_dir: Path) -> tuple[Path, Path]:
    """Both the HTML page and the workbook; returns their paths."""
    return write_html(run, outcomes, out_dir), write_xlsx(run, outcomes, out_dir)
