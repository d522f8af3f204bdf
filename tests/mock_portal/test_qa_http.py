"""The QA API: its guard, faults, session expiry, clock, reset; persistence and variants of a replica."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from portal_bot.mock_portal import form
from portal_bot.mock_portal.clock import CST, Clock
from portal_bot.mock_portal.server import RunningPortal, serve_in_thread
from tests.mock_portal import helpers as h


def test_qa_api_needs_its_token_and_refuses_portal_sessions(mock_portal: RunningPortal) -> None:
    assert h.get(f"{mock_portal.url}/__qa/applications").status_code == 403
    wrong = h.get(f"{mock_portal.url}/__qa/applications", headers={"X-QA-Token": "guess"})
    assert wrong.status_code == 403
    h.make_account(mock_portal, info_confirmed=True)
    browser = h.login(mock_portal)
    token = mock_portal.portal.qa_token
    with_cookie = browser.get("/__qa/applications", headers={"X-QA-Token": token})
    assert with_cookie.status_code == 403 and "张三" not in with_cookie.text
    assert mock_portal.qa.get("/health").json()["ok"] is True


def test_account_creation_is_validated(mock_portal: RunningPortal) -> None:
    bad = mock_portal.qa.post(
        "/accounts",
        json={
            "username": "a",
            "password": "p",
            "name": "甲",
            "id_number": "110105194912310021",
            "phone": "13800138000",
        },
    )
    assert bad.status_code == 422 and "校验位不正确" in bad.text
    phone = mock_portal.qa.post(
        "/accounts",
        json={"username": "a", "password": "p", "name": "甲", "id_number": h.id_number(), "phone": "123"},
    )
    assert phone.status_code == 422 and "手机号码格式不正确" in phone.text
    extra = mock_portal.qa.post(
        "/accounts",
        json={
            "username": "a",
            "password": "p",
            "name": "甲",
            "id_number": h.id_number(),
            "phone": "13800138000",
            "pw": "x",
        },
    )
    assert extra.status_code == 422
    h.make_account(mock_portal, "a")
    assert (
        mock_portal.qa.post(
            "/accounts",
            json={
                "username": "a",
                "password": "p",
                "name": "甲",
                "id_number": h.id_number(),
                "phone": "13800138000",
            },
        ).status_code
        == 409
    )
    passport = h.make_account(
        mock_portal, "b", id_type="护照", id_number="E12345678", sex="女", birth_date="1995-01-02"
    )
    assert passport["sex"] == "女" and passport["birth_date"] == "1995-01-02"


def test_error_rate_is_deterministic_for_a_seed_and_spares_the_qa_api(mock_portal: RunningPortal) -> None:
    browser = h.client(mock_portal)

    def pattern() -> list[int]:
        mock_portal.qa.set_faults(error_rate=0.5, seed=7)
        return [browser.get("/pj/plans").status_code for _ in range(20)]

    first, second = pattern(), pattern()
    assert first == second
    assert set(first) == {200, 503} and 4 <= first.count(503) <= 16
    failed = next(r for r in (browser.get("/") for _ in range(20)) if r.status_code == 503)
    assert "系统繁忙" in failed.text
    assert mock_portal.qa.get("/health").status_code == 200
    mock_portal.qa.clear_faults()
    assert all(browser.get("/").status_code == 200 for _ in range(10))


def test_latency_and_slow_uploads(mock_portal: RunningPortal) -> None:
    browser = h.client(mock_portal)

    def timed(method: str, path: str, **kwargs: Any) -> float:
        started = time.monotonic()
        browser.request(method, path, **kwargs)
        return time.monotonic() - started

    mock_portal.qa.set_faults(latency_ms=300)
    assert timed("GET", "/") >= 0.3
    mock_portal.qa.set_faults(latency_ms=0, upload_latency_ms=400)
    page = timed("GET", "/")
    upload = timed("POST", "/user/app/1/step1", files={"f": ("a.jpg", b"x", "image/jpeg")})
    assert upload >= 0.4 and upload > page, "only uploads are slowed down"


def test_forced_session_expiry_answers_illegal_request(mock_portal: RunningPortal) -> None:
    h.make_account(mock_portal, info_confirmed=True)
    browser = h.login(mock_portal)
    assert browser.get("/user/applications").status_code == 200
    assert mock_portal.qa.expire_sessions("zhangsan") == 1
    gone = browser.get("/user/applications")
    assert gone.status_code == 404 and gone.text == "非法请求 404！"


def test_idle_sessions_expire_when_configured(mock_portal: RunningPortal) -> None:
    h.make_account(mock_portal, info_confirmed=True)
    browser = h.login(mock_portal)
    mock_portal.qa.configure(session_idle_seconds=600)
    mock_portal.qa.set_clock(advance_seconds=590)
    assert browser.get("/user/applications").status_code == 200, "each request keeps the session alive"
    mock_portal.qa.set_clock(advance_seconds=590)
    assert browser.get("/user/applications").status_code == 200
    mock_portal.qa.set_clock(advance_seconds=601)
    gone = browser.get("/user/applications")
    assert gone.status_code == 404 and gone.text == "非法请求 404！"


def test_reset_forgets_everything_and_restores_the_clock(mock_portal: RunningPortal) -> None:
    h.submitted_application(mock_portal)
    mock_portal.qa.set_clock(advance_seconds=86400 * 400)
    mock_portal.qa.set_faults(latency_ms=5)
    mock_portal.qa.reset()
    assert mock_portal.qa.applications() == []
    assert mock_portal.qa.get("/accounts").json() == []
    assert mock_portal.qa.get("/clock").json()["real"] is True
    assert mock_portal.qa.get("/faults").json()["latency_ms"] == 0


def test_setting_the_clock_right_after_a_reset_moves_now_not_the_windows(mock_portal: RunningPortal) -> None:
    guide = next(p for p in mock_portal.qa.plans() if p["plan_no"] == "2024-S-000911")
    mock_portal.qa.reset()
    mock_portal.qa.set_clock(datetime.fromisoformat(guide["end"]) + timedelta(days=1))
    after = next(p for p in mock_portal.qa.plans() if p["plan_no"] == "2024-S-000911")
    assert after["end"] == guide["end"] and after["window"] == "closed"


def test_a_start_clock_anchors_the_windows() -> None:
    start = datetime(2026, 3, 15, 9, 0, tzinfo=CST)
    with serve_in_thread(clock=Clock(start, frozen=True)) as portal:
        guide = next(p for p in portal.qa.plans() if p["plan_no"] == "2024-S-000911")
        assert guide["start"] == "2026-03-05T00:00:00+08:00" and guide["window"] == "open"
        assert portal.qa.pending_login_qrs() == []
        page = h.client(portal).get("/sso/login").text
        [pending] = portal.qa.pending_login_qrs()
        assert f'data-token="{pending["token"]}"' in page


def test_plans_list_windows(mock_portal: RunningPortal) -> None:
    windows = {p["plan_no"]: p["window"] for p in mock_portal.qa.plans()}
    assert len(windows) >= 25
    assert windows["2024-S-000911"] == "open" and windows["2024-S-000937"] == "open"
    assert list(windows.values()).count("closed") == 1 and list(windows.values()).count("not_open") == 1


def test_a_restarted_replica_keeps_accounts_and_applications(tmp_path: Path) -> None:
    with serve_in_thread(data_dir=tmp_path) as first:
        _, app_id = h.submitted_application(first)
        for opened in h.OPEN_CLIENTS:
            opened.close()
    with serve_in_thread(data_dir=tmp_path) as second:
        [app] = second.qa.applications("zhangsan")
        assert app["id"] == app_id and app["state"] == "待审核" and app["pdfs"]["materials"]["pages"] == 3
        browser = h.login(second)
        assert "待审核" in browser.get("/user/applications").text


@pytest.mark.parametrize("variant", [0, 1, 2])
def test_variants_change_field_names_and_swap_table_and_div_layouts(variant: int) -> None:
    with serve_in_thread(variant=variant) as portal:
        h.make_account(portal, info_confirmed=True)
        browser = h.login(portal)
        app_id = h.start_application(browser)
        h.upload_photo(browser, portal, app_id, h.GUIDE_PLAN, h.photo())
        page = browser.get(f"/user/app/{app_id}/step2").text
        col = form.columns(h.plan(portal, h.GUIDE_PLAN), variant)
        table = form.layout("person", variant, h.plan(portal, h.GUIDE_PLAN)) == "table"
        name = col["phone"]
        control = f'<input type="text" name="{name}"'
        if table:
            marker = f'<td class="tit"><span class="red">*</span> 手机号码</td><td>{control}'
        else:
            marker = f'<div class="form-lbl"><i>*</i>手机号码：</div><div class="form-ctl">{control}'
        assert marker in page
        assert 'class="form-table"' in page and 'class="form-div"' in page
        done = h.post_step2(
            browser, portal, app_id, h.GUIDE_PLAN, h.step2_values(), {"materials": ("m.pdf", h.pdf())}
        )
        assert done.url.path.endswith("/step3")
        for opened in h.OPEN_CLIENTS:
            opened.close()
