"""Pages of a logged-in person: 个人基本信息, 马上报名, 我的技能评价报名 and one application's page.

Every handler starts from the session's account and only ever reads or changes that account's
data; another account's application answers 非法请求 404！ exactly like a missing one.
"""

from __future__ import annotations

import random
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal_bot.mock_portal import form, rules
from portal_bot.mock_portal.app import IllegalRequest, Portal, portal_of, render, require_account
from portal_bot.mock_portal.db import DRAFT, EDITABLE, Account, Application
from portal_bot.mock_portal.seed import Plan

router = APIRouter()

_INFO_KEYS = ("name", "sex", "id_type", "id_number", "birth_date", "phone", "address", "email")


def _info_columns(account: Account, variant: int) -> dict[str, str]:
    rng = random.Random(f"info/{account.id}/{variant}")
    numbers = rng.sample(range(1, 40), len(_INFO_KEYS))
    return {k: f"column{n}" for k, n in zip(_INFO_KEYS, numbers, strict=True)}


@router.get("/user/basic-info", response_class=HTMLResponse)
async def basic_info(request: Request, next: str = "") -> Response:
    account = require_account(request)
    col = _info_columns(account, portal_of(request).variant)
    notice = "" if account.info_confirmed else "请先核实并完善个人基本信息，然后点击“技能评价报名”。"
    values = {"phone": account.phone, "address": account.address, "email": account.email}
    return render(request, "basic_info.html", col=col, values=values, errors={}, notice=notice, next=next)


@router.post("/user/basic-info", response_class=HTMLResponse)
async def basic_info_post(request: Request) -> Response:
    account = require_account(request)
    portal = portal_of(request)
    col = _info_columns(account, portal.variant)
    posted = await request.form()
    values = {k: str(posted.get(col[k], "")).strip() for k in ("phone", "address", "email")}
    errors: dict[str, str] = {}
    try:
        rules.check_phone(values["phone"])
    except rules.RuleError as exc:
        errors["phone"] = str(exc)
    if not values["address"]:
        errors["address"] = "请填写通讯地址"
    if values["email"] and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", values["email"]):
        errors["email"] = "电子邮箱格式不正确"
    next_page = str(posted.get("next", ""))
    if errors:
        return render(
            request, "basic_info.html", col=col, values=values, errors=errors, notice="", next=next_page
        )
    portal.store.confirm_info(account.id, **values)
    target = next_page if next_page.startswith("/") and not next_page.startswith("//") else "/pj/plans"
    return RedirectResponse(target, status_code=303)


def wizard_url(app: Application) -> str:
    return f"/user/app/{app.id}/step{app.step}"


@router.get("/pj/plan/{plan_id}/apply", response_class=HTMLResponse)
async def apply(request: Request, plan_id: int) -> Response:
    """马上报名: the existing application of this account and plan, or a new draft."""
    account = require_account(request)
    portal = portal_of(request)
    plan = portal.plan(plan_id)
    if plan is None:
        raise IllegalRequest()
    if not account.info_confirmed:
        return RedirectResponse(f"/user/basic-info?next=/pj/plan/{plan_id}/apply", status_code=303)
    existing = portal.store.application_for(account.id, plan.id)
    if existing is not None and existing.state not in EDITABLE:
        return RedirectResponse(f"/user/app/{existing.id}", status_code=303)
    if existing is not None and existing.state != DRAFT:
        return RedirectResponse(f"/user/app/{existing.id}/step2", status_code=303)
    window = plan.window_state(portal.now())
    if window != "open":
        refusal = {"not_open": "报名尚未开始，不在报名时间内", "closed": "报名已结束，不在报名时间内"}[window]
        return render(request, "plan_detail.html", active="pj", plan=plan, refusal=refusal)
    app = existing or _new_application(portal, account, plan)
    return RedirectResponse(wizard_url(app), status_code=303)


def _new_application(portal: Portal, account: Account, plan: Plan) -> Application:
    app = portal.store.create_application(account.id, plan.id, portal.now())
    if account.id_photo and portal.store.file(app.id, "photo") is None:
        content = rules.id_card_photo(account.id_number)
        width, height = rules.check_photo("身份证照片.jpg", content)
        portal.store.put_file(
            app.id, "photo", "身份证照片.jpg", content, portal.now(), width=width, height=height
        )
    return app


def own_application(request: Request, app_id: int) -> tuple[Account, Application, Plan]:
    """The session's account and one of ITS applications; anything else is 非法请求 404！."""
    account = require_account(request)
    portal = portal_of(request)
    app = portal.store.application(app_id)
    if app is None or app.account_id != account.id:
        raise IllegalRequest()
    plan = portal.plan(app.plan_id)
    if plan is None:
        raise IllegalRequest()
    return account, app, plan


@router.get("/user/applications", response_class=HTMLResponse)
async def applications(request: Request, notice: str = "") -> Response:
    account = require_account(request)
    portal = portal_of(request)
    rows = [(a, portal.plan(a.plan_id)) for a in portal.store.applications(account.id)]
    shown = {"submitted": "提交成功，请耐心等待审核。"}.get(notice, "")
    return render(
        request,
        "applications.html",
        rows=[(a, p) for a, p in rows if p],
        notice=shown,
        by_script=portal.lists_by_script,
    )


def preview_context(portal: Portal, app: Application, plan: Plan) -> dict[str, Any]:
    files = portal.store.files(app.id)
    by_field = {field: files[kind] for field, kind in form.FILE_KINDS.items() if kind in files}
    return {
        "rows": form.preview_rows(app.data, plan) if app.data else [],
        "photo": files.get("photo"),
        "signature": files.get("signature"),
        "files": by_field,
    }


@router.get("/user/app/{app_id}", response_class=HTMLResponse)
async def application(request: Request, app_id: int, notice: str = "") -> Response:
    _, app, plan = own_application(request, app_id)
    portal = portal_of(request)
    shown = {"submitted": "提交成功，请耐心等待审核。"}.get(notice, "")
    return render(
        request, "application.html", app=app, plan=plan, notice=shown, **preview_context(portal, app, plan)
    )


@router.get("/user/app/{app_id}/photo.jpg")
async def photo(request: Request, app_id: int) -> Response:
    return _stored(request, app_id, "photo", "image/jpeg")


@router.get("/user/app/{app_id}/signature.png")
async def signature(request: Request, app_id: int) -> Response:
    return _stored(request, app_id, "signature", "image/png")


def _stored(request: Request, app_id: int, kind: str, media_type: str) -> Response:
    _, app, _ = own_application(request, app_id)
    stored = portal_of(request).store.file(app.id, kind)
    if stored is None:
        raise IllegalRequest()
    return Response(stored.content, media_type=media_type, headers={"Cache-Control": "private, no-store"})
