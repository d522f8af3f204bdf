"""The whole job against a hand-written script (issue 14): registration and status, side by side.

Registration: the 5 sample candidates (documents prepared once beforehand with ``portal-bot
prepare``), ``portal-bot register --simulate-human --confirm auto --concurrency 1`` against the
minimal async Playwright script of ``bench/_handwritten.py`` (ids and names of variant 0, no flow
engine). Each run is a subprocess (Python start and Chromium launch included in both) against its
own fresh in-process mock portal and an empty state directory; the two alternate, ``--rounds``
rounds. After every run the applications are read through the QA API and compared field by field
with the other side's; any difference stops the benchmark (a fast wrong script proves nothing).

Status: ``--status-candidates`` accounts with saved sessions and applications in mixed states (the
set-up of bench/bench_status_run.py, not timed), then ``portal-bot status --concurrency 4`` against
the script's minimal list reader (one browser, a context per saved session, no images or fonts, 4
at once) and its HTTP-only reader (no browser at all, rows cut out of the HTML: the floor),
each first in turn; all must report the same states.

Compiles ``src/`` to bytecode first, as a user's install has it (this machine sets
PYTHONDONTWRITEBYTECODE=1, which would make both sides compile it at every start).

Prints the medians, the ratios, the per-phase breakdown of both sides per candidate, and the load
average before and after (the machine is shared: say the load with the figures).

    python bench/bench_vs_handwritten.py [--rounds 3] [--candidates 5] [--status-candidates 200]
                                         [--skip-register] [--skip-status]

``tests/bench/test_bench_smoke.py`` runs it with one round of one candidate and two status reads,
so a broken benchmark fails the test suite (nothing there is timed).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
SAMPLE = ROOT / "profiles" / "sample-cohort"
TOKEN = "bench-vs-handwritten"
HANDWRITTEN = HERE / "_handwritten.py"

from portal_bot.mock_portal.server import RunningPortal, serve_in_thread  # noqa: E402

#: What an application must hold identically on both sides (ids, accounts and times differ).
SAME = ("plan_no", "plan_name", "state", "reason", "step", "values", "photo", "pdfs", "signed")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def _env(state: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PORTAL_BOT_STATE_DIR": str(state),
        "PORTAL_BOT_MOCK_QA_TOKEN": TOKEN,
        "PYTHONUTF8": "1",
        "COLUMNS": "200",
    }


#: CPU-seconds (user + system) of the last :func:`_run`'s process and the children it waited for.
#: It misses most of Chromium's: processes the browser leaves to be reaped by init never add theirs
#: (measured 2026-11-29: 28.8 CPU-s here against 54–60 in a cgroup holding the whole tree), so
#: :data:`LAST_MACHINE_CPU` is printed beside it.
LAST_CPU = [0.0]
#: CPU-seconds the whole machine used during the last :func:`_run` (Linux: ``/proc/stat``; NaN
#: elsewhere): the run's whole tree plus the mock portal in this process, plus anything else
#: running, so quote it from a quiet machine only.
LAST_MACHINE_CPU = [float("nan")]


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _machine_cpu() -> float:
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return float("nan")
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    cpu, machine = _children_cpu(), _machine_cpu()
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, encoding="utf-8", check=False)
    elapsed = time.perf_counter() - started
    LAST_CPU[0], LAST_MACHINE_CPU[0] = _children_cpu() - cpu, _machine_cpu() - machine
    if proc.returncode != 0:
        raise SystemExit(
            f"FAILED ({proc.returncode}): {' '.join(cmd[:4])} …\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}"
        )
    return elapsed, proc.stdout


def _applications(portal: RunningPortal) -> dict[str, dict[str, Any]]:
    """Applications by the holder's ID number, only the fields both sides must agree on."""
    out: dict[str, dict[str, Any]] = {}
    for app in portal.qa.applications():
        key = str(app["values"].get("id_number", f"no values: app {app['id']}"))
        if key in out:
            raise SystemExit(f"two applications for one candidate ({key[:6]}…)")
        kept = {k: app[k] for k in SAME}
        kept["history"] = [h["state"] for h in app["history"]]
        out[key] = kept
    return out


def _differences(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> list[str]:
    found = []
    for key in sorted(set(a) | set(b)):
        if key not in a or key not in b:
            found.append(f"{key[:6]}…: only on one side")
            continue
        for field in a[key]:
            if a[key][field] != b[key][field]:
                found.append(f"{key[:6]}… {field}: {a[key][field]!r} != {b[key][field]!r}")
    return found


def _portal_bot_phases(state: Path) -> list[dict[str, Any]]:
    """Per candidate: seconds in each flow (sum of its steps, from the ledger) and the whole span."""
    db = sqlite3.connect(state / "ledger.sqlite3")
    rows = db.execute(
        "SELECT candidate_id, flow, started, finished, message FROM steps ORDER BY id"
    ).fetchall()
    db.close()
    by: dict[int, dict[str, Any]] = defaultdict(lambda: defaultdict(float))
    spans: dict[int, list[datetime]] = defaultdict(list)
    for cand, flow, started, finished, message in rows:
        s, f = datetime.fromisoformat(started), datetime.fromisoformat(finished)
        spans[cand] += [s, f]
        if not str(message).startswith("run_flow "):  # the called flow's own steps count it
            by[cand][flow] += (f - s).total_seconds()
    out = []
    for cand, flows in by.items():
        span = (max(spans[cand]) - min(spans[cand])).total_seconds()
        flows = {k: round(v, 2) for k, v in flows.items()}
        out.append(
            {
                **flows,
                "first step → last step": round(span, 2),
                "outside steps": round(span - sum(flows.values()), 2),
            }
        )
    return out


def _summary(labels: tuple[str, ...], times: dict[str, list[float]], load_before: str) -> None:
    """Each side's median, and the first side's ratio to each of the others."""
    medians = []
    for label, runs in zip(labels, times.values(), strict=True):
        medians.append(statistics.median(runs))
        print(f"  {label:<20} median {medians[-1]:6.1f} s  runs {', '.join(f'{t:.1f}' for t in runs)}")
    ratios = ", ".join(
        f"{medians[0] / m:.2f}× {label}" if len(labels) > 2 else f"{medians[0] / m:.2f}×"
        for label, m in zip(labels[1:], medians[1:], strict=True)
    )
    print(f"  ratio {ratios}   load average (1/5/15 min): before {load_before}, after {_load()}")


def bench_register(rounds: int, candidates: int = 5) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-vs-hw-") as tmp:
        cohort = Path(tmp) / "cohort"
        shutil.copytree(SAMPLE, cohort, ignore=shutil.ignore_patterns("prepared"))
        for extra in sorted(cohort.glob("[0-9]*.yaml"))[candidates:]:  # --candidates: the first N
            extra.unlink()
        _run([sys.executable, "-m", "portal_bot", "prepare", str(cohort)], _env(Path(tmp) / "prep-state"))
        times: dict[str, list[float]] = {"portal-bot": [], "hand-written": []}
        phases: dict[str, list[Any]] = {"portal-bot": [], "hand-written": []}
        reference: dict[str, dict[str, Any]] | None = None
        load_before = _load()
        for n in range(rounds):
            order = ["portal-bot", "hand-written"] if n % 2 == 0 else ["hand-written", "portal-bot"]
            for who in order:
                state = Path(tmp) / f"state-{who}-{n}"
                with serve_in_thread(qa_token=TOKEN) as portal:
                    if who == "portal-bot":
                        cmd = [
                            sys.executable,
                            "-m",
                            "portal_bot",
                            "register",
                            str(cohort),
                            "--portal",
                            portal.url,
                        ]
                        cmd += ["--simulate-human", "--confirm", "auto", "--concurrency", "1"]
                    else:
                        cmd = [sys.executable, str(HANDWRITTEN), "register", str(cohort), portal.url, TOKEN]
                    elapsed, out = _run(cmd, _env(state))
                    apps = _applications(portal)
                if len(apps) != candidates or any(a["state"] != "待审核" for a in apps.values()):
                    got = [a["state"] for a in apps.values()]
                    raise SystemExit(f"{who}: expected {candidates} applications in 待审核, got {got}")
                if reference is None:
                    reference = apps
                elif diffs := _differences(reference, apps):
                    raise SystemExit(f"{who} left different applications:\n" + "\n".join(diffs))
                times[who].append(elapsed)
                if who == "portal-bot":
                    phases[who].append(_portal_bot_phases(state))
                else:
                    phases[who].append(
                        [json.loads(line) for line in out.splitlines() if line.startswith("{")]
                    )
                print(
                    f"round {n + 1} {who:>12}: {elapsed:6.1f} s, {LAST_CPU[0]:5.1f} CPU-s,"
                    f" machine {LAST_MACHINE_CPU[0]:5.1f} CPU-s   (load {_load()})",
                    flush=True,
                )
        print(f"\nregistration, {candidates} sample candidates, concurrency 1, {rounds} rounds", end="")
        print("; same applications")
        _summary(("portal-bot register", "hand-written script"), times, load_before)
        print("\nper candidate, last round (seconds):")
        print(
            "  portal-bot (ledger: time inside each flow's steps; 'outside steps' = list reads, preview, …)"
        )
        for row in phases["portal-bot"][-1]:
            print("   ", "  ".join(f"{k} {v}" for k, v in row.items()))
        print("  hand-written (phases)")
        for row in phases["hand-written"][-1]:
            print("   ", "  ".join(f"{k} {v}" for k, v in row.items()))


def bench_status(rounds: int, count: int) -> None:
    from _status_cohort import enrol, write_cohort

    from portal_bot.cohortrun.sessions import session_file
    from portal_bot.ledger import Ledger
    from portal_bot.settings import Settings

    states = [("待审核", ""), ("驳回修改", "照片不合格"), ("待缴费", ""), ("已缴费", ""), ("未提交", "")]
    with tempfile.TemporaryDirectory(prefix="bench-vs-hw-status-") as tmp:
        state_dir = Path(tmp) / "state"
        os.environ["PORTAL_BOT_STATE_DIR"] = str(state_dir)
        settings = Settings()
        with serve_in_thread(qa_token=TOKEN) as mock:
            t0 = time.perf_counter()
            members = enrol(settings, mock, write_cohort(Path(tmp) / "cohort", count))
            expected: Counter[str] = Counter()
            for i, m in enumerate(members):
                text, reason = states[i % len(states)]
                if text != "未提交" and m.app_id is not None:
                    mock.qa.set_state(m.app_id, text, reason)
                expected[text] += 1
            with Ledger.open(settings.ledger_path) as ledger:
                files = [str(session_file(settings, ledger, mock.url, m.id_number)) for m in members]
            sessions = Path(tmp) / "sessions.json"
            sessions.write_text(json.dumps(files), encoding="utf-8")
            print(
                f"\nstatus set-up: {count} accounts, logins, applications in {time.perf_counter() - t0:.1f} s"
            )
            sides = ["portal-bot", "hand-written", "http"]
            times: dict[str, list[float]] = {side: [] for side in sides}
            load_before = _load()
            for n in range(rounds):
                order = sides[n % 3 :] + sides[: n % 3]  # each side first in turn
                for who in order:
                    if who == "portal-bot":
                        cmd = [sys.executable, "-m", "portal_bot", "status", str(Path(tmp) / "cohort")]
                        cmd += ["--portal", mock.url, "--concurrency", "4", "--json"]
                        cmd += ["--report", str(Path(tmp) / f"report-{n}")]
                        elapsed, out = _run_status(cmd, _env(state_dir))
                        doc = json.loads(out)
                        seen = Counter(c["state_text"] for g in doc["groups"] for c in g["candidates"])
                    else:
                        reader = "status" if who == "hand-written" else "status-http"
                        cmd = [sys.executable, str(HANDWRITTEN), reader, str(sessions), mock.url, "4"]
                        elapsed, out = _run(cmd, _env(state_dir))
                        rows = json.loads(out)
                        seen = Counter(r[0][1] for r in rows.values() if len(r) == 1)
                    if seen != expected:
                        raise SystemExit(f"{who} read other states: {dict(seen)} != {dict(expected)}")
                    times[who].append(elapsed)
                    print(f"round {n + 1} {who:>12}: {elapsed:6.1f} s   (load {_load()})", flush=True)
        print(
            f"\nstatus, {count} candidates with saved sessions, concurrency 4, {rounds} rounds; same states"
        )
        _summary(("portal-bot status", "minimal list reader", "HTTP-only reader"), times, load_before)


def _run_status(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    """``portal-bot status`` exits non-zero when some candidate needs action; that is a result. Its
    JSON must parse, name no run error and carry the same exit code."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, encoding="utf-8", check=False)
    elapsed = time.perf_counter() - started
    try:
        doc = json.loads(proc.stdout)
        ok = not doc["errors"] and doc["exit_code"] == proc.returncode
    except (ValueError, KeyError):
        ok = False
    if not ok:
        raise SystemExit(
            f"FAILED ({proc.returncode}): portal-bot status\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}"
        )
    return elapsed, proc.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--candidates", type=int, default=5, help="the first N sample candidates")
    parser.add_argument("--status-rounds", type=int, default=None, help="default: --rounds")
    parser.add_argument("--status-candidates", type=int, default=200)
    parser.add_argument("--skip-register", action="store_true")
    parser.add_argument("--skip-status", action="store_true")
    args = parser.parse_args()
    print(f"load average (1/5/15 min) at start: {_load()} on {os.cpu_count()} CPUs", flush=True)
    # Both sides import portal_bot. A user's install has its bytecode (pip compiles it; an editable
    # install writes it on the first run); a machine with PYTHONDONTWRITEBYTECODE=1 would otherwise
    # compile src/ from source at every start of either side (about 0.5 CPU-s each).
    compileall.compile_dir(ROOT / "src", quiet=1)
    if not args.skip_register:
        bench_register(args.rounds, args.candidates)
    if not args.skip_status:
        bench_status(args.status_rounds or args.rounds, args.status_candidates)
    return 0


if __name__ == "__main__":
    sys.exit(main())
