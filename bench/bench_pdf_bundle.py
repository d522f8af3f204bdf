"""Benchmark: bundling four 12-megapixel phone photos and a 2-page scanned PDF.

    python bench/bench_pdf_bundle.py [RUNS]

Times ``bundle_pdf`` end to end with the default budget and prints the median, the output size
and a read-back check (page count, every picture decodes). Targets: ≤ 1.5 s, output ≤ 3 MB.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _documents_inputs import phone_photo, scanned_pdf
from pypdf import PdfReader

from portal_bot.documents.bundle import bundle_pdf


def load() -> str:
    """The 1-minute load average: on a shared machine, wall times mean little without it."""
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "n/a"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as folder:
        photos = [phone_photo(Path(folder) / f"photo{i}.jpg", seed=i) for i in range(4)]
        pdf = scanned_pdf(Path(folder) / "scan.pdf")
        out = Path(folder) / "bundle.pdf"
        inputs = [*photos, pdf]
        bundle_pdf(inputs, out)  # warm-up
        times, cpu = [], []
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = bundle_pdf(inputs, out)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        reader = PdfReader(io.BytesIO(out.read_bytes()))
        pictures = [image.image.size for page in reader.pages for image in page.images]
        total_in = sum(p.stat().st_size for p in inputs)
        print(f"inputs: 4 photos 4000×3000 + 2-page PDF, {total_in:,} bytes")
        print(
            f"output: {result.pages} pages, {result.bytes:,} bytes at {result.dpi} dpi, "
            f"quality {result.quality}; read back: {len(reader.pages)} pages, pictures {pictures}"
        )
        print(
            f"bundle_pdf over {runs} runs: median {statistics.median(times):.2f} s "
            f"(min {min(times):.2f}, max {max(times):.2f}); "
            f"CPU time median {statistics.median(cpu):.2f} s; load average {load()}"
        )


if __name__ == "__main__":
    main()
