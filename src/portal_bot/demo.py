"""``make demo``: the main job of portal-bot on the bundled sample data, end to end on this machine.

Starts the mock portal on 127.0.0.1 (in this process, in memory), then runs the commands a
coordinator would type, each as a subprocess so the demo shows exactly what they would see:
doctor, validate, prepare, and register with simulated people (``--simulate-human``, mock portal
only) and automatic confirmation (``--confirm auto``, mock portal only). Never contacts the real
site. Its state (ledger, sessions, reports) lives in ``.state/demo`` and starts fresh every time.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from portal_bot.i18n import _

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = "profiles/sample-cohort"


def _run(args: list[str], env: dict[str, str]) -> int:
    print(f"\n$ portal-bot {' '.join(args)}", flush=True)
    return subprocess.run(
        [sys.executable, "-m", "portal_bot", *args], check=False, env=env, cwd=ROOT
    ).returncode


def main() -> int:
    from portal_bot.mock_portal.server import serve_in_thread

    state = ROOT / ".state" / "demo"
    shutil.rmtree(state, ignore_errors=True)
    token = secrets.token_urlsafe(16)
    env = {**os.environ, "PORTAL_BOT_STATE_DIR": str(state), "PYTHONUTF8": "1"}
    for args in (["doctor"], ["validate", SAMPLE], ["prepare", SAMPLE]):
        if code := _run(args, env):
            print(
                _("demo stopped: `{}` exited {}").format("portal-bot " + " ".join(args), code),
                file=sys.stderr,
            )
            return code
    from portal_bot.mock_portal.rename import seed_from_env

    # PORTAL_BOT_MOCK_RENAME_SEED=S: the same demo on the renaming variant (no id/class/name is stable)
    with serve_in_thread(qa_token=token, rename_seed=seed_from_env()) as portal:
        print(
            "\n" + _("mock portal running at {} (in memory; stops with the demo)").format(portal.url),
            flush=True,
        )
        args = [
            "register",
            SAMPLE,
            "--portal",
            portal.url,
            "--simulate-human",
            "--confirm",
            "auto",
            "--concurrency",
            "2",
        ]
        code = _run(args, {**env, "PORTAL_BOT_MOCK_QA_TOKEN": token})
        submitted = sum(1 for a in portal.qa.applications() if a["state"] == "待审核")
        print(
            "\n" + _("the mock portal now holds {} submitted application(s) (state 待审核)").format(submitted)
        )
    runs = sorted((p for p in (state / "runs").glob("*") if p.name.isdigit()), key=lambda p: int(p.name))
    if runs:
        report = runs[-1] / "report" / "report.html"
        print(
            "\n"
            + _("open the report in a browser: {}").format(report.as_uri() if report.exists() else report)
        )
        print(_("write it again later (the demo keeps its state in .state/demo):"))
        print("  PORTAL_BOT_STATE_DIR=.state/demo portal-bot report latest")
        print('  (Windows PowerShell: $env:PORTAL_BOT_STATE_DIR=".state\\demo"; portal-bot report latest)')
    if code:
        print(_("demo finished with exit code {}: see the report above").format(code), file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
