"""Benchmark: ``portal-bot status`` for 200 candidates with saved sessions, concurrency 4, mock portal.

Setup (not timed): the mock portal in this process's thread, 200 accounts through the QA API, each
logged in once with the password form and given an application (states spread over the portal's
texts), sessions saved where ``register`` keeps them. Timed: the whole status run (browser launch,
200 reads of 我的技能评价报名, ledger, diff, reports). Prints the median of 3 runs.
Run: python bench/bench_status_run.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _status_cohort import enrol, write_cohort  # noqa: E402

from portal_bot.mock_portal.server import serve_in_thread  # noqa: E402
from portal_bot.settings import Settings  # noqa: E402
from portal_bot.status.run import run_status  # noqa: E402

CANDIDATES = int(os.environ.get("BENCH_CANDIDATES", "200"))
CONCURRENCY = 4
REPEATS = 3
STATES = [("待审核", ""), ("驳回修改", "照片不合格"), ("待缴费", ""), ("已缴费", ""), ("未提交", "")]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PORTAL_BOT_STATE_DIR"] = str(Path(tmp) / "state")
        settings = Settings()
        with serve_in_thread() as mock:
            t0 = time.perf_counter()
            members = enrol(settings, mock, write_cohort(Path(tmp) / "cohort", CANDIDATES))
            for i, m in enumerate(members):
                text, reason = STATES[i % len(STATES)]
                if text != "未提交" and m.app_id is not None:
                    mock.qa.set_state(m.app_id, text, reason)
            print(f"setup: {CANDIDATES} accounts, logins, applications in {time.perf_counter() - t0:.1f} s")
            times = []
            for n in range(REPEATS):
                t = time.perf_counter()
                result = run_status(
                    settings, Path(tmp) / "cohort", portal_url=mock.url, concurrency=CONCURRENCY
                )
                elapsed = time.perf_counter() - t
                states = {o.state.value for o in result.current}
                assert len(result.current) == CANDIDATES and "error" not in states, states
                times.append(elapsed)
                rate = CANDIDATES / elapsed
                print(f"run {n + 1}: {elapsed:.2f} s ({rate:.1f} candidates/s), exit {result.exit_code}")
    print(
        f"status of {CANDIDATES} candidates at concurrency {CONCURRENCY}: "
        f"median {statistics.median(times):.2f} s over {REPEATS} runs"
    )


if __name__ == "__main__":
    main()
