"""The renaming variant: every id, class and ``name`` attribute renamed per server start, nothing a
person sees changed.

The guide shows texts, labels, tables and the order of things, never markup; a flow that finds its
way by the mock's ids and classes works on the mock only. With a rename seed the replica rewrites
every HTML page, its stylesheet and its script on the way out (``class="steps"`` becomes
``class="x3f09a1c2b4"``, consistently within one start) and maps renamed form and query names back on
the way in, so the pages behave exactly as before. The same seed gives the same names, so a failure
can be replayed. The QA API is never touched.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from functools import cache
from importlib import resources
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Attributes whose values are (lists of) ids, classes or names.
_ATTRS = re.compile(r'(\s)(id|class|name|data-submit|data-toggle|data-clear)="([^"{}]*)"')
_LISTS = frozenset({"class", "data-clear"})
_JINJA = re.compile(r"{[{%#].*?[}%#]}", re.S)
_TEMPLATE_ATTR = re.compile(r'\b(?:id|class|name)="([^"]*)"')
_IDENT = r"-?[A-Za-z_][\w-]*"
_SELECTOR_TOKEN = re.compile(rf"([.#])({_IDENT})")
_NAME_SELECTOR = re.compile(rf"(\[name=['\"]?)({_IDENT})")
_JS_STRING = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'")
_CLASS_CALL = re.compile(r"classList\.(?:add|remove|toggle|contains)\(\s*$")
_RENAMED_NAME = re.compile(rb'(name=")(x[0-9a-f]{10})(")')


#: Set (to an integer seed) to run the test suite's replicas and ``make demo`` on the renaming variant.
RENAME_ENV = "PORTAL_BOT_MOCK_RENAME_SEED"


def seed_from_env() -> int | None:
    """The renaming variant's seed from :data:`RENAME_ENV`, or None (no renaming).

    Raises:
        ValueError: the variable is set but not an integer.
    """
    value = os.environ.get(RENAME_ENV, "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{RENAME_ENV}={value!r}: give an integer seed") from None


@cache
def known_tokens() -> frozenset[str]:
    """Every class, id and literal name the templates write (Jinja expressions left out)."""
    tokens: set[str] = set()
    folder = resources.files("portal_bot.mock_portal").joinpath("templates")
    for entry in folder.iterdir():
        if entry.name.endswith(".html"):
            for value in _TEMPLATE_ATTR.findall(entry.read_text(encoding="utf-8")):
                tokens.update(t for t in _JINJA.sub(" ", value).split() if re.fullmatch(_IDENT, t))
    return frozenset(tokens)


class Renamer:
    """The names of one server start. Thread-safe; remembers every name it gave, to map it back."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._back: dict[str, str] = {}
        self._lock = threading.Lock()

    def name(self, token: str) -> str:
        digest = hashlib.blake2b(f"{self.seed}/{token}".encode(), digest_size=5).hexdigest()
        renamed = f"x{digest}"
        with self._lock:
            self._back[renamed] = token
        return renamed

    def original(self, renamed: str) -> str:
        with self._lock:
            return self._back.get(renamed, renamed)

    # -- out: pages, stylesheet, script -------------------------------------------------------------
    def html(self, text: str) -> str:
        def attr(m: re.Match[str]) -> str:
            space, key, value = m.groups()
            if key in _LISTS:
                value = " ".join(self.name(t) for t in value.split())
            elif value:
                value = self.name(value)
            return f'{space}{key}="{value}"'

        return _ATTRS.sub(attr, text)

    def selectors(self, text: str) -> str:
        """``.cls`` / ``#id`` / ``[name=x]`` of the known tokens (so ``#fff`` or ``0.5em`` stay)."""
        known = known_tokens()
        text = _SELECTOR_TOKEN.sub(
            lambda m: m.group(1) + (self.name(m.group(2)) if m.group(2) in known else m.group(2)), text
        )
        return _NAME_SELECTOR.sub(
            lambda m: m.group(1) + (self.name(m.group(2)) if m.group(2) in known else m.group(2)), text
        )

    def script(self, text: str) -> str:
        """Selectors inside string literals, and class names given to ``classList``."""
        known = known_tokens()

        def literal(m: re.Match[str]) -> str:
            quote, body = m.group(0)[0], m.group(0)[1:-1]
            if body in known and _CLASS_CALL.search(text[: m.start()][-40:]):
                return f"{quote}{self.name(body)}{quote}"
            return f"{quote}{self.selectors(body)}{quote}"

        return _JS_STRING.sub(literal, text)

    # -- in: query strings and form bodies ----------------------------------------------------------
    def query(self, raw: bytes) -> bytes:
        pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
        return urlencode([(self.original(k), v) for k, v in pairs], encoding="latin-1").encode("latin-1")

    def multipart(self, body: bytes) -> bytes:
        return _RENAMED_NAME.sub(
            lambda m: m.group(1) + self.original(m.group(2).decode()).encode() + m.group(3), body
        )


class RenameMiddleware:
    """Applies a :class:`Renamer` to everything but the QA API."""

    def __init__(self, app: ASGIApp, renamer: Renamer) -> None:
        self.app = app
        self.renamer = renamer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith("/__qa/"):
            await self.app(scope, receive, send)
            return
        r = self.renamer
        if scope.get("query_string"):
            scope = {**scope, "query_string": r.query(scope["query_string"])}
        headers = dict(scope.get("headers") or [])
        kind = headers.get(b"content-type", b"").decode("latin-1")
        if scope.get("method") == "POST" and kind.startswith(
            ("application/x-www-form-urlencoded", "multipart/")
        ):
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            body = r.query(body) if kind.startswith("application/") else r.multipart(body)
            fixed = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
            scope = {**scope, "headers": [*fixed, (b"content-length", str(len(body)).encode())]}
            sent = False

            async def replay() -> Message:
                nonlocal sent
                if sent:
                    return await receive()
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}

            receive = replay
        await self.app(scope, receive, _Rewriter(send, r))


class _Rewriter:
    """Buffers an HTML, CSS or JavaScript answer and sends it renamed."""

    def __init__(self, send: Send, renamer: Renamer) -> None:
        self.send = send
        self.renamer = renamer
        self.start: Message | None = None
        self.kind = ""
        self.body = b""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers") or [])
            kind = headers.get(b"content-type", b"").decode("latin-1")
            self.kind = next((k for k in ("html", "css", "javascript") if k in kind), "")
            if not self.kind:
                await self.send(message)
                return
            self.start = message
            return
        if self.start is None:
            await self.send(message)
            return
        self.body += message.get("body", b"")
        if message.get("more_body"):
            return
        text = self.body.decode("utf-8")
        r = self.renamer
        text = {"html": r.html, "css": r.selectors, "javascript": r.script}[self.kind](text)
        out = text.encode("utf-8")
        fixed = [(k, v) for k, v in self.start.get("headers", []) if k not in (b"content-length", b"etag")]
        await self.send({**self.start, "headers": [*fixed, (b"content-length", str(len(out)).encode())]})
        await self.send({"type": "http.response.body", "body": out, "more_body": False})
