"""The drift variant: the site changed its wording since the flows were written.

The day a coordinator first points ``register`` at the real site, some texts will not be the
guide's. With a drift mapping the replica rewrites the visible texts of every HTML page on the way
out (the QA API, stylesheet and script untouched), so tests can prove that a flow which no longer
matches fails at once as a **site mismatch** naming the page's nearest texts.

:data:`DRIFT` is the whole variant (``portal-bot mock-portal serve --drift``): a button, a link, a
field label, a wizard-step title and a success text renamed, and one field of 填写报名信息 moved
to another section of the form (:data:`MOVES`: 通讯地址 from 个人信息 to after 从事岗位), with the
same rules. Tests pass smaller mappings (only 马上报名 → 立即报名) to look at one drift at a time;
a plain mapping moves nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal_bot.mock_portal.form import Field


@dataclass(frozen=True)
class Move:
    """A field of 填写报名信息 drawn elsewhere: in ``section``, right after the field ``after``
    (keys of :data:`portal_bot.mock_portal.form.FIELDS`). Its rules and name stay the same."""

    field: str
    section: str
    after: str


class Drift(Mapping[str, str]):
    """Reworded texts (old → new; the mapping itself) and the fields moved in the form."""

    def __init__(self, texts: Mapping[str, str], moves: Sequence[Move] = ()) -> None:
        self._texts = dict(texts)
        self.moves = tuple(moves)

    def __getitem__(self, key: str) -> str:
        return self._texts[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


#: The field the drift variant moves: 通讯地址 leaves 个人信息 for the work section, after 从事岗位
#: (so it also changes markup: the sections alternate table and div rows).
MOVES = (Move("address", "work", after="post"),)

#: The drift variant: every text the flows rely on that the real site may word differently.
DRIFT = Drift(
    {
        "马上报名": "立即报名",  # a button (plan detail)
        "个人用户登录": "个人登录",  # a link (the header)
        "手机号码": "联系电话",  # a field label (个人基本信息 and 填写报名信息)
        "上传证件照": "上传免冠照片",  # a wizard-step title
        "照片上传成功": "照片已保存",  # a success text
    },
    MOVES,
)


def moves_of(drift: Mapping[str, str] | None) -> tuple[Move, ...]:
    """The moved fields of a drift (none for a plain mapping of texts)."""
    return drift.moves if isinstance(drift, Drift) else ()


def arrange(fields: Sequence[Field], moves: Sequence[Move]) -> list[Field]:
    """``fields`` in the order the form draws them, each moved one after its ``after`` and in its new
    section (the returned fields carry the new section)."""
    order = list(fields)
    for move in moves:
        moving = next(f for f in order if f.key == move.field)
        order.remove(moving)
        at = next(i for i, f in enumerate(order) if f.key == move.after)
        order.insert(at + 1, replace(moving, section=move.section))
    return order


class DriftMiddleware:
    """Rewrites the texts of ``mapping`` in every HTML answer but the QA API's."""

    def __init__(self, app: ASGIApp, mapping: Mapping[str, str]) -> None:
        self.app = app
        # longest first, so a text containing another is replaced as a whole
        self.pairs = sorted(mapping.items(), key=lambda kv: -len(kv[0]))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith("/__qa/"):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body = b""

        async def rewrite(message: Message) -> None:
            nonlocal start, body
            if message["type"] == "http.response.start":
                kind = dict(message.get("headers") or []).get(b"content-type", b"").decode("latin-1")
                if "html" in kind:
                    start = message
                    return
            elif start is not None:
                body += message.get("body", b"")
                if message.get("more_body"):
                    return
                text = body.decode("utf-8")
                for old, new in self.pairs:
                    text = text.replace(old, new)
                out = text.encode("utf-8")
                headers = [
                    (k, v) for k, v in start.get("headers", []) if k not in (b"content-length", b"etag")
                ]
                await send({**start, "headers": [*headers, (b"content-length", str(len(out)).encode())]})
                await send({"type": "http.response.body", "body": out, "more_body": False})
                return
            await send(message)

        await self.app(scope, receive, rewrite)
