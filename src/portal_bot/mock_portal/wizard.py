"""The four-step registration wizard: 上传证件照 → 填写报名信息 → 扫码在线签名 → 预览确认提交.

Every rule is enforced here on the server (the pages' JavaScript only helps). A step whose
prerequisites are missing shows the earlier step with the site's message instead. Only
applications in 未提交 or 驳回修改 can be edited; the signing QR's URL (opened by a phone, no
session) is the one wizard route without the session rule.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from portal_bot.mock_portal import form, rules
from portal_bot.mock_portal.app import IllegalRequest, Portal, base_url, portal_of, qr_png, render
from portal_bot.mock_portal.db import PENDING, RETURNED, Account, Application
from portal_bot.mock_portal.drift import arrange
from portal_bot.mock_portal.pages_user import own_application, preview_context
from portal_bot.mock_portal.seed import Plan

router = APIRouter()

_TITLES = {
    "apply": "报考信息",
    "person": "个人信息",
    "work": "工作信息",
    "promotion": "原证书信息",
    "other": "申报信息",
}


def _editable(request: Request, app_id: int) -> tuple[Account, Application, Plan] | Response:
    account, app, plan = own_application(request, app_id)
    if not app.editable:
        return RedirectResponse(f"/user/app/{app.id}", status_code=303)
    return account, app, plan


def _page(request: Request, name: str, app: Application, plan: Plan, step: int, **context: Any) -> Response:
    context.setdefault("errors", {})
    context.setdefault("notice", "")
    context.setdefault("col", form.columns(plan, portal_of(request).variant))
    return render(request, name, app=app, plan=plan, step=step, **context)


# -- step 1: photo ------------------------------------------------------------------------------
def _step1(request: Request, app: Application, plan: Plan, **context: Any) -> Response:
    photo = portal_of(request).store.file(app.id, "photo")
    return _page(request, "step1.html", app, plan, 1, photo=photo, **context)


@router.get("/user/app/{app_id}/step1", response_class=HTMLResponse)
async def step1(request: Request, app_id: int) -> Response:
    got = _editable(request, app_id)
    if isinstance(got, Response):
        return got
    _, app, plan = got
    return _step1(request, app, plan)


@router.post("/user/app/{app_id}/step1", response_class=HTMLResponse)
async def step1_post(request: Request, app_id: int) -> Response:
    got = _editable(request, app_id)
    if isinstance(got, Response):
        return got
    _, app, plan = got
    portal = portal_of(request)
    async with request.form() as posted:
        upload = posted.get(form.columns(plan, portal.variant)["photo"])
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _step1(request, app, plan, errors={"photo": "请选择要上传的证件照"})
        filename, content = upload.filename, await upload.read()
    try:
        width, height = rules.check_photo(filename, content)
    except rules.RuleError as exc:
        return _step1(request, app, plan, errors={"photo": str(exc)})
    portal.store.put_file(app.id, "photo", filename, content, portal.now(), width=width, height=height)
    return _step1(request, app, plan, notice="照片上传成功")


# -- step 2: the form ---------------------------------------------------------------------------
def _uploaded(portal: Portal, app: Application) -> set[str]:
    files = portal.store.files(app.id)
    return {field for field, kind in form.FILE_KINDS.items() if kind in files}


def _step2(
    request: Request, app: Application, plan: Plan, raw: dict[str, Any], errors: dict[str, str]
) -> Response:
    portal = portal_of(request)
    stored = portal.store.files(app.id)
    files = {field: stored[kind] for field, kind in form.FILE_KINDS.items() if kind in stored}
    drawn = arrange(form.FIELDS, portal.moves)  # the drift variant draws a field elsewhere
    sections = [(s, _TITLES[s], [f for f in drawn if f.section == s]) for s in form.SECTIONS]
    layouts = {s: form.layout(s, portal.variant, plan) for s in form.SECTIONS}
    return _page(
        request,
        "step2.html",
        app,
        plan,
        2,
        raw=raw,
        errors=errors,
        files=files,
        sections=sections,
        layouts=layouts,
        conditions=plan.conditions,
        certificates=portal.store.certificates(app.account_id),
    )


def _fixed_raw(plan: Plan, account: Account) -> dict[str, Any]:
    fixed = form.fixed_values(plan, account)
    fixed["sex"] = form.value_of(form.SEXES, account.sex)
    fixed["id_type"] = form.value_of(form.ID_TYPES, account.id_type)
    return fixed


@router.get("/user/app/{app_id}/step2", response_class=HTMLResponse)
async def step2(request: Request, app_id: int) -> Response:
    got = _editable(request, app_id)
    if isinstance(got, Response):
        return got
    account, app, plan = got
    if portal_of(request).store.file(app.id, "photo") is None:
        return _step1(request, app, plan, errors={"photo": "请先上传证件照"})
    raw = {**form.raw_from_data(app.data, account), **_fixed_raw(plan, account)}
    return _step2(request, app, plan, raw, {})


@router.post("/user/app/{app_id}/step2", response_class=HTMLResponse)
async def step2_post(request: Request, app_id: int) -> Response:
    got = _editable(request, app_id)
    if isinstance(got, Response):
        return got
    account, app, plan = got
    portal = portal_of(request)
    if portal.store.file(app.id, "photo") is None:
        return _step1(request, app, plan, errors={"photo": "请先上传证件照"})
    col = form.columns(plan, portal.variant)
    raw: dict[str, Any] = {}
    errors: dict[str, str] = {}
    async with request.form(max_part_size=rules.PDF_MAX_BYTES + 1024 * 1024) as posted:
        for key in form.NAMES:
            values = posted.getlist(col[key])
            if key in form.FILE_KINDS:
                upload = values[0] if values else None
                if isinstance(upload, UploadFile) and upload.filename:
                    content = await upload.read()
                    try:
                        pages = rules.check_pdf(upload.filename, content)
                    except rules.RuleError as exc:
                        errors[key] = str(exc)
                    else:
                        kind = form.FILE_KINDS[key]
                        portal.store.put_file(
                            app.id, kind, upload.filename, content, portal.now(), pages=pages
                        )
                continue
            texts = [v for v in values if isinstance(v, str)]
            raw[key] = texts if key in ("subjects", "eligibility") else (texts[0] if texts else "")
    data, problems = form.validate(
        raw,
        plan=plan,
        account=account,
        uploaded=_uploaded(portal, app),
        today=portal.now().date(),
        on_record=frozenset(c["cert_number"] for c in portal.store.certificates(account.id)),
    )
    problems.update(errors)
    if problems:
        return _step2(request, app, plan, {**raw, **_fixed_raw(plan, account)}, problems)
    if data["promotion"] is None:
        portal.store.delete_file(app.id, "evidence_pdf")
    portal.store.update_application(app.id, portal.now(), data=data, step=max(app.step, 3))
    return RedirectResponse(f"/user/app/{app.id}/step3", status_code=303)


# -- step 3: pledge and signature QR ------------------------------------------------------------
def _token_state(portal: Portal, token: dict[str, Any] | None) -> str:
    if token is None:
        return "none"
    if token["signed_at"]:
        return "signed"
    if portal.now() > datetime.fromisoformat(token["expires_at"]):
        return "expired"
    return "pending"


def new_sign_token(portal: Portal, app: Application) -> str:
    now = portal.now()
    return portal.store.new_signature_token(app.id, now, now + timedelta(seconds=portal.sign_ttl_seconds))


def _step3(request: Request, app: Application, plan: Plan, **context: Any) -> Response:
    portal = portal_of(request)
    signed = portal.store.file(app.id, "signature")
    token = portal.store.latest_signature_token(app.id)
    if signed is None and token is None:
        new_sign_token(portal, app)
        token = portal.store.latest_signature_token(app.id)
    expired = _token_state(portal, token) == "expired"
    return _page(request, "step3.html", app, plan, 3, signed=signed, token=token, expired=expired, **context)


def _data_ready(app: Application) -> bool:
    return bool(app.data) and app.step >= 3


@router.get("/user/app/{app_id}/step3", response_class=HTMLResponse)
async def step3(request: Request, app_id: int) -> Response:
    got = _editable(request, app_id)
    if isinstance(got, Response):
        return got
    _, app, plan = got
    if not _data_ready(app):
        return RedirectResponse(f"/user/app/{app.id}/step2", status_code=303)
    return _step3(request, app, plan)


@router.post("/user/app/{app_id}/step3/refresh")
async def step3_refresh(request: Request, app_id: int) -> Response:
    got = _editable(request, app_id)
    if isinstance(got, Response):
        return got
    _, app, _ = got
    if portal_of(request).store.file(app.id, "signature") is None:
        new_sign_token(portal_of(request), app)
    return RedirectResponse(f"/user/app/{app.id}/step3", status_code=303)


@router.get("/user/app/{app_id}/sign/status")
async def sign_status(request: Request, app_id: int) -> Response:
    _, app, _ = own_application(request, app_id)
    portal = portal_of(request)
    if portal.store.file(app.id, "signature") is not None:
        state = "signed"
    else:
        state = _token_state(portal, portal.store.latest_signature_token(app.id))
    return JSONResponse({"status": state}, headers={"Cache-Control": "no-store"})


@router.get("/user/app/{app_id}/sign/{token}.png")
async def sign_qr(request: Request, app_id: int, token: str) -> Response:
    _, app, _ = own_application(request, app_id)
    row = portal_of(request).store.signature_token(token)
    if row is None or row["app_id"] != app.id:
        raise IllegalRequest()
    return qr_png(f"{base_url(request)}/sign/{token}")


def sign(portal: Portal, token: str) -> str:
    """Complete a signature QR (what the phone does). Returns the token's state afterwards."""
    row = portal.store.signature_token(token)
    state = _token_state(portal, row)
    if row is None or state != "pending":
        return state
    app = portal.store.application(int(row["app_id"]))
    if app is None or not app.editable:
        return "none"
    portal.store.mark_signed(token, portal.now())
    png = rules.signature_png(token)
    portal.store.put_file(app.id, "signature", "signature.png", png, portal.now(), width=360, height=140)
    return "signed"


@router.get("/sign/{token}", response_class=HTMLResponse)
async def sign_phone(request: Request, token: str) -> Response:
    """The URL inside the signing QR: a phone opening it signs the pledge (no session needed)."""
    portal = portal_of(request)
    state = sign(portal, token)
    if state == "signed":
        row = portal.store.signature_token(token)
        assert row is not None
        png = portal.store.file(int(row["app_id"]), "signature")
        picture = base64.b64encode(png.content).decode("ascii") if png else ""
        return render(
            request,
            "phone.html",
            title="个人承诺书",
            message="签名成功，请在电脑上继续操作",
            signature=picture,
        )
    message = {"expired": "二维码已过期，请在电脑上刷新二维码", "none": "二维码无效"}.get(state, "二维码无效")
    return render(request, "phone.html", title="个人承诺书", message=message, signature="")


# -- step 4: preview and submit -----------------------------------------------------------------
@router.get("/user/app/{app_id}/step4", response_class=HTMLResponse)
async def step4(request: Request, app_id: int) -> Response:
    got = _editable(request, app_id)
    if isinstance(got, Response):
        return got
    _, app, plan = got
    portal = portal_of(request)
    if not _data_ready(app):
        return RedirectResponse(f"/user/app/{app.id}/step2", status_code=303)
    if portal.store.file(app.id, "signature") is None:
        return _step3(request, app, plan, errors={"sign": "请先扫码完成在线签名"})
    if app.step < 4:
        portal.store.update_application(app.id, portal.now(), step=4)
    return _page(request, "step4.html", app, plan, 4, **preview_context(portal, app, plan))


@router.post("/user/app/{app_id}/step4", response_class=HTMLResponse)
async def step4_post(request: Request, app_id: int) -> Response:
    got = _editable(request, app_id)
    if isinstance(got, Response):
        return got
    _, app, plan = got
    portal = portal_of(request)
    files = portal.store.files(app.id)
    if "photo" not in files:
        return _step1(request, app, plan, errors={"photo": "请先上传证件照"})
    if not _data_ready(app) or "materials_pdf" not in files:
        return RedirectResponse(f"/user/app/{app.id}/step2", status_code=303)
    if "signature" not in files:
        return _step3(request, app, plan, errors={"sign": "请先扫码完成在线签名"})
    if app.state != RETURNED and plan.window_state(portal.now()) != "open":
        return _page(
            request,
            "step4.html",
            app,
            plan,
            4,
            errors={"window": "不在报名时间内"},
            **preview_context(portal, app, plan),
        )
    portal.store.update_application(app.id, portal.now(), state=PENDING, reason="", submitted=True)
    return RedirectResponse(f"/user/app/{app.id}?notice=submitted", status_code=303)


__all__ = ["router", "sign", "new_sign_token"]
