"""``make recording``: the checked-in recording of the mock portal's own pages (variant 0).

Runs ``portal-bot register profiles/sample-cohort --only 王小明 --record …`` (a subprocess, as a
coordinator would type it) against the mock portal served in this process, with simulated people and
automatic confirmation (mock portal only), in a throw-away state folder and a copy of the cohort.
Then the screenshots are scaled down to :data:`WIDTH` pixels and 64 colours (the folder stays well
under 1.5 MB), ``made_by`` becomes ``fixture``, and the result replaces
``fixtures/recordings/mock-v0/``. CI checks the flows against it (``flows check --against``), so a
flow edit that no longer matches the mock's pages fails fast. Never contacts the real site.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TARGET = ROOT / "fixtures" / "recordings" / "mock-v0"
WIDTH = 640


def make(target: Path = TARGET) -> Path:
    """Record the mock portal's pages into ``target`` (replaced as a whole); returns ``target``.

    Raises:
        RuntimeError: the registration failed (its output is in the message).
    """
    from portal_bot.documents.images import shrink_png
    from portal_bot.mock_portal.server import serve_in_thread
    from portal_bot.recording.model import load_recording, save_recording
    from portal_bot.recording.recorder import render_index

    with tempfile.TemporaryDirectory(prefix="portal-bot-recording-") as tmp:
        work = Path(tmp)
        cohort = work / "cohort"
        shutil.copytree(
            ROOT / "profiles" / "sample-cohort", cohort, ignore=shutil.ignore_patterns("prepared")
        )
        out = work / "mock-v0"
        token = secrets.token_urlsafe(16)
        env = {
            **os.environ,
            "PORTAL_BOT_STATE_DIR": str(work / "state"),
            "PORTAL_BOT_MOCK_QA_TOKEN": token,
            "PYTHONUTF8": "1",
        }
        with serve_in_thread(qa_token=token) as portal:
            args = ["register", str(cohort), "--portal", portal.url, "--simulate-human", "--confirm", "auto"]
            args += ["--only", "王小明", "--record", str(out)]
            done = subprocess.run(
                [sys.executable, "-m", "portal_bot", *args],
                capture_output=True,
                text=True,
                encoding="utf-8",
                env=env,
                check=False,
            )
        if done.returncode != 0:
            raise RuntimeError(f"the recorded registration failed:\n{done.stdout}\n{done.stderr}")
        recording = load_recording(out)
        for page in recording.pages:
            shot = recording.screenshot(out, page)
            shot.write_bytes(shrink_png(shot.read_bytes(), WIDTH))
        recording = recording.model_copy(update={"made_by": "fixture", "site": "http://127.0.0.1"})
        save_recording(out, recording)
        (out / "index.html").write_text(render_index(recording), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(out, target)
    return target


def main() -> int:
    target = make(Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET)
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    pages = len(list((target / "pages").glob("*.html")))
    print(f"recorded {pages} page(s) of the mock portal into {target} ({size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
