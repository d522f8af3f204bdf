"""Registration throughput against the mock portal: time per candidate, concurrency 1/2/4, peak memory.

Makes a cohort of N fictional students (the sample cohort's files, fresh ID numbers), prepares their
documents once, then for each concurrency runs `portal-bot register --simulate-human --confirm auto`
as a user would (a subprocess) against a fresh in-process mock portal, headless. Peak memory is the
largest sum of RSS over the register process and its children (Chromium included), sampled every
0.2 s from /proc (Linux). Prints the median of --runs runs.

    python bench/bench_register.py [--candidates 6] [--runs 3] [--concurrency 1 2 4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from portal_bot.mock_portal.server import serve_in_thread
from portal_bot.profiles.idcard import check_char

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "profiles" / "sample-cohort"
TOKEN = "bench-token"


def make_cohort(folder: Path, n: int) -> Path:
    cohort = folder / "cohort"
    cohort.mkdir()
    shutil.copy(SAMPLE / "cohort.yaml", cohort / "cohort.yaml")
    shutil.copytree(SAMPLE / "photos", cohort / "photos")
    shutil.copytree(SAMPLE / "materials", cohort / "materials")
    for i in range(n):
        born = date(2004, 1, 1) + timedelta(days=37 * i)
        body = f"330106{born:%Y%m%d}{300 + i:03d}"
        (cohort / f"{i + 1:03d}.yaml").write_text(
            f"name: 测试{i + 1:02d}\n"
            f"id_number: '{body}{check_char(body)}'\n"
            f"phone: '138057{i:05d}'\n"
            "address: 浙江省杭州市西湖区示例路1号\n"
            "photo: photos/wang-xiaoming.jpg\n"
            "materials: [materials/wang-xiaoming-id-front.jpg, materials/wang-xiaoming-id-back.jpg,"
            " materials/wang-xiaoming-student-card.jpg]\n",
            encoding="utf-8",
        )
    return cohort


def _tree_rss(pid: int) -> int:
    """Sum of RSS (bytes) of pid and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            ppid = int(stat[1])
            rss[int(entry.name)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def one_run(cohort: Path, concurrency: int, state: Path) -> tuple[float, int]:
    with serve_in_thread(qa_token=TOKEN) as portal:
        env = {**os.environ, "PORTAL_BOT_STATE_DIR": str(state), "PORTAL_BOT_MOCK_QA_TOKEN": TOKEN}
        cmd = [sys.executable, "-m", "portal_bot", "register", str(cohort), "--portal", portal.url]
        cmd += ["--simulate-human", "--confirm", "auto", "--concurrency", str(concurrency)]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.2):
                peak = max(peak, _tree_rss(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, err = proc.communicate()
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
        submitted = sum(1 for a in portal.qa.applications() if a["state"] == "待审核")
    if proc.returncode != 0:
        raise SystemExit(f"register failed ({proc.returncode}): {err[-2000:]}")
    expected = len(list(cohort.glob("0*.yaml")))
    if submitted != expected:
        raise SystemExit(f"only {submitted} of {expected} applications were submitted")
    return elapsed, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=6)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-register-") as tmp:
        cohort = make_cohort(Path(tmp), args.candidates)
        subprocess.run(
            [sys.executable, "-m", "portal_bot", "prepare", str(cohort)], check=True, capture_output=True
        )
        print(f"{args.candidates} candidates, {args.runs} runs each, headless, mock portal on 127.0.0.1")
        print("concurrency  wall (median)  per candidate  candidates/min  peak RSS (median)")
        for c in args.concurrency:
            times, peaks = [], []
            for run in range(args.runs):
                elapsed, peak = one_run(cohort, c, Path(tmp) / f"state-{c}-{run}")
                times.append(elapsed)
                peaks.append(peak)
            wall = statistics.median(times)
            print(
                f"{c:>11}  {wall:>11.1f} s  {wall / args.candidates:>11.2f} s  "
                f"{60 * args.candidates / wall:>14.1f}  {statistics.median(peaks) / 2**20:>14.0f} MiB",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
