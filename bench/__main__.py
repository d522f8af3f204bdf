"""``python -m bench`` (``make bench``): run every ``bench/bench_*.py`` script in turn.

Each script prints its own medians and exits non-zero when it misses its limit; this runner only
collects the exit codes so one slow benchmark does not hide the others.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    failed = []
    for script in sorted(Path(__file__).parent.glob("bench_*.py")):
        print(f"== {script.stem}", flush=True)
        if subprocess.run([sys.executable, str(script)], check=False).returncode != 0:
            failed.append(script.stem)
    if failed:
        print(f"over the limit: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
