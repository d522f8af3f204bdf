"""The coordinator's report of a registration run: one HTML page and one .xlsx workbook.

Every value is HTML-escaped by Jinja2's autoescape (a name like ``<script>`` shows as text) and passed
through the privacy mask once more, so an unmasked ID or phone number in a message cannot leak.
Screenshots are copied beside the report so the folder can be zipped and sent as it is.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import jinja2

from portal_bot.fileio import atomic_write, atomic_write_text
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


#: What happened and what to do, in the head teacher's words (the status report's style).
_WORDS: dict[Outcome, tuple[str, str]] = {
    Outcome.SUBMITTED: ("已提交", "等待网站审核，无需操作。"),
    Outcome.RESUBMITTED: ("已修改并重新提交", "等待网站再次审核，无需操作。"),
    Outcome.ALREADY_SUBMITTED: ("之前已提交", "无需操作。"),
    Outcome.WAITING: ("等待本人操作", "请本人在场时重新运行，会从中断处继续。"),
    Outcome.DATA_ERROR: ("资料有误", "按下面的说明改正资料后重新运行。"),
    Outcome.PORTAL_ERROR: ("网站出错", "稍后重新运行（已完成的考生会跳过）。"),
    Outcome.MISMATCH: ("预览与资料不符，未提交", "核对下表的差异，改正资料或网站上的信息后重新运行。"),
    Outcome.FLOW_ERROR: ("网站页面有变化", "请技术人员查看技术证据并调整流程后重新运行。"),
    Outcome.SITE_MISMATCH: (
        "网站与流程不一致，未提交",
        "网站页面和流程文件不符：按原因里的文件和行号改正流程"
        "（见 docs/flows.md“When the real site differs”），运行 portal-bot flows check 后重新运行。",
    ),
    Outcome.SKIPPED: ("未提交", "见原因；解决后重新运行。"),
    Outcome.ERROR: ("程序出错", "重新运行；如再次出现，把技术证据发给技术人员。"),
}


def _copy_asset(src: Path | None, assets: Path, name: str) -> str:
    if src is None or not src.exists():
        return ""
    _private_dir(assets)
    target = assets / f"{name}{src.suffix}"
    atomic_write(target, lambda tmp: shutil.copyfile(src, tmp), private=True)
    return f"{assets.name}/{target.name}"


def _private_dir(path: Path) -> None:
    """A report folder is 0700: its screenshots and traces are evidence about people."""
    path.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        path.chmod(0o700)


def write_html(run: RunInfo, outcomes: list[CandidateOutcome], out_dir: Path) -> Path:
    """Write ``report.html`` (and its screenshots under ``assets/``) into ``out_dir`` (0700, files 0600)."""
    _private_dir(out_dir)
    assets = out_dir / "assets"
    rows = []
    for index, item in enumerate(outcomes, start=1):
        rows.append(
            {
                "item": item,
                "message": mask_text(item.detail),
                "differences": [(f, mask_text(a), mask_text(b)) for f, a, b in item.differences],
                "label": _WORDS[item.outcome][0],
                "todo": _WORDS[item.outcome][1],
                "photo": _copy_asset(item.photo, assets, f"{index:03d}-photo"),
                "preview": _copy_asset(item.preview, assets, f"{index:03d}-preview"),
                # a green row has no failure: an old screenshot from an earlier attempt would mislead
                "screenshot": ""
                if item.ok
                else _copy_asset(item.failure_screenshot, assets, f"{index:03d}-failure"),
                "trace": _copy_asset(item.trace, assets, f"{index:03d}-trace"),
            }
        )
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    template = env.from_string(_TEMPLATE.read_text(encoding="utf-8"))
    counts = Counter(o.outcome for o in outcomes)
    html = template.render(run=run, rows=rows, counts=counts, outcomes=list(Outcome), words=_WORDS)
    path = out_dir / "report.html"
    atomic_write_text(path, html, private=True)
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
            mask_text(o.detail),
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
    """Both the HTML page and the workbook (0600, in a 0700 folder); returns their paths."""
    html, xlsx = write_html(run, outcomes, out_dir), write_xlsx(run, outcomes, out_dir)
    if os.name == "posix":
        xlsx.chmod(0o600)  # the shared workbook writer makes 0644 files
    return html, xlsx
