import asyncio
import json
import urllib.error
import urllib.request

import pytest
from rich.console import Console

from portal_bot.cohortrun.relay import HumanTask, Relay, qr_svg, qr_text
from portal_bot.register.desk import Desk, serve_desk
from tests.asyncutil import run_async


def test_terminal_qr_is_drawn_and_url_printed() -> None:
    console = Console(record=True, width=120)
    relay = Relay(console)
    relay.announce(HumanTask("张三", "login", qr_url="http://127.0.0.1:1/qr/abc"))
    out = console.export_text()
    assert "张三: log in" in out
    assert "▀" in out or "█" in out
    assert "http://127.0.0.1:1/qr/abc" in out
    assert len(relay.open) == 1


def test_qr_helpers_encode_the_url() -> None:
    assert "<svg" in qr_svg("http://127.0.0.1/x")
    assert qr_text("http://127.0.0.1/x").count("\n") > 10


def test_terminal_confirmations_are_asked_one_at_a_time() -> None:
    relay = Relay()
    active = 0
    peak = 0
    asked: list[str] = []

    async def ask(question: str) -> bool:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        asked.append(question)
        await asyncio.sleep(0.01)
        active -= 1
        return "李四" in question

    async def main() -> list[bool]:
        return await asyncio.gather(
            relay.confirm(HumanTask("张三", "confirm"), ask=ask),
            relay.confirm(HumanTask("李四", "confirm"), ask=ask),
        )

    assert run_async(main) == [False, True]
    assert peak == 1
    assert relay.open == {}


def test_confirmation_times_out_as_no() -> None:
    relay = Relay()

    async def main() -> bool:
        return await relay.confirm(HumanTask("张三", "confirm"), timeout=0.05)

    assert run_async(main) is False


def _get(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read().decode("utf-8"))  # type: ignore[no-any-return]


def _post(url: str, token: str | None) -> int:
    request = urllib.request.Request(url, method="POST", headers={"X-Desk-Token": token} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_desk_lists_tasks_and_takes_a_confirmation_with_the_token() -> None:
    async def main() -> tuple[bool, dict[str, object], int]:
        relay = Relay()
        loop = asyncio.get_running_loop()
        desk = Desk(relay, loop, progress=lambda: [{"candidate": "<b>王五</b>", "step": "login"}])
        with serve_desk(desk) as url:
            login = HumanTask("<script>x</script>", "login", qr_url="http://127.0.0.1:9/qr")
            relay.announce(login)
            confirm = HumanTask("张三", "confirm")
            waiting = asyncio.ensure_future(relay.confirm(confirm, timeout=10))
            await asyncio.sleep(0.05)
            state = await asyncio.to_thread(_get, url + "state.json")
            forbidden = await asyncio.to_thread(_post, f"{url}decide?id={confirm.id}&approve=1", None)
            ok = await asyncio.to_thread(_post, f"{url}decide?id={confirm.id}&approve=1", desk.token)
            assert ok == 200
            return await waiting, state, forbidden

    approved, state, forbidden = run_async(main)
    assert approved is True
    assert forbidden == 403
    tasks = state["tasks"]
    assert isinstance(tasks, list)
    assert {t["kind"] for t in tasks} == {"login", "confirm"}
    assert any("<svg" in t["qr_svg"] for t in tasks)


def test_desk_page_escapes_names_in_the_browser_script() -> None:
    loop = asyncio.new_event_loop()
    desk = Desk(Relay(), loop)
    page = desk.page()
    loop.close()
    assert "function esc(" in page
    assert desk.token in page


@pytest.mark.browser
def test_desk_page_renders_names_as_text(page) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.new_event_loop()
    relay = Relay()
    desk = Desk(relay, loop)
    relay.open[1] = HumanTask(
        "<img src=x onerror=alert(1)>", "signature", qr_url="http://127.0.0.1:9/s", id=1
    )
    with serve_desk(desk) as url:
        page.goto(url)
        page.get_by_text("sign the pledge").wait_for()
        assert page.get_by_text("<img src=x onerror=alert(1)>").is_visible()
        assert page.locator("#tasks svg").count() == 1
    loop.close()


def _request(url: str, headers: dict[str, str], method: str = "GET") -> int:
    """Status of a request sent with raw headers (urllib would set Host from the URL)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        conn.putrequest(method, parts.path + (f"?{parts.query}" if parts.query else ""), skip_host=True)
        for key, value in headers.items():
            conn.putheader(key, value)
        conn.endheaders()
        return conn.getresponse().status
    finally:
        conn.close()


def test_desk_answers_only_loopback_hosts_and_its_own_origin() -> None:
    """DNS rebinding: a page on evil.example resolved to 127.0.0.1 must get neither token nor decision."""

    async def main() -> dict[str, int]:
        relay = Relay()
        desk = Desk(relay, asyncio.get_running_loop())
        with serve_desk(desk) as url:
            port = url.rstrip("/").rsplit(":", 1)[1]
            confirm = HumanTask("张三", "confirm")
            waiting = asyncio.ensure_future(relay.confirm(confirm, timeout=10))
            await asyncio.sleep(0.05)
            decide = f"{url}decide?id={confirm.id}&approve=1"
            token = {"X-Desk-Token": desk.token}
            codes = {
                "evil page": await asyncio.to_thread(_request, url, {"Host": f"evil.example:{port}"}),
                "evil state": await asyncio.to_thread(
                    _request, url + "state.json", {"Host": f"evil.example:{port}"}
                ),
                "no host": await asyncio.to_thread(_request, url, {}),
                "other port": await asyncio.to_thread(_request, url, {"Host": "127.0.0.1:1"}),
                "localhost": await asyncio.to_thread(_request, url, {"Host": f"localhost:{port}"}),
                "evil post": await asyncio.to_thread(
                    _request, decide, {"Host": f"evil.example:{port}", **token}, "POST"
                ),
                "evil origin": await asyncio.to_thread(
                    _request,
                    decide,
                    {"Host": f"127.0.0.1:{port}", "Origin": f"http://evil.example:{port}", **token},
                    "POST",
                ),
                "own origin": await asyncio.to_thread(
                    _request,
                    decide,
                    {"Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}", **token},
                    "POST",
                ),
            }
            assert await waiting is True
            return codes

    codes = run_async(main)
    assert codes == {
        "evil page": 421,
        "evil state": 421,
        "no host": 421,
        "other port": 421,
        "localhost": 200,
        "evil post": 421,
        "evil origin": 403,
        "own origin": 200,
    }
