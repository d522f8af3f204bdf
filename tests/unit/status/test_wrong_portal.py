"""``portal-bot status`` at an address that is not the portal: one run error, never a change.

A wrong ``--portal`` has no saved logins, so every candidate looked like "needs login" and each one
was recorded as a change that ``--notify`` announced. When no candidate can be read because nothing
answers there, or what answers is not the portal, the run is an error: exit 1, one line, nothing
recorded in the ledger and nothing notified.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from bench._status_cohort import enrol, write_cohort
from typer.testing import CliRunner

from portal_bot.cli import app
from portal_bot.ledger import Ledger
from portal_bot.mock_portal.server import RunningPortal, serve_in_thread
from portal_bot.settings import Settings
from tests.unit.status.conftest import HttpReceiver

pytestmark = pytest.mark.browser
runner = CliRunner()


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def closed_port_url() -> str:
    """A loopback address where nothing listens (bound once for a free number, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def unrelated_site() -> Iterator[str]:
    """A plain HTTP server on 127.0.0.1 answering every path with a page that is not the portal."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            body = b"<html><body><h1>It works!</h1><p>Default page.</p></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def observations(cohort: str) -> int:
    with Ledger.open(Settings().ledger_path) as ledger:
        return sum(len(ledger.observations(r.id)) for r in ledger.candidates(cohort))


def baseline(tmp_path: Path, portal: RunningPortal, hook: str) -> Path:
    """A cohort of two, read once from the real (mock) portal with --notify: the first run's news."""
    folder = tmp_path / "2026春"
    for m in enrol(Settings(), portal, write_cohort(folder, 2)):
        assert m.app_id is not None
        portal.qa.set_state(m.app_id, "待审核")
    first = runner.invoke(app, ["status", str(folder), "--portal", portal.url, "--notify", hook])
    assert first.exit_code == 0, first.output
    return folder


def assert_run_error(folder: Path, url: str, hook: str, receiver: HttpReceiver) -> None:
    sent, seen = len(receiver.requests), observations(folder.name)
    result = runner.invoke(app, ["status", str(folder), "--portal", url, "--notify", hook, "--json"])
    assert result.exit_code == 1, result.output
    assert "site unreachable or not the portal" in result.output
    assert "Traceback" not in result.output
    assert "needs_login" not in result.output
    assert len(receiver.requests) == sent  # nothing announced
    assert observations(folder.name) == seen  # nothing recorded, so the next real run sees no change


def test_a_closed_port_is_one_run_error(
    tmp_path: Path, mock_portal: RunningPortal, http_receiver: HttpReceiver
) -> None:
    hook = f"webhook:{http_receiver.url}/hook"
    folder = baseline(tmp_path, mock_portal, hook)
    assert_run_error(folder, closed_port_url(), hook, http_receiver)
    # and back on the right address nothing changed
    again = runner.invoke(app, ["status", str(folder), "--portal", mock_portal.url, "--json"])
    assert again.exit_code == 0, again.output
    assert '"changes": []' in again.stdout


def test_a_page_that_is_not_the_portal_is_one_run_error(
    tmp_path: Path, mock_portal: RunningPortal, http_receiver: HttpReceiver, unrelated_site: str
) -> None:
    hook = f"webhook:{http_receiver.url}/hook"
    folder = baseline(tmp_path, mock_portal, hook)
    assert_run_error(folder, unrelated_site, hook, http_receiver)


def test_saved_logins_at_a_site_that_went_away_are_one_run_error(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    """The reads themselves fail to connect (the sessions exist for that address)."""
    hook = f"webhook:{http_receiver.url}/hook"
    with serve_in_thread() as gone:
        folder = baseline(tmp_path, gone, hook)
        url = gone.url
    assert_run_error(folder, url, hook, http_receiver)


def test_everyone_without_a_login_at_the_right_portal_is_not_an_error(
    tmp_path: Path, mock_portal: RunningPortal
) -> None:
    """The check behind the run error asks the site itself: a reachable portal keeps 'needs login'."""
    folder = tmp_path / "新班"
    enrol(Settings(), mock_portal, write_cohort(folder, 2), session=False)
    result = runner.invoke(app, ["status", str(folder), "--portal", mock_portal.url, "--json"])
    assert result.exit_code == 3, result.output
    doc = json.loads(result.stdout)
    states = [c["state"] for g in doc["groups"] for c in g["candidates"]]
    assert states == ["needs_login", "needs_login"]
