"""The QA API under ``/__qa/``: a JSON backdoor for tests, the demo and QA engineers.

Every call needs the ``X-QA-Token`` header (the token the replica was started with) and is refused
when it carries the portal's session cookie, so a page's own cookie-based user can never reach it
from a browser. It creates accounts, reads every submitted value, moves applications between
states, "scans" QR codes, injects faults and moves the clock. It never serves HTML.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from portal_bot.mock_portal import rules
from portal_bot.mock_portal.app import SESSION_COOKIE, Portal, portal_of
from portal_bot.mock_portal.db import STATES, Account, Application
from portal_bot.mock_portal.form import CERT_LEVELS, CERT_TYPES, ID_TYPES, SEXES
from portal_bot.mock_portal.qaclient import QA_HEADER
from portal_bot.mock_portal.states import PaymentError, TransitionError, change_state, complete_payment


def _guard(request: Request) -> Portal:
    portal = portal_of(request)
    if SESSION_COOKIE in request.cookies:
        raise HTTPException(403, "the QA API is not for portal sessions")
    given = request.headers.get(QA_HEADER, "")
    if not secrets.compare_digest(given.encode("utf-8"), portal.qa_token.encode("utf-8")):
        raise HTTPException(403, f"missing or wrong {QA_HEADER} header")
    return portal


router = APIRouter(prefix="/__qa", dependencies=[Depends(_guard)])


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


#: Ids are SQLite integers; anything larger is refused with 422 before it reaches the store.
AppId = Annotated[int, Path(ge=1, le=2**53)]
#: About 300 years: enough to move any plan's window, small enough for a datetime.
MAX_CLOCK_SECONDS = 1e10


class Certificate(_Model):
    """A certificate the site holds on record for the account (系统提取的证书)."""

    cert_type: str = Field(default="技能等级认定证书", max_length=20)
    occupation: str = Field(min_length=1, max_length=100)
    cert_number: str = Field(min_length=1, max_length=64)
    level: str = Field(default="五级/初级工", max_length=20)
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    issuer: str = Field(default="", max_length=100)


class NewAccount(_Model):
    username: str = Field(min_length=1)
    password: str = Field(min_length=1)
    name: str = Field(min_length=1)
    id_type: str = "身份证"
    id_number: str
    phone: str
    sex: str | None = None
    birth_date: str | None = None
    address: str = ""
    email: str = ""
    id_photo: bool = False
    """The site auto-collected the ID-card photo (step 1 starts with a photo)."""
    info_confirmed: bool = False
    """个人基本信息 already confirmed (skips that page after login)."""
    certificates: list[Certificate] = Field(default_factory=list, max_length=20)
    """Certificates on record (系统提取的证书): 原证书佐证材料 is not asked for them."""


class StateChange(_Model):
    state: str
    reason: str = Field(default="", max_length=500)
    step: bool = False
    """Only one site transition; by default a state reachable through several is walked to, each
    transition recorded in the history."""


class LoginScan(_Model):
    account: str
    token: str | None = None


class SignScan(_Model):
    application_id: int | None = None
    account: str | None = None
    plan_no: str | None = None


class FaultSettings(_Model):
    latency_ms: int | None = Field(default=None, ge=0)
    error_rate: float | None = Field(default=None, ge=0, le=1)
    seed: int | None = None
    upload_latency_ms: int | None = Field(default=None, ge=0)


class Expire(_Model):
    account: str | None = None


class ClockSettings(_Model):
    now: datetime | None = None
    advance_seconds: float | None = Field(default=None, ge=-MAX_CLOCK_SECONDS, le=MAX_CLOCK_SECONDS)
    frozen: bool = False
    real: bool = False


class Config(_Model):
    sign_ttl_seconds: int | None = Field(default=None, ge=1)
    login_qr_ttl_seconds: int | None = Field(default=None, ge=1)
    variant: int | None = Field(default=None, ge=0)
    session_idle_seconds: int | None = Field(default=None, ge=0)
    """0 turns the idle timeout off again."""
    lists_by_script: bool | None = None
    """True: 我的技能评价报名 draws its list with a script (as a single-page site would)."""


def _account_json(a: Account) -> dict[str, Any]:
    return {
        "id": a.id,
        "username": a.username,
        "name": a.name,
        "id_type": a.id_type,
        "id_number": a.id_number,
        "sex": a.sex,
        "birth_date": a.birth_date,
        "phone": a.phone,
        "address": a.address,
        "info_confirmed": a.info_confirmed,
    }


def application_json(portal: Portal, app: Application) -> dict[str, Any]:
    plan = portal.plan(app.plan_id)
    account = portal.store.account(app.account_id)
    files = portal.store.files(app.id)
    photo = files.get("photo")
    pdfs = {
        kind.removesuffix("_pdf"): {
            "filename": f.filename,
            "pages": f.pages,
            "bytes": f.size,
            "sha256": f.sha256,
        }
        for kind, f in files.items()
        if kind.endswith("_pdf")
    }
    return {
        "id": app.id,
        "account": account.username if account else None,
        "plan_id": app.plan_id,
        "plan_no": plan.plan_no if plan else None,
        "plan_name": plan.name if plan else None,
        "state": app.state,
        "reason": app.reason,
        "step": app.step,
        "created_at": app.created_at,
        "submitted_at": app.submitted_at,
        "values": app.data,
        "photo": None
        if photo is None
        else {
            "filename": photo.filename,
            "width": photo.width,
            "height": photo.height,
            "bytes": photo.size,
            "sha256": photo.sha256,
        },
        "pdfs": pdfs,
        "signed": "signature" in files,
        "payment": portal.store.payment(app.id),
        "history": portal.store.history(app.id),
    }


def _account_named(portal: Portal, username: str) -> Account:
    account = portal.store.account_by_username(username)
    if account is None:
        raise HTTPException(404, f"no account {username!r}")
    return account


@router.get("/health")
def health(request: Request) -> dict[str, Any]:
    portal = portal_of(request)
    return {"ok": True, "variant": portal.variant, "now": portal.now().isoformat(timespec="seconds")}


@router.post("/reset")
def reset(request: Request) -> dict[str, Any]:
    portal_of(request).reset()
    return {"ok": True}


@router.post("/accounts", status_code=201)
def create_account(request: Request, body: NewAccount) -> dict[str, Any]:
    portal = portal_of(request)
    if body.id_type not in dict(ID_TYPES).values():
        raise HTTPException(422, f"id_type must be one of {[t for _, t in ID_TYPES]}")
    sex, birth = body.sex, body.birth_date
    try:
        rules.check_phone(body.phone)
        if body.id_type == "身份证":
            born, sex_from_id = rules.check_id_number(body.id_number)
            sex, birth = sex or sex_from_id, birth or born.isoformat()
    except rules.RuleError as exc:
        raise HTTPException(422, str(exc)) from exc
    if sex not in dict(SEXES).values() or not birth:
        raise HTTPException(422, "sex (男/女) and birth_date are required for this id_type")
    if portal.store.account_by_username(body.username) is not None:
        raise HTTPException(409, f"account {body.username!r} exists")
    account = portal.store.create_account(
        username=body.username,
        password=body.password,
        now=portal.now(),
        name=body.name,
        id_type=body.id_type,
        id_number=body.id_number.upper(),
        sex=sex,
        birth_date=birth,
        phone=body.phone,
        address=body.address,
        email=body.email,
        id_photo=body.id_photo,
    )
    for cert in body.certificates:
        if cert.cert_type not in dict(CERT_TYPES).values() or cert.level not in dict(CERT_LEVELS).values():
            raise HTTPException(
                422,
                f"certificates: cert_type one of {[t for _, t in CERT_TYPES]}, "
                f"level one of {[t for _, t in CERT_LEVELS]}",
            )
        portal.store.add_certificate(account.id, cert.model_dump())
    if body.info_confirmed:
        portal.store.confirm_info(account.id, phone=body.phone, address=body.address, email=body.email)
        account = portal.store.account(account.id) or account
    return _account_json(account)


@router.get("/accounts")
def accounts(request: Request) -> list[dict[str, Any]]:
    return [_account_json(a) for a in portal_of(request).store.accounts()]


@router.get("/applications")
def applications(request: Request, account: str | None = None) -> list[dict[str, Any]]:
    portal = portal_of(request)
    owner = _account_named(portal, account).id if account else None
    return [application_json(portal, a) for a in portal.store.applications(owner)]


@router.get("/applications/{app_id}")
def application(request: Request, app_id: AppId) -> dict[str, Any]:
    portal = portal_of(request)
    app = portal.store.application(app_id)
    if app is None:
        raise HTTPException(404, f"no application {app_id}")
    return application_json(portal, app)


@router.post("/applications/{app_id}/state")
def set_state(request: Request, app_id: AppId, body: StateChange) -> dict[str, Any]:
    """Move an application as the site's reviewers (or the candidate) would; 409 with the states
    allowed next when the site could not get there."""
    portal = portal_of(request)
    if body.state not in STATES:
        raise HTTPException(422, f"state must be one of {list(STATES)}")
    if body.state in ("驳回修改", "审核不通过") and not body.reason:
        raise HTTPException(422, f"{body.state} needs a reason")
    app = portal.store.application(app_id)
    if app is None:
        raise HTTPException(404, f"no application {app_id}")
    try:
        change_state(portal, app, body.state, body.reason, single_step=body.step)
    except TransitionError as exc:
        raise HTTPException(409, {"message": str(exc), "allowed": list(exc.allowed)}) from exc
    updated = portal.store.application(app.id)
    assert updated is not None
    return application_json(portal, updated)


@router.post("/applications/{app_id}/payment/complete")
def payment_complete(request: Request, app_id: AppId) -> dict[str, Any]:
    """The payment service confirms the order the candidate opened on the 缴费 page: 待缴费 → 已缴费."""
    portal = portal_of(request)
    app = portal.store.application(app_id)
    if app is None:
        raise HTTPException(404, f"no application {app_id}")
    try:
        complete_payment(portal, app)
    except PaymentError as exc:
        raise HTTPException(409, str(exc)) from exc
    updated = portal.store.application(app.id)
    assert updated is not None
    return application_json(portal, updated)


@router.get("/login-qr")
def login_qrs(request: Request) -> list[dict[str, Any]]:
    return [
        {"token": r["token"], "created_at": r["created_at"]}
        for r in portal_of(request).store.pending_login_qrs()
    ]


@router.post("/login-qr/scan")
def scan_login_qr(request: Request, body: LoginScan) -> dict[str, Any]:
    """The account's phone scans a login QR: the given one, else the newest pending one."""
    from portal_bot.mock_portal.pages_public import scan_login

    portal = portal_of(request)
    account = _account_named(portal, body.account)
    tokens = [body.token] if body.token else [r["token"] for r in portal.store.pending_login_qrs()]
    for token in tokens:
        if scan_login(request, token, account.id):
            return {"ok": True, "token": token}
    raise HTTPException(409, "no pending login QR code to scan")


@router.post("/sign/scan")
def scan_signature(request: Request, body: SignScan) -> dict[str, Any]:
    """The candidate's phone scans the application's current signing QR."""
    from portal_bot.mock_portal.wizard import sign

    portal = portal_of(request)
    app: Application | None = None
    if body.application_id is not None:
        app = portal.store.application(body.application_id)
    elif body.account:
        owner = _account_named(portal, body.account)
        candidates = portal.store.applications(owner.id)
        if body.plan_no:
            candidates = [
                a for a in candidates if (p := portal.plan(a.plan_id)) and p.plan_no == body.plan_no
            ]
        candidates = [a for a in candidates if a.editable]
        app = candidates[-1] if len(candidates) >= 1 else None
    if app is None:
        raise HTTPException(404, "no such application waiting for a signature")
    token = portal.store.latest_signature_token(app.id)
    if token is None:
        raise HTTPException(409, "no signing QR code shown for this application yet")
    state = sign(portal, str(token["token"]))
    if state != "signed":
        raise HTTPException(409, f"signing QR code is {state}")
    return {"ok": True, "application_id": app.id}


@router.get("/faults")
def faults(request: Request) -> dict[str, Any]:
    return portal_of(request).faults.as_dict()


@router.post("/faults")
def set_faults(request: Request, body: FaultSettings) -> dict[str, Any]:
    portal = portal_of(request)
    portal.faults.configure(**body.model_dump(exclude_none=True))
    return portal.faults.as_dict()


@router.delete("/faults")
def clear_faults(request: Request) -> dict[str, Any]:
    portal = portal_of(request)
    portal.faults.clear()
    return portal.faults.as_dict()


@router.post("/sessions/expire")
def expire_sessions(request: Request, body: Expire) -> dict[str, Any]:
    portal = portal_of(request)
    owner = _account_named(portal, body.account).id if body.account else None
    return {"expired": portal.store.expire_sessions(owner)}


@router.get("/clock")
def clock(request: Request) -> dict[str, Any]:
    portal = portal_of(request)
    return {"now": portal.now().isoformat(timespec="seconds"), "real": portal.clock.is_real}


@router.post("/clock")
def set_clock(request: Request, body: ClockSettings) -> dict[str, Any]:
    portal = portal_of(request)
    if body.real:
        portal.clock.reset()
    if body.now is not None:
        portal.clock.set(body.now, frozen=body.frozen)
    if body.advance_seconds is not None:
        portal.clock.advance(body.advance_seconds)
    return clock(request)


@router.post("/config")
def config(request: Request, body: Config) -> dict[str, Any]:
    portal = portal_of(request)
    if body.sign_ttl_seconds is not None:
        portal.sign_ttl_seconds = body.sign_ttl_seconds
    if body.login_qr_ttl_seconds is not None:
        portal.login_qr_ttl_seconds = body.login_qr_ttl_seconds
    if body.variant is not None:
        portal.variant = body.variant
    if body.session_idle_seconds is not None:
        portal.session_idle_seconds = body.session_idle_seconds or None
    if body.lists_by_script is not None:
        portal.lists_by_script = body.lists_by_script
    return {
        "lists_by_script": portal.lists_by_script,
        "sign_ttl_seconds": portal.sign_ttl_seconds,
        "login_qr_ttl_seconds": portal.login_qr_ttl_seconds,
        "variant": portal.variant,
        "session_idle_seconds": portal.session_idle_seconds,
    }


@router.get("/plans")
def plans(request: Request) -> list[dict[str, Any]]:
    portal = portal_of(request)
    now = portal.now()
    return [
        {
            "id": p.id,
            "plan_no": p.plan_no,
            "name": p.name,
            "org": p.org,
            "occupation": p.occupation,
            "work_type": p.work_type,
            "code": p.code,
            "level": p.level,
            "plan_type": p.plan_type,
            "city": p.city,
            "district": p.district,
            "start": p.start.isoformat(timespec="seconds"),
            "end": p.end.isoformat(timespec="seconds"),
            "exam": p.exam.isoformat(),
            "window": p.window_state(now),
        }
        for p in portal.plans()
    ]
