"""What happened to each candidate in a registration run: the data every summary and report shows.

Values here are already safe to show: ID numbers masked, no phone numbers, no cookies.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from portal_bot.errors import ConfigError
from portal_bot.fileio import atomic_write_text
from portal_bot.i18n import N_, _
from portal_bot.privacy import mask_text


class Outcome(StrEnum):
    """How a candidate's registration ended (for this run)."""

    SUBMITTED = "submitted"  # 提交 done and seen in the site's own list
    RESUBMITTED = "resubmitted"  # a returned application (驳回修改) fixed and sent back: 继续提交审核
    ALREADY_SUBMITTED = "already submitted"  # found on the site before we started: nothing done
    WAITING = "waiting on a person"  # stopped at a human step (timeout or not confirmed)
    DATA_ERROR = "data error"  # the candidate's data or files are wrong: fix, then rerun
    PORTAL_ERROR = "portal error"  # the site misbehaved past our retries: rerun later
    MISMATCH = "preview mismatch"  # the preview read back differs from the profile: nothing submitted
    FLOW_ERROR = "flow error"  # the page did not match the flow: the site may have changed
    SITE_MISMATCH = "site mismatch"  # a step's target is not on the loaded page: never retried
    SKIPPED = "skipped"  # not attempted (declined confirmation)
    ERROR = "error"  # something unexpected went wrong in portal-bot or the browser (never retried)


#: In plain words (a head teacher reads them in the report): no markup, no backticks.
#: Marked for translation only: ``CandidateOutcome.next_step`` shows them in the current language.
NEXT_STEP: dict[Outcome, str] = {
    Outcome.SUBMITTED: N_("Wait for the site's review (审核); the status command follows it."),
    Outcome.RESUBMITTED: N_("Wait for the site's review (审核) again; the status command follows it."),
    Outcome.ALREADY_SUBMITTED: N_("Nothing to do here; the status command follows it."),
    Outcome.WAITING: N_("Rerun when the person is available; the run continues where it stopped."),
    Outcome.DATA_ERROR: N_(
        "Fix the field named in the message, check it with the validate command, then rerun."
    ),
    Outcome.PORTAL_ERROR: N_("The site had trouble; rerun later (finished candidates are skipped)."),
    Outcome.MISMATCH: N_("Check the differences below; correct the profile or the site's data, then rerun."),
    Outcome.FLOW_ERROR: N_("The site may have changed: see the screenshot and trace, adapt flows/, rerun."),
    Outcome.SITE_MISMATCH: N_(
        "The site differs from the flows: edit the flow line named in the message (the page's"
        " nearest texts are listed), run `portal-bot flows check`, then rerun (docs/flows.md,"
        " 'When the real site differs')."
    ),
    Outcome.SKIPPED: N_("See the reason; rerun when it is resolved."),
    Outcome.ERROR: N_("Rerun; if it happens again, report it with the trace (the message says what failed)."),
}

#: Each outcome's value is also its English word; these mark them for the catalog (``label``).
_LABELS = (
    *(N_("submitted"), N_("resubmitted"), N_("already submitted"), N_("waiting on a person")),
    *(N_("data error"), N_("portal error"), N_("preview mismatch"), N_("flow error")),
    *(N_("site mismatch"), N_("skipped"), N_("error")),
)


@dataclass
class CandidateOutcome:
    """One line of the registration report."""

    name: str
    id_masked: str
    file: str
    outcome: Outcome
    step: str = ""  # the last step reached
    message: str = ""  # why, for failures (already masked)
    elapsed: float = 0.0
    preview: Path | None = None  # screenshot of the preview page (successes)
    failure_screenshot: Path | None = None
    failure_page: Path | None = None  # the page a failure left, masked HTML that opens offline
    photo: Path | None = None  # the prepared ID photo that was (or would be) uploaded
    trace: Path | None = None  # Playwright trace (failures)
    bundle_sha256: str = ""
    photo_sha256: str = ""
    differences: list[tuple[str, str, str]] = field(default_factory=list)  # (field, expected, on the site)
    by_hand: list[str] = field(default_factory=list)  # steps a person did (register --headed), masked

    @property
    def detail(self) -> str:
        """The message, and the steps a person did by hand (a report row's 原因 / detail)."""
        if not self.by_hand:
            return self.message
        return f"{self.message} (done by hand: {'; '.join(self.by_hand)})".lstrip()

    @property
    def next_step(self) -> str:
        return _(NEXT_STEP[self.outcome])

    @property
    def label(self) -> str:
        """The outcome in the current language (``outcome.value`` is the machine's word)."""
        return _(self.outcome.value)

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.SUBMITTED, Outcome.RESUBMITTED, Outcome.ALREADY_SUBMITTED)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (paths as strings) for the run's outcomes.json."""
        data = asdict(self)
        data["outcome"] = self.outcome.value
        for key in ("preview", "failure_screenshot", "failure_page", "trace", "photo"):
            data[key] = str(data[key]) if data[key] is not None else None
        # masked here too: outcomes.json is kept with the run, and a preview difference is often
        # the phone or ID number itself (the report masked it, the file did not)
        data["differences"] = [[f, mask_text(a), mask_text(b)] for f, a, b in self.differences]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CandidateOutcome:
        values = dict(data)
        values["outcome"] = Outcome(values["outcome"])
        for key in ("preview", "failure_screenshot", "failure_page", "trace", "photo"):
            values[key] = Path(values[key]) if values.get(key) else None
        values["differences"] = [tuple(d) for d in values.get("differences", [])]
        return cls(**values)


@dataclass(frozen=True)
class RunInfo:
    run_id: int
    cohort: str
    portal: str
    started: datetime
    finished: datetime | None


def save_outcomes(
    run_dir: Path, run_id: int, cohort: str, portal: str, started: datetime, outcomes: list[CandidateOutcome]
) -> Path:
    """outcomes.json: what `portal-bot report RUN` renders again (masked data only)."""
    data = {
        "run": run_id,
        "cohort": cohort,
        "portal": portal,
        "started": started.isoformat(),
        "finished": datetime.now().astimezone().isoformat(),
        "outcomes": [o.to_json() for o in outcomes],
    }
    path = run_dir / "outcomes.json"
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2), private=True)
    return path


def load_outcomes(run_dir: Path) -> tuple[RunInfo, list[CandidateOutcome]]:
    path = run_dir / "outcomes.json"
    if not path.exists():
        raise ConfigError(
            _("no outcomes in {}").format(run_dir), hint=_("name a run folder made by `portal-bot register`")
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    info = RunInfo(
        data["run"],
        data["cohort"],
        data["portal"],
        datetime.fromisoformat(data["started"]),
        datetime.fromisoformat(data["finished"]) if data.get("finished") else None,
    )
    return info, [CandidateOutcome.from_json(o) for o in data["outcomes"]]
