"""Test inputs for the mock portal: photos, PDFs, ID numbers, a logged-in client, a valid step-2 form."""

from __future__ import annotations

import io
import random
from typing import Any

import httpx
from PIL import Image
from pypdf import PdfWriter

from portal_bot.mock_portal import form
from portal_bot.mock_portal.rules import credit_check_char, id_check_digit
from portal_bot.mock_portal.seed import Plan
from portal_bot.mock_portal.server import RunningPortal

GUIDE_PLAN = 911
OTHER_MONTH_PLAN = 937
CLOSED_PLAN = 940
NOT_OPEN_PLAN = 955
PASSWORD = "Secret-123"

#: Clients opened by ``client``/``login``; conftest closes them after every test.
OPEN_CLIENTS: list[httpx.Client] = []


def client(portal: RunningPortal) -> httpx.Client:
    """A browser-like client (follows redirects, keeps cookies), closed after the test."""
    opened = httpx.Client(base_url=portal.url, follow_redirects=True, timeout=30)
    OPEN_CLIENTS.append(opened)
    return opened


def id_number(birth: str = "20030514", seq: str = "123", area: str = "330106") -> str:
    first17 = area + birth + seq
    return first17 + id_check_digit(first17)


def credit_code(body: str = "91330106MA2B3C4D5") -> str:
    return body + credit_check_char(body)


def photo(
    width: int = 330, height: int = 440, *, fmt: str = "JPEG", noise: float = 0.3, seed: int = 1
) -> bytes:
    """A photo of the given size; noise keeps a JPEG above 30 KB."""
    random.seed(seed)
    base = Image.new("RGB", (width, height), "white")
    grain = Image.effect_noise((width, height), 60).convert("RGB")
    out = io.BytesIO()
    Image.blend(base, grain, noise).save(out, format=fmt, quality=90)
    return out.getvalue()


def pdf(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_account(portal: RunningPortal, username: str = "zhangsan", **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "username": username,
        "password": PASSWORD,
        "name": "张三",
        "id_number": id_number(),
        "phone": "13800138000",
        "address": "浙江省杭州市西湖区文三路1号",
    }
    fields.update(extra)
    return portal.qa.create_account(**fields)


def login(portal: RunningPortal, username: str = "zhangsan", password: str = PASSWORD) -> httpx.Client:
    """A client with a session, logged in through the SSO password form."""
    browser = client(portal)
    page = browser.get("/sso/login", params={"service": f"{portal.url}/sso/callback"})
    assert page.status_code == 200
    answer = browser.post(
        "/sso/login",
        data={"loginname": username, "loginpwd": password, "service": f"{portal.url}/sso/callback"},
    )
    assert answer.status_code == 200, answer.text
    assert "JSESSIONID" in browser.cookies
    return browser


def plan(portal: RunningPortal, plan_id: int) -> Plan:
    found = portal.portal.plan(plan_id)
    assert found is not None
    return found


def confirm_info(client: httpx.Client) -> None:
    """Submit 个人基本信息 unchanged (finding the columns by their labels in the page)."""
    page = client.get("/user/basic-info").text
    names = {}
    for label in ("手机号码", "通讯地址", "电子邮箱"):
        start = page.index(label)
        cut = page.index('name="', start) + len('name="')
        names[label] = page[cut : page.index('"', cut)]
    answer = client.post(
        "/user/basic-info",
        data={
            names["手机号码"]: "13800138000",
            names["通讯地址"]: "浙江省杭州市西湖区文三路1号",
            names["电子邮箱"]: "",
        },
    )
    assert answer.status_code == 200
    assert "技能评价报名计划" in answer.text


def start_application(client: httpx.Client, plan_id: int = GUIDE_PLAN) -> int:
    """马上报名 → the wizard; returns the application id."""
    answer = client.get(f"/pj/plan/{plan_id}/apply")
    assert answer.status_code == 200, answer.text
    path = answer.url.path
    assert path.startswith("/user/app/"), path
    return int(path.split("/")[3])


def upload_photo(
    client: httpx.Client,
    portal: RunningPortal,
    app_id: int,
    plan_id: int,
    content: bytes,
    name: str = "photo.jpg",
) -> httpx.Response:
    col = form.columns(plan(portal, plan_id), portal.portal.variant)
    return client.post(f"/user/app/{app_id}/step1", files={col["photo"]: (name, content, "image/jpeg")})


def step2_values(**overrides: Any) -> dict[str, Any]:
    """A valid 社会人员 application (semantic keys → posted raw values)."""
    values: dict[str, Any] = {
        "subjects": ["1", "2"],
        "category": "1",
        "education": "21",
        "address": "浙江省杭州市西湖区文三路1号",
        "phone": "13800138000",
        "employer": "杭州绿色低碳科技有限公司",
        "credit_code": credit_code(),
        "years_in_occupation": "6",
        "post": "碳排放核算",
        "dispatched": "0",
        "technical_school_student": "0",
        "promotion": "0",
        "title_certificate": "0",
        "application_method": "1",
        "eligibility": ["1"],
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def post_step2(
    client: httpx.Client,
    portal: RunningPortal,
    app_id: int,
    plan_id: int,
    values: dict[str, Any],
    files: dict[str, tuple[str, bytes]] | None = None,
) -> httpx.Response:
    col = form.columns(plan(portal, plan_id), portal.portal.variant)
    data = {col[k]: v for k, v in values.items()}
    uploads = {col[k]: (name, content, "application/pdf") for k, (name, content) in (files or {}).items()}
    return client.post(f"/user/app/{app_id}/step2", data=data, files=uploads or None)


def submitted_application(
    portal: RunningPortal, username: str = "zhangsan", plan_id: int = GUIDE_PLAN
) -> tuple[httpx.Client, int]:
    """An account that walked the whole wizard and submitted (state 待审核)."""
    make_account(portal, username, info_confirmed=True)
    browser = login(portal, username)
    app_id = start_application(browser, plan_id)
    assert "照片上传成功" in upload_photo(browser, portal, app_id, plan_id, photo()).text
    answer = post_step2(browser, portal, app_id, plan_id, step2_values(), {"materials": ("材料.pdf", pdf(3))})
    assert answer.url.path.endswith("/step3"), answer.text
    portal.qa.sign(application_id=app_id)
    assert browser.get(f"/user/app/{app_id}/step4").status_code == 200
    done = browser.post(f"/user/app/{app_id}/step4")
    assert "待审核" in done.text
    return browser, app_id


def portrait() -> bytes:
    """A real face (fixtures/images/astronaut.png) cut to a compliant 3:4 ID photo."""
    from pathlib import Path

    source = Image.open(Path(__file__).resolve().parents[2] / "fixtures" / "images" / "astronaut.png")
    face = source.convert("RGB").crop((96, 0, 480, 512)).resize((384, 512))
    out = io.BytesIO()
    face.save(out, format="JPEG", quality=95)
    return out.getvalue()


def get(url: str, **kwargs: Any) -> httpx.Response:
    """A one-off GET (a phone opening a QR, a forged cookie), patient on a busy CI machine."""
    return httpx.get(url, timeout=30, **kwargs)
