"""Output stays UTF-8 when the console would be GBK (a Chinese Windows laptop redirecting output)."""

import os
import subprocess
import sys


def test_redirected_gbk_stdout_gets_utf8() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "gbk", "PYTHONUTF8": "0", "COLUMNS": "200"}
    out = subprocess.run(
        [sys.executable, "-m", "portal_bot", "--help"], capture_output=True, env=env, check=True
    ).stdout
    assert "职业技能等级认定" in out.decode("utf-8")


def test_bad_command_is_a_usage_error_without_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "portal_bot", "no-such-command"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
