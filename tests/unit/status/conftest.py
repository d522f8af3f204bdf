"""Local receivers for notification tests (an HTTP server and an SMTP server on 127.0.0.1 free
ports, each in a thread, recording what they receive) and an Observation factory."""

from __future__ import annotations

import base64
import json
import socketserver
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import pytest

from portal_bot.cohortrun.states import State
from portal_bot.status.changes import Observation

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def make_obs(
    key: str,
    state: State,
    *,
    at: datetime = T0,
    name: str | None = None,
    reason: str | None = None,
    text: str | None = None,
    note: str | None = None,
    plan: str | None = "2024-S-000911",
) -> Observation:
    return Observation(
        key=key,
        name=name if name is not None else key,
        plan_code=plan,
        state=state,
        state_text=text if text is not None else (state.label if state.seen else ""),
        reason=reason,
        observed_at=at,
        note=note,
    )


@pytest.fixture
def obs() -> Callable[..., Observation]:
    return make_obs


@pytest.fixture
def t0() -> datetime:
    return T0


@pytest.fixture
def hours() -> Callable[[float], timedelta]:
    return lambda n: timedelta(hours=n)


# -- HTTP receiver -----------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw.decode("utf-8"))


@dataclass
class HttpReceiver:
    """Records every POST; answers from ``responses`` (status, JSON body, delay s), else 200 errcode 0."""

    server: ThreadingHTTPServer
    requests: list[Received] = field(default_factory=list)
    responses: deque[tuple[int, Any, float]] = field(default_factory=deque)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"


def _handler(receiver_ref: list[HttpReceiver]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            receiver = receiver_ref[0]
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            parts = urlsplit(self.path)
            receiver.requests.append(
                Received(parts.path, parse_qs(parts.query), dict(self.headers.items()), raw)
            )
            status, body, delay = (
                receiver.responses.popleft() if receiver.responses else (200, {"errcode": 0}, 0.0)
            )
            if delay:
                time.sleep(delay)
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up (timeout tests)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    ref: list[HttpReceiver] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(ref))
    server.daemon_threads = True
    receiver = HttpReceiver(server)
    ref.append(receiver)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours proxy variables; the tests talk to 127.0.0.1 only."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


# -- SMTP server ---------------------------------------------------------------------------------


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return cast(EmailMessage, message_from_bytes(self.data, policy=default_policy))


@dataclass
class SmtpServer:
    """A tiny SMTP server: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no STARTTLS."""

    server: socketserver.ThreadingTCPServer
    credentials: tuple[str, str] | None = None
    refuse: set[str] = field(default_factory=set)
    mails: list[Mail] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    connections: int = 0

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])


def _smtp_handler(ref: list[SmtpServer]) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")
            self.wfile.flush()

        def handle(self) -> None:
            state = ref[0]
            state.connections += 1
            self.reply("220 localhost test SMTP")
            sender, recipients = "", []
            while True:
                raw = self.rfile.readline()
                if not raw:
                    return
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                verb = line.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    self.reply("250-localhost")
                    self.reply("250-8BITMIME")
                    self.reply("250 AUTH PLAIN")
                elif verb == "HELO" or verb in ("NOOP", "RSET"):
                    self.reply("250 ok")
                elif verb == "AUTH":
                    _, _mech, blob = (line.split(" ") + [""])[:3]
                    _, user, password = base64.b64decode(blob).decode().split("\0")
                    state.logins.append((user, password))
                    if state.credentials == (user, password):
                        self.reply("235 authenticated")
                    else:
                        self.reply("535 authentication failed")
                elif verb == "MAIL":
                    sender, recipients = line.split(":", 1)[1].split()[0].strip("<>"), []
                    self.reply("250 ok")
                elif verb == "RCPT":
                    rcpt = line.split(":", 1)[1].strip().strip("<>")
                    if rcpt in state.refuse:
                        self.reply("550 no such user")
                    else:
                        recipients.append(rcpt)
                        self.reply("250 ok")
                elif verb == "DATA":
                    self.reply("354 end with .")
                    chunks = []
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        chunks.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    state.mails.append(Mail(sender, recipients, b"".join(chunks)))
                    self.reply("250 queued")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("502 not implemented")

    return Handler


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    ref: list[SmtpServer] = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _smtp_handler(ref))
    server.daemon_threads = True
    state = SmtpServer(server)
    ref.append(state)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
