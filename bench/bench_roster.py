"""Benchmark: import a 500-row roster (xlsx and csv) and validate the cohort; median of 5 runs.

Run: ``python bench/bench_roster.py`` (from the repository, with portal-bot installed). The rows are
fictional, with valid ID numbers, and name the sample cohort's photo and materials so every file
check runs for real. Must stay under 5 s per import + validate on a 2-core machine.
"""

from __future__ import annotations

import csv
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import openpyxl

from portal_bot.profiles.idcard import check_char
from portal_bot.profiles.roster import import_roster
from portal_bot.profiles.validate import validate_cohort

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "profiles" / "sample-cohort"
ROWS = 500
RUNS = 5
LIMIT_SECONDS = 5.0
HEADER = ["姓名", "身份证件号码", "手机号码", "通讯地址", "出生日期", "照片", "其他材料", "符合申报条件"]


def rows() -> list[list[object]]:
    out: list[list[object]] = []
    for i in range(ROWS):
        born = date(2003, 1, 1) + timedelta(days=i)
        first17 = f"330106{born:%Y%m%d}{i % 1000:03d}"
        out.append(
            [
                f"学生{i:03d}",
                first17 + check_char(first17),
                f"138{i:08d}",
                f"浙江省杭州市示例路{i}号",
                born,
                "sample/photos/wang-xiaoming.jpg",
                "sample/materials/wang-xiaoming-id-front.jpg；sample/materials/wang-xiaoming-id-back.jpg",
                "(3)",
            ]
        )
    return out


def write_rosters(folder: Path) -> dict[str, Path]:
    data = rows()
    csv_path = folder / "roster.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows([[c.isoformat() if isinstance(c, date) else c for c in r] for r in data])
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for r in data:
        sheet.append(r)
    xlsx_path = folder / "roster.xlsx"
    book.save(xlsx_path)
    return {"csv": csv_path, "xlsx": xlsx_path}


def one_run(roster: Path, folder: Path, run: int) -> float:
    out = folder / f"out-{roster.suffix[1:]}-{run}"
    start = time.perf_counter()
    report = import_roster(roster, folder / "sample" / "cohort.yaml", out)
    results = validate_cohort(out)
    elapsed = time.perf_counter() - start
    assert report.ok and len(results) == ROWS, "benchmark data must import"
    bad = [r for r in results if not r.ok]
    assert not bad, bad[0].problems
    return elapsed


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copytree(SAMPLE, folder / "sample")
        rosters = write_rosters(folder)
        worst = 0.0
        for kind, roster in rosters.items():
            times = [one_run(roster, folder, run) for run in range(RUNS)]
            median = statistics.median(times)
            worst = max(worst, median)
            print(f"{kind}: {ROWS} rows import + validate, median of {RUNS}: {median:.2f} s "
                  f"(min {min(times):.2f}, max {max(times):.2f})")  # fmt: skip
    print(f"limit {LIMIT_SECONDS:.1f} s: {'ok' if worst < LIMIT_SECONDS else 'TOO SLOW'}")
    return 0 if worst < LIMIT_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
