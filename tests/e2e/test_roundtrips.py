"""A whole registration must not need more browser round trips than a budget (issue 14).

Counted, not timed, so the test is stable on a busy machine: see tests/roundtrips.py. The budget is
today's count plus about 10 %; lower it as round trips are removed. On failure the per-method
breakdown shows where the calls go.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from portal_bot.mock_portal.server import RunningPortal
from tests.e2e.conftest import ALSO_RENAMED, TOKEN
from tests.roundtrips import run_counted

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: One sample candidate (王小明: QR login, 个人基本信息, student, no promotion), from a fresh portal
#: and an empty state directory to 待审核, browser launch and close included. Measured 2026-11-28:
#: 166 before issue 14 part B; 123 after it (load 34, docs/benchmarks.md); 134 on main of
#: 2026-11-29 (settle's listeners came in); 118 after part C (load 8.5); 113 after part D (load
#: ≈ 30; the extracts in a row read the page once, a human step's result is waited for once).
#: Those counts included the settle look-out's polls, which follow the load (130 at load 60 with
#: part D: 17 more look-out evaluates), so the budget had to be loose; they are now listed apart
#: (tests/roundtrips.py) and the budget is the code's own count, 112 at load 59 (with 27 look-out
#: polls beside it), + ~10 %.
#: The renaming variant (every id, class and name renamed) must cost the same: the flows address
#: what a person sees, so no locate falls back or retries there. 2026-11-29, same machine at load
#: ~30, one after the other: 131 on variant 0, 122 renamed (seed 7); every call but the settle
#: look-out's targetPresent polls (13 and 4) the same in number and kind.
#: 2026-11-29 (session 5): 118 → 125. The list checks are fetched and read in the run's sandbox
#: (register/listing.py) instead of loaded in a page: 4 calls a read (fetch, its body, setContent,
#: evaluate) for 2 (goto, evaluate), plus 6 once a run (the sandbox's context, page, stylesheet
#: route, close); open-plan no longer reloads the plan list (one goto fewer, one extract more).
#: More calls, each a pipe message, for two page loads fewer a candidate, which is what costs
#: (docs/benchmarks.md, part I). Budget: 125 + ~8 %.
BUDGET = 135


@ALSO_RENAMED
def test_one_registration_stays_within_the_round_trip_budget(
    fresh_portal: RunningPortal, cohort: Path
) -> None:
    result, trips = run_counted(
        [
            "-m",
            "portal_bot",
            "register",
            str(cohort),
            "--portal",
            fresh_portal.url,
            "--simulate-human",
            "--confirm",
            "auto",
            "--concurrency",
            "1",
            "--only",
            "001-0318",
        ],
        env={"PORTAL_BOT_MOCK_QA_TOKEN": TOKEN, "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "1 submitted" in result.stdout, result.stdout
    states = [a["state"] for a in fresh_portal.qa.applications()]
    assert states == ["待审核"], states
    assert trips.total > 0, "no SEND> lines: did Playwright's DEBUG=pw:channel logging change?"
    print(trips.table())
    assert trips.total <= BUDGET, (
        f"a registration took {trips.total} browser round trips, budget {BUDGET}:\n{trips.table()}"
    )
