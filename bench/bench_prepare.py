"""Benchmark: ``prepare_cohort`` on a 30-candidate cohort, cold (nothing prepared) and warm (unchanged).

    python bench/bench_prepare.py [RUNS]

Builds a cohort of 30 fictional candidates in a temporary folder: each has its own 12-megapixel
phone photo (4000×3000 JPEG), ID card front and back pictures and a diploma picture (the sample
cohort's), and every third one a promotion with a 2-page scanned evidence PDF. Then times:

- cold, all cores: ``prepared/`` removed before each run (every photo fixed, every PDF bundled);
- cold, one worker (``jobs=1``), for the parallel speed-up;
- warm: nothing changed, so every input and output is hashed and nothing is redone.

Prints the median of RUNS (default 3) for each, with the machine's cores and load average.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _documents_inputs import phone_photo, scanned_pdf

from portal_bot.prepare import prepare_cohort
from portal_bot.profiles.idcard import check_char

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "profiles" / "sample-cohort"
CANDIDATES = 30


def make_cohort(folder: Path) -> Path:
    cohort = folder / "cohort"
    (cohort / "photos").mkdir(parents=True)
    (cohort / "materials").mkdir()
    shutil.copy(SAMPLE / "cohort.yaml", cohort / "cohort.yaml")
    for name in ("id-front.jpg", "id-back.jpg", "diploma.jpg"):
        source = "sun-haoran-" + name
        shutil.copy(SAMPLE / "materials" / source, cohort / "materials" / name)
    evidence = scanned_pdf(cohort / "materials" / "certificate.pdf", pages=2)
    for n in range(1, CANDIDATES + 1):
        first17 = f"33010620040315{n:03d}"
        photo = phone_photo(cohort / "photos" / f"{n:03d}.jpg", seed=n)
        lines = [
            f"name: 候选人{n:02d}",
            f"id_number: '{first17}{check_char(first17)}'",
            f"phone: '1380571{n:04d}'",
            "address: 浙江省杭州市西湖区示例路1号",
            f"photo: {photo.relative_to(cohort).as_posix()}",
            "materials: [materials/id-front.jpg, materials/id-back.jpg, materials/diploma.jpg]",
        ]
        if n % 3 == 0:
            lines += [
                "category: 企业职工",
                "employer: 宁波示例低碳服务有限公司",
                "credit_code: 91330211MA2J8P4Q11",
                "years_in_occupation: 4",
                "post: 环境监测员",
                "eligibility: [2]",
                "promotion:",
                "  certificate_type: 技能等级认定证书",
                "  occupation: 碳排放管理员（碳排放核算员）",
                "  number: S000000000000001",
                "  level: 初级工",
                "  issued_on: 2020-06-30",
                "  issuer: 示例职业技能等级认定中心",
                f"  evidence: {evidence.relative_to(cohort).as_posix()}",
            ]
        (cohort / f"{n:03d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cohort


def cpu_seconds() -> float:
    """CPU time of this process and of its finished worker processes (where the OS reports it)."""
    total = time.process_time()
    try:
        import resource
    except ImportError:  # Windows: workers' CPU time is not counted
        return total
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return total + children.ru_utime + children.ru_stime


def timed(cohort: Path, runs: int, *, cold: bool, jobs: int | None) -> tuple[list[float], list[float]]:
    times, cpu = [], []
    for _ in range(runs):
        if cold:
            shutil.rmtree(cohort / "prepared", ignore_errors=True)
        start, start_cpu = time.perf_counter(), cpu_seconds()
        manifest = prepare_cohort(cohort, jobs=jobs)
        times.append(time.perf_counter() - start)
        cpu.append(cpu_seconds() - start_cpu)
        if not manifest.ok:
            raise SystemExit(f"the benchmark cohort did not prepare: {manifest.candidates}")
        expected = CANDIDATES if cold else 0
        if len(manifest.redone) != expected:
            raise SystemExit(f"expected {expected} candidates redone, got {len(manifest.redone)}")
    return times, cpu


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "n/a"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory() as folder:
        cohort = make_cohort(Path(folder))
        size = sum(p.stat().st_size for p in cohort.rglob("*") if p.is_file())
        print(f"cohort: {CANDIDATES} candidates, {size / 1e6:.0f} MB of inputs; {os.cpu_count()} cores")
        for label, cold, jobs in (
            ("cold, all cores", True, None),
            ("cold, jobs=1   ", True, 1),
            ("warm, unchanged", False, None),
        ):
            times, cpu = timed(cohort, runs, cold=cold, jobs=jobs)
            print(
                f"{label}: median {statistics.median(times):.2f} s over {runs} runs "
                f"(min {min(times):.2f}, max {max(times):.2f}); CPU time median "
                f"{statistics.median(cpu):.2f} s; load average {load()}",
                flush=True,
            )


if __name__ == "__main__":
    main()
