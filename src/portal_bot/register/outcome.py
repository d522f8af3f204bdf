"""What happened to each candidate in a registration run: the data every summary and report shows.

Values here are already safe to show: ID numbers masked, no phone numbers, no cookies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Outcome(StrEnum):
    """How a candidate's registration ended (for this run)."""

    SUBMITTED = "submitted"  # 提交 done and seen in the site's own list
    ALREADY_SUBMITTED = "already submitted"  # found on the site before we started: nothing done
    WAITING = "waiting on a person"  # stopped at a human step (timeout or not confirmed)
    DATA_ERROR = "data error"  # the candidate's data or files are wrong: fix, then rerun
    PORTAL_ERROR = "portal error"  # the site misbehaved past our retries: rerun later
    MISMATCH = "preview mismatch"  # the preview read back differs from the profile: nothing submitted
    SKIPPED = "skipped"  # not attempted (invalid profile, --only, declined confirmation)


NEXT_STEP: dict[Outcome, str] = {
    Outcome.SUBMITTED: "Wait for 审核; `portal-bot status` watches it.",
    Outcome.ALREADY_SUBMITTED: "Nothing to do here; `portal-bot status` watches it.",
    Outcome.WAITING: "Rerun when the person is available; the run continues where it stopped.",
    Outcome.DATA_ERROR: "Fix the field named in the message, run `portal-bot validate`, then rerun.",
    Outcome.PORTAL_ERROR: "The site had trouble; rerun later (finished candidates are skipped).",
    Outcome.MISMATCH: "Check the differences below; correct the profile or the site's data, then rerun.",
    Outcome.SKIPPED: "See the reason; rerun when it is resolved.",
}


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
    trace: Path | None = None  # Playwright trace (failures)
    bundle_sha256: str = ""
    photo_sha256: str = ""
    differences: list[tuple[str, str, str]] = field(default_factory=list)  # (field, expected, on the site)

    @property
    def next_step(self) -> str:
        return NEXT_STEP[self.outcome]

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.SUBMITTED, Outcome.ALREADY_SUBMITTED)
