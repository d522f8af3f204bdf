"""Pages anyone may open: home, the single-sign-on login (password and QR), plan search and detail.

The login hands over to a separate SSO path and back with a one-time ticket, as the real site does
with the government's single sign-on. A login QR encodes an absolute URL on this replica; opening
it (a phone's GET) completes the login. Nothing here reads or changes an application.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from portal_bot.mock_portal.app import (
    PAGE_SIZE,
    SESSION_COOKIE,
    base_url,
    portal_of,
    qr_png,
    render,
)
from portal_bot.mock_portal.seed import Plan, regions

router = APIRouter()

_INFO = {
    "legal-login": "法人登录",
    "training": "培训报名",
    "subsidy": "补贴公示",
    "contest": "竞赛报名",
    "expert": "专家培训报名",
    "cert": "技能证书查询",
    "school-cert": "技校证书查询",
    "guide": "考试指南",
}


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    portal = portal_of(request)
    now = portal.now()
    open_count = sum(1 for p in portal.plans() if p.window_state(now) == "open")
    return render(request, "home.html", active="home", open_count=open_count)


@router.get("/info/{slug}", response_class=HTMLResponse)
async def info(request: Request, slug: str) -> Response:
    title = _INFO.get(slug)
    if title is None:
        return HTMLResponse("非法请求 404！", status_code=404)
    return render(request, "message.html", heading=title, message=f"{title}栏目在模拟站点中不提供。")


# -- single sign-on ---------------------------------------------------------------------------------
def _service(request: Request, service: str | None) -> str:
    """Only this replica's own callback may receive a ticket (no open redirect)."""
    default = f"{base_url(request)}/sso/callback"
    if not service:
        return default
    parts, own = urlsplit(service), urlsplit(default)
    if (parts.scheme, parts.netloc, parts.path) != (own.scheme, own.netloc, own.path):
        return default
    return service


def _with_ticket(service: str, ticket: str) -> str:
    return f"{service}{'&' if '?' in service else '?'}{urlencode({'ticket': ticket})}"


@router.get("/sso/login", response_class=HTMLResponse)
async def sso_login(request: Request, service: str | None = None, method: str = "password") -> Response:
    portal = portal_of(request)
    token = portal.store.new_login_qr(portal.now())
    return render(
        request,
        "login.html",
        service=_service(request, service),
        qr_token=token,
        method=method,
        error="",
        username="",
    )


@router.post("/sso/login", response_class=HTMLResponse)
async def sso_login_post(request: Request) -> Response:
    portal = portal_of(request)
    form = await request.form()
    username = str(form.get("loginname", "")).strip()
    password = str(form.get("loginpwd", ""))
    service = _service(request, str(form.get("service", "")))
    account = portal.store.check_password(username, password) if username and password else None
    if account is None:
        token = portal.store.new_login_qr(portal.now())
        error = "请输入账号和密码" if not (username and password) else "用户名或密码错误"
        return render(
            request,
            "login.html",
            service=service,
            qr_token=token,
            method="password",
            error=error,
            username=username,
        )
    ticket = portal.store.new_ticket(account.id, portal.now())
    return RedirectResponse(_with_ticket(service, ticket), status_code=303)


@router.get("/sso/qr/{token}.png")
async def sso_qr_image(request: Request, token: str) -> Response:
    if portal_of(request).store.login_qr(token) is None:
        return HTMLResponse("非法请求 404！", status_code=404)
    return qr_png(f"{base_url(request)}/sso/qr/{token}")


def _login_qr_state(request: Request, token: str) -> tuple[str, dict[str, Any] | None]:
    portal = portal_of(request)
    row = portal.store.login_qr(token)
    if row is None:
        return "unknown", None
    if row["account_id"] is not None:
        return "scanned", row
    created = datetime.fromisoformat(row["created_at"])
    if portal.now() > created + timedelta(seconds=portal.login_qr_ttl_seconds):
        return "expired", row
    return "pending", row


@router.get("/sso/qr/{token}/status")
async def sso_qr_status(request: Request, token: str, service: str | None = None) -> Response:
    state, row = _login_qr_state(request, token)
    body: dict[str, Any] = {"status": state}
    if state == "scanned" and row is not None and row["ticket"]:
        body["redirect"] = _with_ticket(_service(request, service), row["ticket"])
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def scan_login(request: Request, token: str, account_id: int) -> bool:
    """Complete a pending login QR as ``account_id`` (the phone's 浙里办 account)."""
    portal = portal_of(request)
    state, _ = _login_qr_state(request, token)
    if state != "pending":
        return False
    ticket = portal.store.new_ticket(account_id, portal.now())
    return portal.store.scan_login_qr(token, account_id, ticket)


@router.api_route("/sso/qr/{token}", methods=["GET", "POST"], response_class=HTMLResponse)
async def sso_qr_scan(request: Request, token: str, account: str | None = None) -> Response:
    """What a phone opens. With one account (or ``?account=`` / a posted name) the login completes."""
    portal = portal_of(request)
    state, _ = _login_qr_state(request, token)
    if state in ("unknown", "expired", "scanned"):
        message = {
            "unknown": "二维码无效",
            "expired": "二维码已过期，请在电脑上刷新二维码",
            "scanned": "该二维码已使用",
        }
        return render(request, "phone.html", title="浙里办", message=message[state], ask_account=False)
    if request.method == "POST":
        account = str((await request.form()).get("account", "")).strip()
    accounts = portal.store.accounts()
    chosen = None
    if account:
        chosen = portal.store.account_by_username(account)
    elif len(accounts) == 1:
        chosen = accounts[0]
    if chosen is None:
        return render(
            request,
            "phone.html",
            title="浙里办 扫码登录",
            ask_account=True,
            action=f"/sso/qr/{token}",
            message="请确认登录浙江政务服务网" if not account else "账号不存在",
        )
    scan_login(request, token, chosen.id)
    return render(
        request, "phone.html", title="浙里办", message="登录成功，请在电脑上继续操作", ask_account=False
    )


@router.get("/sso/callback")
async def sso_callback(request: Request, ticket: str = "", next: str = "") -> Response:
    portal = portal_of(request)
    account_id = portal.store.redeem_ticket(ticket) if ticket else None
    if account_id is None:
        return HTMLResponse("非法请求 404！", status_code=404)
    account = portal.store.account(account_id)
    assert account is not None
    session = portal.store.new_session(account_id, portal.now())
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    if not account.info_confirmed:
        target = "/user/basic-info"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="lax", path="/")
    return response


@router.get("/sso/logout")
async def sso_logout(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        portal_of(request).store.drop_session(token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- plans ------------------------------------------------------------------------------------------
def _match(plan: Plan, q: dict[str, str]) -> bool:
    keyword = q["keyword"]
    if keyword and keyword not in plan.name and keyword not in plan.org and keyword not in plan.plan_no:
        return False
    if q["type"] not in ("", "全部") and plan.plan_type != q["type"]:
        return False
    for key, value in (
        ("occupation", plan.occupation),
        ("work_type", plan.work_type),
        ("level", plan.level),
        ("city", plan.city),
        ("district", plan.district),
    ):
        if q[key] and q[key] != value:
            return False
    return True


@router.get("/pj/plans", response_class=HTMLResponse)
async def plans(request: Request) -> Response:
    portal = portal_of(request)
    params = request.query_params
    keys = ("keyword", "type", "occupation", "work_type", "level", "city", "district")
    q = {k: params.get(k, "").strip() for k in keys}
    q["type"] = q["type"] or "全部"
    every = portal.plans()
    occupations = list(dict.fromkeys(p.occupation for p in every))
    if q["occupation"] not in occupations:
        q["occupation"] = ""
    work_types = list(dict.fromkeys(p.work_type for p in every if p.occupation == q["occupation"]))
    if q["work_type"] not in work_types:
        q["work_type"] = ""
    levels = list(
        dict.fromkeys(
            p.level
            for p in every
            if (not q["occupation"] or p.occupation == q["occupation"])
            and (not q["work_type"] or p.work_type == q["work_type"])
        )
    )
    if q["level"] not in levels:
        q["level"] = ""
    region = regions(every)
    districts = region.get(q["city"], [])
    if q["district"] not in districts:
        q["district"] = ""
    found = [p for p in every if _match(p, q)]
    found.sort(key=lambda p: (p.start, p.id), reverse=True)
    pages = max(1, math.ceil(len(found) / PAGE_SIZE))
    try:
        page = min(max(1, int(params.get("page", "1"))), pages)
    except ValueError:
        page = 1
    offset = (page - 1) * PAGE_SIZE

    def page_url(n: int) -> str:
        kept = {k: v for k, v in q.items() if v and not (k == "type" and v == "全部")}
        return "/pj/plans?" + urlencode({**kept, "page": n})

    return render(
        request,
        "plans.html",
        active="pj",
        q=q,
        occupations=occupations,
        work_types=work_types,
        levels=levels,
        cities=list(region),
        districts=districts,
        rows=found[offset : offset + PAGE_SIZE],
        total=len(found),
        page=page,
        pages=pages,
        offset=offset,
        page_url=page_url,
    )


@router.get("/pj/plan/{plan_id}", response_class=HTMLResponse)
async def plan_detail(request: Request, plan_id: int) -> Response:
    plan = portal_of(request).plan(plan_id)
    if plan is None:
        return HTMLResponse("非法请求 404！", status_code=404)
    return render(request, "plan_detail.html", active="pj", plan=plan, refusal="")
