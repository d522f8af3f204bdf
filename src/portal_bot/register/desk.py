"""The desk page: a local web page listing who waits on what, with their QR codes, updating live.

Bound to 127.0.0.1 only. It shows names and QR codes (the QR codes are only useful to the person
in front of the coordinator), never ID or phone numbers. Confirmations posted from the page need a
per-run token sent in a custom header, which a foreign web page cannot add without a CORS preflight
that this server never grants. A DNS-rebinding page (evil.example resolving to 127.0.0.1) reaches
the port with its own Host header: only loopback Host headers are answered (the page embeds the
token), and a state-changing request whose Origin is not this server is refused.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jinja2

from portal_bot.cohortrun.relay import KIND_TEXT, Relay, qr_svg
from portal_bot.i18n import _, html_lang, with_gettext

ProgressRows = Callable[[], list[dict[str, str]]]

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})

_PAGE = Path(__file__).with_name("desk.html.j2")


class Desk:
    """Serves the desk page for one run; decisions are handed to the relay on the event loop."""

    def __init__(
        self, relay: Relay, loop: asyncio.AbstractEventLoop, progress: ProgressRows | None = None
    ) -> None:
        self.relay = relay
        self.loop = loop
        self.progress = progress or (lambda: [])
        self.token = secrets.token_urlsafe(16)
        self._svg_cache: dict[str, str] = {}

    def state(self) -> dict[str, Any]:
        now = time.time()
        tasks = []
        for task in list(self.relay.open.values()):
            svg = ""
            if task.qr_url:
                svg = self._svg_cache.get(task.qr_url) or self._svg_cache.setdefault(
                    task.qr_url, qr_svg(task.qr_url)
                )
            tasks.append(
                {
                    "id": task.id,
                    "candidate": task.candidate,
                    "kind": task.kind,
                    "text": _(KIND_TEXT[task.kind]),
                    "detail": task.detail,
                    "qr_svg": svg,
                    "waiting": int(now - task.started),
                    "check": task.check,
                    "images": {name: f"/evidence/{task.id}/{name}?t={self.token}" for name in task.evidence},
                }
            )
        return {"tasks": tasks, "progress": self.progress()}

    def evidence(self, task_id: int, name: str) -> tuple[bytes, str] | None:
        """An image an open confirmation shows (its preview, the photo); None for anything else."""
        task = self.relay.open.get(task_id)
        file = task.evidence.get(name) if task is not None else None
        if file is None:
            return None
        kind = "image/png" if file.suffix.lower() == ".png" else "image/jpeg"
        return file.read_bytes(), kind

    def page(self) -> str:
        """The page in the run's language; the words its script shows are in ``T`` (JSON)."""
        env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
        template = with_gettext(env).from_string(_PAGE.read_text(encoding="utf-8"))
        texts = {
            "preview": _("the preview (click to enlarge)"),
            "photo": _("photo"),
            "ask": _("Submit {}'s application now?"),
            "undone": _("提交 cannot be undone from here."),
            "yes": _("yes, submit (提交)"),
            "back": _("back"),
            "submit": _("submit (提交)…"),
            "skip": _("do not submit"),
            "waiting": _("waiting {}s"),
            "nobody": _("Nobody is waiting."),
            "handDone": _("done"),
            "handGiveUp": _("give up"),
            "columns": {
                "candidate": _("candidate"),
                "step": _("step"),
                "state": _("state"),
                "elapsed": _("elapsed"),
            },
        }
        return template.render(token=self.token, texts=texts, lang=html_lang())

    def decide(self, task_id: int, approve: bool) -> bool:
        future = asyncio.run_coroutine_threadsafe(self._decide(task_id, approve), self.loop)
        return future.result(timeout=5)

    async def _decide(self, task_id: int, approve: bool) -> bool:
        return self.relay.decide(task_id, approve)


def _split_host(value: str) -> tuple[str, str]:
    """``host:port`` → (lower-cased host, port text); brackets kept around an IPv6 address."""
    value = value.strip().lower()
    if value.startswith("["):
        host, _, rest = value.partition("]")
        return host + "]", rest.removeprefix(":")
    host, _, port = value.partition(":")
    return host, port


def loopback_host(value: str | None, port: int) -> bool:
    """True for ``127.0.0.1``, ``localhost`` or ``[::1]``, with no port or this server's port."""
    if not value:
        return False
    host, given = _split_host(value)
    return host in _LOOPBACK_HOSTS and given in ("", str(port))


def same_origin(value: str | None, port: int) -> bool:
    """True when a request's Origin header is absent (not a browser) or this very server."""
    if value is None:
        return True
    parts = urlsplit(value)
    return parts.scheme == "http" and loopback_host(parts.netloc, port)


def _handler(desk: Desk) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet: the run has its own log
            return

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Frame-Options", "DENY")
            self.end_headers()
            self.wfile.write(body)

        def _port(self) -> int:
            address = self.server.server_address
            assert isinstance(address, tuple)  # an AF_INET server: (host, port)
            return int(address[1])

        def _foreign_host(self) -> bool:
            """Refuse (421) a request addressed to any name but a loopback one: DNS rebinding."""
            if loopback_host(self.headers.get("Host"), self._port()):
                return False
            self._send(421, b"misdirected request", "text/plain; charset=utf-8")
            return True

        def do_GET(self) -> None:
            if self._foreign_host():
                return
            path = urlsplit(self.path).path
            if path == "/":
                self._send(200, desk.page().encode("utf-8"), "text/html; charset=utf-8")
            elif path.startswith("/evidence/"):
                self._evidence(path)
            elif path == "/state.json":
                body = json.dumps(desk.state(), ensure_ascii=False).encode("utf-8")
                self._send(200, body, "application/json; charset=utf-8")
            else:
                self._send(404, b"not found", "text/plain; charset=utf-8")

        def _evidence(self, path: str) -> None:
            """The preview and the photo are personal data: only with the run's token."""
            parts = path.split("/")  # "", "evidence", task id, name
            token = parse_qs(urlsplit(self.path).query).get("t", [""])[0]
            found = None
            if len(parts) == 4 and parts[2].isdigit() and secrets.compare_digest(token, desk.token):
                found = desk.evidence(int(parts[2]), parts[3])
            if found is None:
                self._send(404, b"not found", "text/plain; charset=utf-8")
            else:
                self._send(200, *found)

        def do_POST(self) -> None:
            if self._foreign_host():
                return
            parts = urlsplit(self.path)
            if (
                parts.path != "/decide"
                or self.headers.get("X-Desk-Token") != desk.token
                or not same_origin(self.headers.get("Origin"), self._port())
            ):
                self._send(403, b"forbidden", "text/plain; charset=utf-8")
                return
            query = parse_qs(parts.query)
            try:
                task_id = int(query["id"][0])
                approve = query.get("approve", ["0"])[0] == "1"
            except (KeyError, ValueError):
                self._send(400, b"bad request", "text/plain; charset=utf-8")
                return
            ok = desk.decide(task_id, approve)
            self._send(200 if ok else 409, json.dumps({"ok": ok}).encode(), "application/json")

    return Handler


@contextmanager
def serve_desk(desk: Desk, port: int = 0) -> Iterator[str]:
    """Serve the desk page on 127.0.0.1 in a thread; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(desk))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="portal-bot-desk", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
