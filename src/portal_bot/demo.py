"""``make demo``: the main job of portal-bot on the bundled sample data, end to end on this machine.

Each step is the command a user would type, run as a subprocess so the demo shows exactly what they
would see. Never contacts the real site: only local files and the mock portal on 127.0.0.1.
"""

from __future__ import annotations

import subprocess
import sys

SAMPLE = "profiles/sample-cohort"
STEPS: list[list[str]] = [["doctor"], ["validate", SAMPLE], ["prepare", SAMPLE]]


def main() -> int:
    for args in STEPS:
        print(f"\n$ portal-bot {' '.join(args)}", flush=True)
        code = subprocess.run([sys.executable, "-m", "portal_bot", *args], check=False).returncode
        if code:
            print(f"demo stopped: `portal-bot {' '.join(args)}` exited {code}", file=sys.stderr)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
