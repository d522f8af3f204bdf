"""Hand-written minimal async Playwright scripts for the mock portal (variant 0): the yardstick of
``bench/bench_vs_handwritten.py``. No flow engine, no labels: every element is addressed by the
ids, names and CSS classes of the mock portal's pages, as someone would write it after reading them.

    python bench/_handwritten.py register COHORT_DIR PORTAL_URL QA_TOKEN
    python bench/_handwritten.py status SESSIONS_JSON PORTAL_URL [CONCURRENCY]
    python bench/_handwritten.py status-http SESSIONS_JSON PORTAL_URL [CONCURRENCY]

``register`` does what ``portal-bot register --simulate-human --confirm auto --concurrency 1`` does
for each candidate (account through the QA API, QR or password login, 个人基本信息, plan search,
马上报名, photo, step 2 with the prepared PDFs, signature through the QA API, 提交) and prints one
JSON line of per-phase seconds per candidate. Profiles are read with ``portal_bot.profiles`` and the
prepared files taken from ``prepared/manifest.json`` (data only; the browser part is all here).
``status`` reads 我的技能评价报名 for each saved session (one browser, a context per session, images
and fonts not loaded) and prints one JSON object: session file index → list of (plan text, state).
``status-http`` does the same without a browser: Playwright's HTTP client with each saved session,
the rows cut out of the HTML with regular expressions (the floor: it would read nothing on a site
that draws its list with scripts).
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import secrets
import sys
import time
from pathlib import Path
from typing import Any

from portal_bot.browser import async_playwright, find_browser, launch_options
from portal_bot.mock_portal.form import CATEGORIES, CERT_LEVELS, CERT_TYPES, EDUCATION, METHODS, SUBJECTS
from portal_bot.mock_portal.qaclient import QAClient
from portal_bot.prepare.manifest import Manifest
from portal_bot.profiles import validate_cohort

PLAN_CODE = "2024-S-000911"
#: Step 2 (and step 1's photo) field names of plan 2024-S-000911 on variant 0, read off the page.
COL = {
    "subjects": "column19",
    "category": "column36",
    "education": "column29",
    "address": "column97",
    "phone": "column67",
    "employer": "column50",
    "credit_code": "column83",
    "years_in_occupation": "column71",
    "post": "column72",
    "dispatched": "column12",
    "technical_school_student": "column59",
    "promotion": "column61",
    "orig_cert_type": "column63",
    "orig_occupation": "column64",
    "orig_cert_number": "column37",
    "orig_level": "column95",
    "orig_date": "column8",
    "orig_issuer": "column66",
    "orig_evidence": "column18",
    "title_certificate": "column32",
    "application_method": "column9",
    "eligibility": "column80",
    "materials": "column93",
    "no_employer": "column56",
    "photo": "column90",
}

#: The mock page checks its QR status now rather than at its next 1 s tick (portal-bot does the same).
_POLL_NOW = "() => { if (window.portalPollNow) { window.portalPollNow(); } }"


async def _poll_now(page: Any) -> None:
    """Ask the page to check now; its own 1 s poll may already be navigating (as portal-bot, which
    also lets that go: the wait that follows sees the result either way)."""
    try:
        await page.evaluate(_POLL_NOW)
    except Exception:  # noqa: BLE001 - "Execution context was destroyed": the page moved on already
        pass


def _value(options: tuple[tuple[str, str], ...], text: str) -> str:
    return next(v for v, t in options if t == text or t.endswith("/" + text))


async def _xselect(page: Any, name: str, value: str) -> None:
    await page.click(f".x-select[data-name={name}] .x-select-value")
    await page.click(f".x-select[data-name={name}] li[data-value='{value}']")


async def _step2(page: Any, c: Any, prepared: Any) -> None:
    for subject in c.subjects:
        await page.check(f"input[name={COL['subjects']}][value='{_value(SUBJECTS, subject)}']")
    await _xselect(page, COL["category"], _value(CATEGORIES, c.category))
    await _xselect(page, COL["education"], _value(EDUCATION, c.education))
    await page.fill(f"#{COL['address']}", c.address)
    await page.fill(f"#{COL['phone']}", c.phone)
    if c.employer is None:
        await page.check(f"input[name={COL['no_employer']}]")
    else:
        await page.fill(f"#{COL['employer']}", c.employer)
        await page.fill(f"#{COL['credit_code']}", c.credit_code)
    await page.fill(f"#{COL['years_in_occupation']}", str(c.years_in_occupation))
    await page.fill(f"#{COL['post']}", c.post)
    for key in ("dispatched", "technical_school_student"):
        await page.check(f"input[name={COL[key]}][value='{'1' if getattr(c, key) else '0'}']")
    promo = c.promotion
    await page.check(f"input[name={COL['promotion']}][value='{'1' if promo else '0'}']")
    if promo:
        await page.check(
            f"input[name={COL['orig_cert_type']}][value='{_value(CERT_TYPES, promo.certificate_type)}']"
        )
        await page.fill(f"#{COL['orig_occupation']}", promo.occupation)
        await page.fill(f"#{COL['orig_cert_number']}", promo.number)
        await _xselect(page, COL["orig_level"], _value(CERT_LEVELS, promo.level))
        await page.fill(f"#{COL['orig_date']}", promo.issued_on.isoformat())
        await page.fill(f"#{COL['orig_issuer']}", promo.issuer)
        await page.set_input_files(f"input[name={COL['orig_evidence']}]", str(prepared.evidence))
    await page.select_option(f"#{COL['title_certificate']}", "0")
    await page.select_option(f"#{COL['application_method']}", _value(METHODS, c.application_method))
    for n in c.eligibility:
        await page.check(f"input[name={COL['eligibility']}][value='{n}']")
    await page.set_input_files(f"input[name={COL['materials']}]", str(prepared.materials))


async def _one(browser: Any, qa: QAClient, url: str, c: Any, prepared: Any, index: int) -> dict[str, float]:
    phases: dict[str, float] = {}
    mark = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round(now - mark, 3)
        mark = now

    password_login = c.account is not None and c.account.method == "password"
    username = c.account.username if password_login else f"hw-{index:03d}"
    password = secrets.token_urlsafe(12)
    await asyncio.to_thread(
        qa.create_account,
        username=username,
        password=password,
        name=c.name,
        id_type=c.id_type,
        id_number=c.id_number,
        phone=c.phone,
        address=c.address,
    )
    context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = await context.new_page()
    phase("account+context")
    if password_login:
        await page.goto(f"{url}/sso/login")
        await page.fill("input[name=loginname]", username)
        await page.fill("input[name=loginpwd]", password)
        await page.click("form.sso-form button[type=submit]")
    else:
        await page.goto(f"{url}/sso/login?method=qr")
        token = await page.get_attribute("img.qr-img", "data-token")
        await asyncio.to_thread(qa.scan_login, username, token)
        await _poll_now(page)
    await page.wait_for_url("**/user/basic-info**")  # the page's poll redirects (QR)
    phase("login")
    await page.fill("#infoForm tr:has(td.tit:has-text('手机号码')) input", c.phone)
    await page.fill("#infoForm tr:has(td.tit:has-text('通讯地址')) input", c.address)
    async with page.expect_navigation():
        await page.click("#infoForm button[type=submit]")
    phase("basic-info")
    await page.fill("#plan-search input[name=keyword]", PLAN_CODE)
    async with page.expect_navigation():
        await page.click("#plan-search button[type=submit]")
    async with page.expect_navigation():
        await page.click("td.plan-name a")
    async with page.expect_navigation():
        await page.click("a.apply")
    phase("plan+apply")
    await page.set_input_files(f"input[name={COL['photo']}]", str(prepared.photo))
    async with page.expect_navigation():
        await page.click("a[data-submit=photoForm]")
    async with page.expect_navigation():
        await page.click(".actions a.btn-primary")
    phase("step1")
    await _step2(page, c, prepared)
    async with page.expect_navigation():
        await page.click("a[data-submit=applyForm]")
    await page.wait_for_selector(".sign-box")
    phase("step2")
    await asyncio.to_thread(qa.sign, account=username, plan_no=PLAN_CODE)
    await _poll_now(page)
    await page.wait_for_selector(".sign-state.signed")  # the page's poll
    phase("sign")
    async with page.expect_navigation():
        await page.click(".actions a.btn-primary")
    async with page.expect_navigation():
        await page.click("a[data-submit=submitForm]")
    state = await page.text_content("td.state")
    if state != "待审核":
        raise SystemExit(f"{c.name}: the application page shows {state!r} after 提交")
    phase("submit")
    await context.close()
    return phases


async def register(cohort: Path, url: str, token: str) -> None:
    manifest = Manifest.load(cohort / "prepared")
    results = [r for r in validate_cohort(cohort) if r.candidate is not None]
    choice = find_browser()
    assert choice is not None, "no Chromium"
    with QAClient(url, token) as qa:
        async with async_playwright() as p:
            browser = await p.chromium.launch(**launch_options(choice))
            for i, r in enumerate(results):
                prepared = manifest.entry_for(r.file)
                assert prepared is not None, f"{r.file.name} is not prepared"
                phases = await _one(browser, qa, url, r.candidate, prepared, i + 1)
                print(json.dumps({"file": r.file.name, **phases}), flush=True)
            await browser.close()


async def status(sessions: list[str], url: str, concurrency: int) -> None:
    choice = find_browser()
    assert choice is not None, "no Chromium"
    found: dict[int, list[list[str]]] = {}
    slots = asyncio.Semaphore(concurrency)

    async def skip(route: Any) -> None:
        await route.abort()

    async def read(browser: Any, i: int, path: str) -> None:
        async with slots:
            context = await browser.new_context(storage_state=path, locale="zh-CN")
            await context.route("**/*.{png,jpg,jpeg,gif,woff,woff2,ttf}", skip)
            page = await context.new_page()
            await page.goto(f"{url}/user/applications")
            found[i] = await page.eval_on_selector_all(
                "table.apps tr[data-app]",
                "rows => rows.map(r => [r.cells[1].innerText, r.querySelector('td.state').innerText])",
            )
            await context.close()

    async with async_playwright() as p:
        browser = await p.chromium.launch(**launch_options(choice))
        await asyncio.gather(*(read(browser, i, s) for i, s in enumerate(sessions)))
        await browser.close()
    print(json.dumps(found, ensure_ascii=False))


_ROW_RE = re.compile(r"<tr data-app=[^>]*>(.*?)</tr>", re.S)
_CELL_RE = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
_TAG_RE = re.compile(r"<[^>]+>")


def _cells(row: str) -> list[str]:
    return [html.unescape(_TAG_RE.sub("", c)).strip() for c in _CELL_RE.findall(row)]


async def status_http(sessions: list[str], url: str, concurrency: int) -> None:
    found: dict[int, list[list[str]]] = {}
    slots = asyncio.Semaphore(concurrency)

    async def read(p: Any, i: int, path: str) -> None:
        async with slots:
            request = await p.request.new_context(storage_state=path)
            response = await request.get(f"{url}/user/applications")
            rows = [_cells(r) for r in _ROW_RE.findall(await response.text())]
            found[i] = [[cells[1], cells[5]] for cells in rows]
            await request.dispose()

    async with async_playwright() as p:
        await asyncio.gather(*(read(p, i, s) for i, s in enumerate(sessions)))
    print(json.dumps(found, ensure_ascii=False))


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "register":
        asyncio.run(register(Path(sys.argv[2]), sys.argv[3], sys.argv[4]))
    elif what in ("status", "status-http"):
        files = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
        reader = status if what == "status" else status_http
        asyncio.run(reader(files, sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 4))
    else:
        raise SystemExit(f"unknown command {what!r}: register, status or status-http")
