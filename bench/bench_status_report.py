"""Benchmark: status building blocks on a large cohort (500 candidates × 60 runs = 30,000 observations).

Times diff of one run against the baseline, the HTML report and the .xlsx export, and prints the
median of several runs of each. Run: python bench/bench_status_report.py
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from portal_bot.cohortrun.states import State
from portal_bot.status.changes import Observation, baseline, diff
from portal_bot.status.report import render_html, write_xlsx

CANDIDATES = 500
RUNS = 60
REPEATS = 5
_PATH = [State.PENDING_REVIEW, State.RETURNED, State.PENDING_REVIEW, State.APPROVED, State.TO_PAY, State.PAID]


def make_history(seed: int = 1) -> list[Observation]:
    rng = random.Random(seed)
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    history = []
    for c in range(CANDIDATES):
        step = 0
        for run in range(RUNS):
            if rng.random() < 0.08 and step < len(_PATH) - 1:
                step += 1
            state = _PATH[step] if rng.random() > 0.01 else State.NEEDS_LOGIN
            history.append(
                Observation(
                    key=f"c{c:03}",
                    name=f"考生{c:03}",
                    plan_code="2024-S-000911",
                    state=state,
                    state_text=state.label,
                    reason="照片不合格" if state is State.RETURNED else None,
                    observed_at=start + timedelta(hours=12 * run, seconds=c),
                )
            )
    return history


def median_ms(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    history = make_history()
    last_run = {o.key: o for o in history[RUNS - 1 :: RUNS]}
    earlier = [o for o in history if o.observed_at < min(x.observed_at for x in last_run.values())]
    with tempfile.TemporaryDirectory() as tmp:
        results = {
            "baseline+diff (500 candidates)": median_ms(lambda: diff(baseline(earlier), last_run)),
            "render_html (30,000 observations)": median_ms(lambda: render_html(history)),
            "write_xlsx (30,000 observations)": median_ms(lambda: write_xlsx(Path(tmp) / "s.xlsx", history)),
        }
    for name, ms in results.items():
        print(f"{name}: median {ms:.0f} ms over {REPEATS} runs")


if __name__ == "__main__":
    main()
