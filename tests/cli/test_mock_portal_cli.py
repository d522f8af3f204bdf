"""``portal-bot mock-portal serve`` as a user runs it: prints where it is, serves, keeps state."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _start(*args: str) -> tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "portal_bot", "mock-portal", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    assert proc.stdout is not None
    first, second = proc.stdout.readline(), proc.stdout.readline()
    url = re.search(r"mock portal on (http://\S+)", first)
    token = re.search(r"X-QA-Token: (\S+)", second)
    assert url and token, (first, second)
    return proc, url.group(1), token.group(1)


def test_serve_prints_its_url_and_token_and_keeps_state_under_data(tmp_path: Path) -> None:
    proc, url, token = _start("--data", str(tmp_path), "--qa-token", "t0k3n", "--variant", "1")
    try:
        assert token == "t0k3n"
        assert "浙江省职业能力一体化工作平台" in httpx.get(url, timeout=30).text
        created = httpx.post(
            f"{url}/__qa/accounts",
            headers={"X-QA-Token": token},
            timeout=30,
            json={
                "username": "u",
                "password": "p",
                "name": "王五",
                "id_number": "11010519491231002X",
                "phone": "13800138000",
            },
        )
        assert created.status_code == 201
        assert (
            httpx.get(f"{url}/__qa/health", headers={"X-QA-Token": token}, timeout=30).json()["variant"] == 1
        )
    finally:
        proc.terminate()
        proc.communicate(timeout=60)
    assert (tmp_path / "mock-portal.sqlite3").exists()
    proc, url, token = _start("--data", str(tmp_path), "--qa-token", "t0k3n")
    try:
        accounts = httpx.get(f"{url}/__qa/accounts", headers={"X-QA-Token": token}, timeout=30).json()
        assert [a["name"] for a in accounts] == ["王五"]
    finally:
        proc.terminate()
        proc.communicate(timeout=60)


#: A guard against a hang, not a speed check: the busy-port case imports the app (FastAPI's models,
#: ~1.5 s of CPU), which took 15 s of wall time on the shared 2-core machine at load 40; 30 s failed.
HANG = 120


def test_bad_options_are_one_line_errors() -> None:
    bad_now = subprocess.run(
        [sys.executable, "-m", "portal_bot", "mock-portal", "serve", "--now", "tomorrow"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=HANG,
    )
    assert bad_now.returncode == 1 and "Traceback" not in bad_now.stderr
    assert "--now" in bad_now.stderr and "ISO" in bad_now.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = subprocess.run(
            [sys.executable, "-m", "portal_bot", "mock-portal", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=HANG,
        )
    assert busy.returncode == 1 and "cannot listen" in busy.stderr and "Traceback" not in busy.stderr


def test_serve_listens_before_it_prints_and_takes_faults_from_the_command_line() -> None:
    proc, url, _ = _start("--latency", "300", "--error-rate", "0.5", "--seed", "7")
    try:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        # the very moment the URL is printed the socket accepts (the backlog holds it until uvicorn runs)
        with socket.create_connection((host, int(port)), timeout=5):
            pass
        statuses = []
        for _ in range(12):
            started = time.monotonic()
            statuses.append(httpx.get(f"{url}/pj/plans", timeout=30).status_code)
            assert time.monotonic() - started >= 0.3
        assert set(statuses) == {200, 503}
        proc2, url2, _ = _start("--latency", "300", "--error-rate", "0.5", "--seed", "7")
        try:
            again = [httpx.get(f"{url2}/pj/plans", timeout=30).status_code for _ in range(12)]
        finally:
            proc2.terminate()
            proc2.communicate(timeout=60)
        assert again == statuses, "the same seed replays the same 503s"
    finally:
        proc.terminate()
        proc.communicate(timeout=60)
