"""Approving 提交 as a coordinator does: in a real terminal (a pseudo-terminal read through a VT100
emulator, so "visible" means on the screen, not merely somewhere in the byte stream), and never
with a closed stdin."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from portal_bot.mock_portal.server import RunningPortal
from tests.e2e.conftest import TOKEN, portal_bot
from tests.e2e.test_register import _by_name

QUESTION = "Type y and press Enter to submit"


def test_prompt_without_a_terminal_is_refused_before_any_browser(
    fresh_portal: RunningPortal, cohort: Path
) -> None:
    # subprocess.run gives no terminal: stdin is a pipe at end of file, as under cron or CI
    done = portal_bot("register", str(cohort), "--portal", fresh_portal.url, "--simulate-human")
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "--confirm prompt needs a terminal" in lines[0]
    assert "--desk" in lines[0] and "--confirm auto" in lines[0]
    assert "Aborted" not in done.stdout + done.stderr
    # refused before anything happened: no login, no application, no run folder
    assert fresh_portal.qa.applications() == []
    assert not (Path(os.environ["PORTAL_BOT_STATE_DIR"]) / "runs").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals (pty) are POSIX only")
def test_prompt_in_a_terminal_stays_visible_over_the_live_table_and_y_submits(
    fresh_portal: RunningPortal, cohort: Path
) -> None:
    import fcntl
    import pty
    import select
    import struct
    import termios

    import pyte

    screen = pyte.Screen(160, 60)
    stream = pyte.ByteStream(screen)
    env = {
        **os.environ,
        "PORTAL_BOT_MOCK_QA_TOKEN": TOKEN,
        "PYTHONUTF8": "1",
        "TERM": "xterm-256color",
        "COLUMNS": "160",
        "LINES": "60",
    }
    for var in ("NO_COLOR", "CI"):
        env.pop(var, None)
    args = [sys.executable, "-m", "portal_bot", "register", str(cohort), "--portal", fresh_portal.url]
    args += ["--simulate-human", "--human-timeout", "60", "--only", "王小明"]
    fd, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 60, 160, 0, 0))
    child = subprocess.Popen(  # a register as typed in a terminal
        args, stdin=terminal, stdout=terminal, stderr=terminal, env=env, start_new_session=True
    )
    os.close(terminal)

    def pump(until: str, seconds: float) -> str:
        """Feed what the program draws to the screen until ``until`` shows (or time runs out)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                break
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal (it exited)
                break
            if not chunk:
                break
            stream.feed(chunk)
            if until in "\n".join(screen.display):
                break
        return "\n".join(screen.display)

    try:
        shown = pump(QUESTION, 240)
        assert QUESTION in shown, shown
        # the question and whose application it is are on screen together, not drawn over
        question_line = next(i for i, line in enumerate(screen.display) if QUESTION in line)
        above = "\n".join(screen.display[max(0, question_line - 4) : question_line])
        assert "Submit the application of 王小明?" in above, shown
        # the live table is paused: a second later the screen still ends with the question
        time.sleep(1.0)  # long enough for four redraws of a running live table (4 per second)
        pump("\x00 nothing to wait for", 0.5)
        assert QUESTION in screen.display[question_line], "\n".join(screen.display)
        os.write(fd, b"y\n")
        final = pump("\x00 read until the program closes the terminal", 240)
        assert "1 submitted" in final and "report:" in final, final
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
        os.close(fd)
    assert child.returncode == 0
    assert [a["state"] for a in _by_name(fresh_portal)["王小明"]] == ["待审核"]
