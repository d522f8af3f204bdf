"""``python -m bench`` (``make bench``): run every bench/bench_*.py in turn and print their figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
scripts = sorted(here.glob("bench_*.py"))
failed = 0
for script in scripts:
    print(f"== {script.name}", flush=True)
    failed += subprocess.run([sys.executable, str(script)], check=False).returncode != 0
if not scripts:
    print("no benchmarks yet")
sys.exit(1 if failed else 0)
