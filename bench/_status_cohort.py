"""A cohort whose candidates have accounts, applications and saved sessions on a mock portal.

Used by the status tests and ``bench/bench_status_run.py``. Accounts come from the QA API; each
candidate logs in once with the password form (plain HTTP: the fastest honest way to a real session
cookie), opens 马上报名 for the plan (a draft application) and the QA API moves it to the wanted
state. The session cookie is saved where ``portal-bot register`` keeps it (``portal_bot.cohortrun.sessions``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from portal_bot.cohortrun.sessions import session_file
from portal_bot.fileio import atomic_write_text
from portal_bot.ledger import Ledger
from portal_bot.mock_portal.rules import id_check_digit
from portal_bot.mock_portal.server import RunningPortal
from portal_bot.settings import Settings

PLAN_ID = 911
PLAN_CODE = "2024-S-000911"
PASSWORD = "Secret-123"
PLAN_YAML = """plan:
  organization: 浙江省生态与环境修复技术协会
  plan_code: {plan_code}
"""
DEFAULTS_YAML = """defaults:
  education: 大专
  category: 社会人员
  address: 浙江省杭州市西湖区示例路1号
  years_in_occupation: 0
  post: 无
  materials: []
  eligibility: [3]
"""
_SURNAMES = "王李张刘陈杨赵黄周吴"


@dataclass(frozen=True)
class Member:
    key: str  # file stem
    username: str
    name: str
    id_number: str
    phone: str
    app_id: int | None = None


def id_number(i: int) -> str:
    first17 = f"330106{2000 + i % 5}0{1 + i % 9}{10 + i % 18:02d}{i % 1000:03d}"
    return first17 + id_check_digit(first17)


def write_cohort(folder: Path, count: int, *, plan_yaml: str | None = None) -> list[Member]:
    """``folder/cohort.yaml`` (the guide's plan unless ``plan_yaml`` gives another ``plan:`` block)
    and ``count`` candidate files; returns who they are."""
    folder.mkdir(parents=True, exist_ok=True)
    plan = plan_yaml if plan_yaml is not None else PLAN_YAML.format(plan_code=PLAN_CODE)
    (folder / "cohort.yaml").write_text(plan + DEFAULTS_YAML, encoding="utf-8")
    members = []
    for i in range(count):
        m = Member(
            key=f"{i + 1:03d}",
            username=f"cand{i + 1:03d}",
            name=_SURNAMES[i % len(_SURNAMES)] + "测试" + "一二三四五六七八九十"[i % 10],
            id_number=id_number(i + 1),
            phone=f"138{i + 1:08d}",
        )
        (folder / f"{m.key}.yaml").write_text(
            f"name: {m.name}\nid_number: '{m.id_number}'\nphone: '{m.phone}'\n", encoding="utf-8"
        )
        members.append(m)
    return members


def login_cookie(
    portal: RunningPortal, username: str, *, apply_plan: int | None = PLAN_ID
) -> tuple[str, int | None]:
    """Log ``username`` in with the password form; optionally open 马上报名. Returns the session
    cookie and the application id (None when not applied)."""
    with httpx.Client(base_url=portal.url, follow_redirects=True, timeout=60) as c:
        c.get("/sso/login")
        r = c.post("/sso/login", data={"loginname": username, "loginpwd": PASSWORD})
        r.raise_for_status()
        cookie = c.cookies.get("JSESSIONID")
        assert cookie, f"no session for {username}"
        app_id = None
        if apply_plan is not None:
            r = c.get(f"/pj/plan/{apply_plan}/apply")
            r.raise_for_status()
            app_id = int(str(r.url).split("/user/app/")[1].split("/")[0])
    return cookie, app_id


def save_session(settings: Settings, portal: RunningPortal, m: Member, cookie: str) -> Path:
    """Write the storage-state file ``portal-bot register`` would have saved for ``m``."""
    host = urlsplit(portal.url).hostname or "127.0.0.1"
    state = {
        "cookies": [
            {
                "name": "JSESSIONID",
                "value": cookie,
                "domain": host,
                "path": "/",
                "expires": -1,
                "httpOnly": True,
                "secure": False,
                "sameSite": "Lax",
            }
        ],
        "origins": [],
    }
    with Ledger.open(settings.ledger_path) as ledger:
        path = session_file(settings, ledger, portal.url, m.id_number)
    atomic_write_text(path, json.dumps(state), private=True)
    return path


def enrol(
    settings: Settings,
    portal: RunningPortal,
    members: Sequence[Member],
    *,
    apply: bool = True,
    session: bool = True,
) -> list[Member]:
    """Accounts (QA API), a login and a draft application each, and saved sessions."""
    settings.ensure_state_dir()
    out = []
    for m in members:
        portal.qa.create_account(
            username=m.username,
            password=PASSWORD,
            name=m.name,
            id_number=m.id_number,
            phone=m.phone,
            info_confirmed=True,
        )
        cookie, app_id = login_cookie(portal, m.username, apply_plan=PLAN_ID if apply else None)
        if session:
            save_session(settings, portal, m, cookie)
        out.append(Member(m.key, m.username, m.name, m.id_number, m.phone, app_id))
    return out
