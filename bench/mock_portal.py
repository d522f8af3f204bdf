"""How fast the mock portal answers: a plan-search page, and a whole registration over HTTP.

Run: python bench/mock_portal.py   (prints the median of several runs)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

RUNS = 7


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ helpers
    from tests.mock_portal import helpers as h

    from portal_bot.mock_portal.server import serve_in_thread

    with serve_in_thread() as portal:
        browser = h.client(portal)
        search = []
        for _ in range(RUNS * 5):
            started = time.perf_counter()
            browser.get("/pj/plans", params={"keyword": "协会", "page": 1})
            search.append(time.perf_counter() - started)
        whole = []
        for run in range(RUNS):
            started = time.perf_counter()
            h.submitted_application(portal, username=f"user{run}")
            whole.append(time.perf_counter() - started)
        for opened in h.OPEN_CLIENTS:
            opened.close()
    print(f"plan search page:         median {statistics.median(search) * 1000:.1f} ms ({len(search)} runs)")
    print(f"whole registration (HTTP): median {statistics.median(whole) * 1000:.0f} ms ({RUNS} runs)")


if __name__ == "__main__":
    main()
