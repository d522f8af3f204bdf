"""Where one registration's browser time goes: every call to Playwright's driver, timed, by caller.

Runs ``portal-bot register --simulate-human --confirm auto`` in this process (CLI through typer's
CliRunner) against a fresh in-process mock portal, with Playwright's
``Connection.send_message_to_server`` wrapped (a private API of the Python client: this is a
diagnostic, not a benchmark) to record each call's method, start, duration and the innermost
``portal_bot`` frames that made it, followed through the task that made the call to the code that
created that task (a step's click runs in a task of the settle look-out's). Prints the timeline,
then the totals by method and caller.
Count, don't time, on a loaded machine: the durations move with the load, the calls do not
(except the settle look-out's, one per slow step).

    python bench/profile_calls.py [--only 001-0318] [--timeline]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
import traceback
import weakref
from collections import defaultdict
from pathlib import Path
from typing import Any

from playwright._impl import connection

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "profile-calls"
CALLS: list[dict[str, Any]] = []
_ORIGINAL = connection.Connection.send_message_to_server
#: portal_bot frames kept per call, innermost first (the task's creator's after its own).
DEPTH = 5


_CREATE_TASK = asyncio.BaseEventLoop.create_task
#: Who created each task: a step's click runs in a task of its own (settle.unless_absent), whose
#: stack ends at the event loop; the creator's frames say which step it was.
_CREATORS: weakref.WeakKeyDictionary[asyncio.Task[Any], list[str]] = weakref.WeakKeyDictionary()


def _ours() -> list[str]:
    """The portal_bot frames of the running code, innermost first, then those of its task's creator."""
    stack = traceback.extract_stack()
    # the running task's coroutines start above the event loop's Handle._run (the thread that runs
    # the loop, run_sync's or LaunchAhead's, is below it and says nothing about the step)
    step = max(
        (i for i, f in enumerate(stack) if f.filename.endswith("events.py") and f.name == "_run"), default=-1
    )
    frames = [f for f in stack[step + 1 :] if "/portal_bot/" in f.filename]
    ours = [f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames)]
    try:
        task = asyncio.current_task()
    except RuntimeError:
        task = None
    return ours + (_CREATORS.get(task, []) if task is not None else [])


def _create_task(self: Any, coro: Any, **kwargs: Any) -> Any:
    task = _CREATE_TASK(self, coro, **kwargs)
    _CREATORS[task] = _ours()
    return task


def _recording(self: Any, obj: Any, method: str, params: Any, options: Any) -> Any:
    future = _ORIGINAL(self, obj, method, params, options)
    if method == "__waitInfo__" or method.endswith("NoReply"):
        return future  # never answered: not a round trip (tests/roundtrips.py counts the same way)
    where = " < ".join(_ours()[:DEPTH])
    call = {"t": time.perf_counter(), "method": f"{obj._type}.{method}", "where": where, "d": 0.0}
    CALLS.append(call)
    future.add_done_callback(lambda _f, c=call: c.__setitem__("d", time.perf_counter() - c["t"]))
    return future


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="001-0318", help="a candidate; 'all': every one")
    parser.add_argument("--timeline", action="store_true", help="print every call in order")
    args = parser.parse_args()
    connection.Connection.send_message_to_server = _recording  # type: ignore[method-assign]
    asyncio.BaseEventLoop.create_task = _create_task  # type: ignore[method-assign]

    from typer.testing import CliRunner

    from portal_bot.cli import app
    from portal_bot.mock_portal.server import serve_in_thread

    with tempfile.TemporaryDirectory(prefix="profile-calls-") as tmp:
        os.environ["PORTAL_BOT_STATE_DIR"] = str(Path(tmp) / "state")
        os.environ["PORTAL_BOT_MOCK_QA_TOKEN"] = TOKEN
        cohort = Path(tmp) / "cohort"
        sample = ROOT / "profiles" / "sample-cohort"
        shutil.copytree(sample, cohort, ignore=shutil.ignore_patterns("prepared"))
        with serve_in_thread(qa_token=TOKEN) as portal:
            CliRunner().invoke(app, ["prepare", str(cohort)])
            CALLS.clear()
            cmd = ["register", str(cohort), "--portal", portal.url, "--simulate-human", "--confirm", "auto"]
            cmd += ["--concurrency", "1"] + ([] if args.only == "all" else ["--only", args.only])
            started = time.perf_counter()
            result = CliRunner().invoke(app, cmd)
            wall = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"register failed ({result.exit_code}):\n{result.output[-2000:]}")
    if args.timeline:
        for c in CALLS:
            print(f"{c['t'] - started:7.3f} {c['d']:6.3f}  {c['method']:<32} {c['where']}")
    totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for c in CALLS:
        first = c["where"].split(" < ", 1)[0]
        totals[c["method"], first][0] += 1
        totals[c["method"], first][1] += c["d"]
    load = os.getloadavg()[0]
    print(f"\n{len(CALLS)} driver calls in {wall:.1f} s (load {load:.1f}); by method and caller:")
    for (method, where), (n, d) in sorted(totals.items(), key=lambda kv: -kv[1][1]):
        print(f"  {int(n):4d}  {d:7.2f} s  {method:<32} {where}")


if __name__ == "__main__":
    main()
