"""The mock portal's FastAPI application: shared state, templates, the session rule, and assembly.

``create_app`` wires the routes (``pages_public``, ``pages_user``, ``wizard``, ``qa``) around one
:class:`Portal` (store, clock, variant, faults). A page that needs a login answers
"非法请求 404！" with HTTP 404 when the session cookie is missing or unknown, as the real site does.
Nothing here may load an external asset: templates reference ``/static/`` only.
"""

from __future__ import annotations

import io
import secrets
from collections import deque
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import segno
from fastapi import FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from portal_bot.mock_portal.clock import Clock
from portal_bot.mock_portal.db import Account, Store
from portal_bot.mock_portal.drift import DriftMiddleware, moves_of
from portal_bot.mock_portal.faults import FaultMiddleware, Faults, QABodyLimit
from portal_bot.mock_portal.seed import Plan, load_plans

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "JSESSIONID"
ILLEGAL = "非法请求 404！"
PAGE_SIZE = 10


class IllegalRequest(Exception):
    """No valid session: the site answers 非法请求 404！ with HTTP 404."""


class Portal:
    """Everything one replica shares between requests."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        variant: int = 0,
        qa_token: str | None = None,
        sign_ttl_seconds: int = 300,
        login_qr_ttl_seconds: int = 300,
        rename_seed: int | None = None,
        drift: Mapping[str, str] | None = None,
    ) -> None:
        self.store = store
        self.drift = dict(drift) if drift else None
        """Set: the drift variant (these visible texts reworded, see mock_portal.drift)."""
        self.moves = moves_of(drift)
        """Fields of 填写报名信息 the drift variant draws elsewhere (mock_portal.drift.Move)."""
        self.rename_seed = rename_seed
        """Set: the renaming variant (every id, class and name renamed, per this seed)."""
        self.clock = clock
        self.variant = variant
        self.qa_token = qa_token or secrets.token_urlsafe(16)
        self.faults = Faults()
        self.lists_by_script = False
        """True: 我的技能评价报名's list is drawn by a script (nothing of it in the HTML itself)."""
        self.page_log: deque[tuple[float, str, str]] = deque(maxlen=10_000)
        """(time.monotonic(), method, path) of every request but the QA API's, static files
        included: tests see the client's pace and what it fetched from the portal's side."""
        self.navigations: deque[tuple[float, str]] = deque(maxlen=10_000)
        """(time.monotonic(), path) of every page a browser opened (``Sec-Fetch-Mode: navigate``):
        a page fetched with an HTTP client (``context.request``) is in page_log, not here."""
        self.sign_ttl_seconds = sign_ttl_seconds
        self.login_qr_ttl_seconds = login_qr_ttl_seconds
        self.session_idle_seconds: int | None = None
        """Sessions idle for longer are gone (非法请求 404！); None = never, like a patient server."""
        self._plans: tuple[str, list[Plan]] | None = None
        self.plans()  # fix the windows' anchor day now, so a later clock change moves "now", not them

    def now(self) -> datetime:
        return self.clock.now()

    def plans(self) -> list[Plan]:
        anchor = self.store.anchor(self.now().date())
        if self._plans is None or self._plans[0] != anchor.isoformat():
            self._plans = (anchor.isoformat(), load_plans(anchor))
        return self._plans[1]

    def plan(self, plan_id: int) -> Plan | None:
        return next((p for p in self.plans() if p.id == plan_id), None)

    def reset(self) -> None:
        self.session_idle_seconds = None
        self.lists_by_script = False
        self.store.reset()
        self.clock.reset()
        self.faults.clear()
        self._plans = None
        self.plans()


templates = Jinja2Templates(directory=str(HERE / "templates"))


def portal_of(request: Request) -> Portal:
    portal = request.app.state.portal
    assert isinstance(portal, Portal)
    return portal


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page, with the logged-in account (if any) for the header."""
    context.setdefault("account", optional_account(request))
    context.setdefault("variant", portal_of(request).variant)
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def optional_account(request: Request) -> Account | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    portal = portal_of(request)
    return portal.store.session_account(token, portal.now(), portal.session_idle_seconds)


def require_account(request: Request) -> Account:
    """The session's account, or the site's 非法请求 404！ answer."""
    account = optional_account(request)
    if account is None:
        raise IllegalRequest()
    return account


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def qr_png(text: str, scale: int = 5) -> Response:
    """A real QR code image (segno) of ``text``."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=2)
    return Response(out.getvalue(), media_type="image/png", headers={"Cache-Control": "no-store"})


def create_app(portal: Portal) -> FastAPI:
    """The ASGI application of one replica."""
    from portal_bot.mock_portal import pages_after, pages_public, pages_user, qa, wizard

    app = FastAPI(title="mock portal", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = portal
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(qa.router)
    app.include_router(pages_public.router)
    app.include_router(pages_user.router)
    app.include_router(wizard.router)
    app.include_router(pages_after.router)

    @app.exception_handler(IllegalRequest)
    async def _illegal(request: Request, exc: IllegalRequest) -> HTMLResponse:
        return HTMLResponse(ILLEGAL, status_code=404)

    @app.exception_handler(404)
    async def _not_found(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/__qa/"):
            return JSONResponse({"detail": exc.detail}, status_code=404)
        return HTMLResponse(ILLEGAL, status_code=404)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # The QA API explains bad JSON, briefly: where and what, never the input echoed back (a huge
        # body would come back huge); the portal's pages answer like the real site.
        if request.url.path.startswith("/__qa/"):
            errors = [
                {"loc": e.get("loc"), "msg": str(e.get("msg", ""))[:200], "type": e.get("type")}
                for e in exc.errors()[:10]
            ]
            return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)
        return HTMLResponse(ILLEGAL, status_code=404)

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> Response:
        # A number too large for SQLite or a datetime is bad input, not a server fault.
        if request.url.path.startswith("/__qa/"):
            return JSONResponse({"detail": "number out of range"}, status_code=422)
        return HTMLResponse(ILLEGAL, status_code=404)

    app.add_middleware(
        FaultMiddleware, faults=portal.faults, log=portal.page_log, navigations=portal.navigations
    )
    app.add_middleware(QABodyLimit)
    if portal.drift:
        app.add_middleware(DriftMiddleware, mapping=portal.drift)
    if portal.rename_seed is not None:
        from portal_bot.mock_portal.rename import RenameMiddleware, Renamer

        app.add_middleware(RenameMiddleware, renamer=Renamer(portal.rename_seed))
    return app
