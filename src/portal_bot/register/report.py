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
from portal_bot.i18n import N_, _, html_lang, with_gettext
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


#: What to do, in the head teacher's words (the status report's style); the outcome's own word
#: (``CandidateOutcome.label``) says what happened. Translated where shown.
_WORDS: dict[Outcome, str] = {
    Outcome.SUBMITTED: N_("Waiting for the site's review; nothing to do."),
    Outcome.RESUBMITTED: N_("Waiting for the site's review again; nothing to do."),
    Outcome.ALREADY_SUBMITTED: N_("Nothing to do."),
    Outcome.WAITING: N_("Run again when the person is present; it continues where it stopped."),
    Outcome.DATA_ERROR: N_("Correct the data as explained below, then run again."),
    Outcome.PORTAL_ERROR: N_("Run again later (candidates already done are skipped)."),
    Outcome.MISMATCH: N_(
        "Compare the differences in the table, correct the data or the site's information, then run again."
    ),
    Outcome.FLOW_ERROR: N_("A technical person should look at the evidence, adapt the flow and run again."),
    Outcome.SITE_MISMATCH: N_(
        "The site's page and the flow files differ: correct the flow at the file and line the reason names"
        " (see docs/flows.md), run portal-bot flows check, then run again."
    ),
    Outcome.SKIPPED: N_("See the reason; run again once it is resolved."),
    Outcome.ERROR: N_("Run again; if it happens again, send the technical evidence to a technical person."),
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
                "todo": _(_WORDS[item.outcome]),
                "step": _(item.step) if item.step else "",  # a progress word (register.progress)
                "photo": _copy_asset(item.photo, assets, f"{index:03d}-photo"),
                "preview": _copy_asset(item.preview, assets, f"{index:03d}-preview"),
                # a green row has no failure: an old screenshot from an earlier attempt would mislead
                "screenshot": ""
                if item.ok
                else _copy_asset(item.failure_screenshot, assets, f"{index:03d}-failure"),
                "page": ""
                if item.ok
                else _copy_asset(item.failure_page, assets, f"{index:03d}-failure-page"),
                "trace": _copy_asset(item.trace, assets, f"{index:03d}-trace"),
            }
        )
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    template = with_gettext(env).from_string(_TEMPLATE.read_text(encoding="utf-8"))
    counts = Counter(o.outcome for o in outcomes)
    labels = {o: _(o.value) for o in Outcome}
    html = template.render(
        run=run, rows=rows, counts=counts, outcomes=list(Outcome), labels=labels, lang=html_lang()
    )
    path = out_dir / "report.html"
    atomic_write_text(path, html, private=True)
    return path


_HEADERS = (
    "#",
    N_("name"),
    N_("ID number"),
    N_("outcome"),
    N_("last step"),
    N_("reason"),
    N_("next step"),
    N_("materials PDF sha256"),
    N_("photo sha256"),
    N_("file"),
)
_WIDTHS = (5, 12, 22, 18, 16, 50, 50, 20, 20, 30)


def write_xlsx(run: RunInfo, outcomes: list[CandidateOutcome], out_dir: Path) -> Path:
    """Write ``report.xlsx``: one row per candidate, coloured by outcome, ready to filter."""
    rows = [
        (
            index,
            o.name,
            o.id_masked,
            Styled(o.label, _COLOURS.get(o.outcome, "F8CBAD")),
            _(o.step) if o.step else "",
            mask_text(o.detail),
            o.next_step,
            o.bundle_sha256,
            o.photo_sha256,
            o.file,
        )
        for index, o in enumerate(outcomes, start=1)
    ]
    info = [
        (_("cohort"), run.cohort),
        (_("portal"), run.portal),
        (_("started"), run.started.isoformat(timespec="seconds")),
        (_("finished"), run.finished.isoformat(timespec="seconds") if run.finished else ""),
    ]
    return write_workbook(
        out_dir / "report.xlsx",
        [
            # the sheets' names stay the same in every language: scripts find the data by them
            Sheet("报名结果", tuple(_(h) for h in _HEADERS), rows, widths=_WIDTHS),
            Sheet("运行信息", (_("run"), str(run.run_id)), info, widths=(12, 40), filter=False),
        ],
    )


def write_report(run: RunInfo, outcomes: list[CandidateOutcome], out_dir: Path) -> tuple[Path, Path]:
    """Both the HTML page and the workbook (0600, in a 0700 folder); returns their paths."""
    html, xlsx = write_html(run, outcomes, out_dir), write_xlsx(run, outcomes, out_dir)
    if os.name == "posix":
        xlsx.chmod(0o600)  # the shared workbook writer makes 0644 files
    return html, xlsx
