"""Rules for the tests themselves that a failing run would otherwise explain badly.

``asyncio.run`` in a test works alone and fails once any browser test has left its event loop
running in the same pytest session ("cannot be called from a running event loop"), and the
never-awaited coroutine it leaves then fails later, unrelated tests. It bit twice; this names the
line at once instead.
"""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
_CALL = re.compile(r"\basyncio\.run\(")


def test_no_test_calls_asyncio_run() -> None:
    offenders = [
        f"{path.relative_to(TESTS.parent)}:{n}"
        for path in sorted(TESTS.rglob("*.py"))
        if path != Path(__file__).resolve()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _CALL.search(line.split("#", 1)[0])
    ]
    assert not offenders, (
        "asyncio.run in tests (use portal_bot.portal._sync.run_sync, which runs the coroutine in a "
        "thread of its own when a loop is already running): " + ", ".join(offenders)
    )
