"""Benchmark: fixing one 12-megapixel phone photo, on one core.

    python bench/bench_photo_fix.py [RUNS]

Generates a 4000×3000 photo-like JPEG (the astronaut portrait with sensor noise, on a beige wall),
then times ``fix_photo`` end to end (read, decode at reduced scale, face detection, crop, resize,
quality search, re-check, atomic write) with ``keep_background=True`` and with the background
replaced (GrabCut, guided filter, checks), and prints the medians. Targets, in CPU time (the figure
that means something on a shared machine): ≤ 150 ms without replacement, ≤ 1 s with it.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
from _documents_inputs import phone_photo  # noqa: E402

from portal_bot.documents.photo import fix_photo  # noqa: E402


def one_core() -> str:
    cv2.setNumThreads(1)
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity here)"


def load() -> str:
    """The 1-minute load average: on a shared machine, wall times mean little without it."""
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "n/a"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    pinned = one_core()
    with tempfile.TemporaryDirectory() as folder:
        src = phone_photo(Path(folder) / "phone.jpg")
        dst = Path(folder) / "fixed.jpg"
        for keep in (True, False):
            for _ in range(2):  # warm-up: loads the cascade, fills caches
                fix_photo(src, dst, keep_background=keep)
            times, cpu = [], []
            for _ in range(runs):
                start, start_cpu = time.perf_counter(), time.process_time()
                result = fix_photo(src, dst, keep_background=keep)
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            what = "kept" if keep else f"replaced={result.background_replaced}"
            print(f"input: 4000×3000 JPEG, {src.stat().st_size:,} bytes; {pinned}; background {what}")
            print(f"output: {result.size_name}, {result.report.bytes:,} bytes, ok={result.report.ok}")
            print(
                f"fix_photo over {runs} runs: median {statistics.median(times) * 1000:.0f} ms "
                f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}); "
                f"CPU time median {statistics.median(cpu) * 1000:.0f} ms; load average {load()}"
            )


if __name__ == "__main__":
    main()
