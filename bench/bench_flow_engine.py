"""Flow engine overhead: the same page sequence via the engine and via a hand-written Playwright script.

Sequence (fixture pages on 127.0.0.1): plan detail → extract 计划编号 → 马上报名 → fill the
registration form (table layout: text fields, native selects, two custom dropdowns, radios,
checkboxes, checkbox table rows, a hidden file input, a read-only date) → 下一步 → preview → read
姓名 back. The hand-written script uses the fixture's name attributes directly (what a person would
write for one page, and what the site's changing ids forbid in real life).

    python bench/bench_flow_engine.py [--runs 9]

Prints the median seconds of each and the engine's overhead in percent.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import statistics
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from portal_bot.browser import AsyncPage, async_playwright, find_browser, launch_options
from portal_bot.flows.runner import FlowRunner
from portal_bot.flows.steps import Context, load_flow

ROOT = Path(__file__).resolve().parents[1]
FLOW = ROOT / "fixtures" / "flows" / "ok" / "register_table.yaml"
BUNDLE = ROOT / "fixtures" / "files" / "bundle.pdf"
CANDIDATE: dict[str, Any] = {
    "name": "张三",
    "sex": "男",
    "id_type": "居民身份证",
    "id_number": "330102200001011234",
    "birth_date": "2000-01-01",
    "education": "大学",
    "category": "院校学生",
    "address": "杭州市西湖区文三路 1 号",
    "phone": "13800000000",
    "dispatched": False,
    "promotion": None,
    "subjects": ["理论考试", "实操考试"],
    "eligibility": [1, 3],
}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


async def by_engine(page: AsyncPage, site: str) -> None:
    runner = FlowRunner(page, base_url=site, timeout=10)
    ctx = await runner.run(load_flow(FLOW), Context(candidate=CANDIDATE, prepared={"materials": str(BUNDLE)}))
    assert ctx.vars["plan_code"] == "2024-S-000911"


async def by_hand(page: AsyncPage, site: str) -> None:
    c = CANDIDATE
    await page.goto(site + "plan.html")
    code = await page.inner_text("table.info tr:nth-child(1) td:nth-child(2)")
    assert code in await page.inner_text("table.info tr:nth-child(3) td:nth-child(2)")
    await page.click("a.btn:has-text('马上报名')")
    await page.wait_for_selector("text=填写报名信息")
    await page.fill("[name=column12]", c["name"])
    await page.select_option("[name=column13]", label=c["sex"])
    await page.select_option("[name=column14]", label=c["id_type"])
    await page.fill("[name=column18]", c["id_number"])
    await page.eval_on_selector(
        "[name=column16]",
        "(e, v) => { e.value = v; e.dispatchEvent(new Event('change', {bubbles: true})); }",
        c["birth_date"],
    )
    for name, option in (("column15", c["education"]), ("column17", c["category"])):
        await page.click(f".x-select[data-name={name}] .x-select-value")
        await page.click(f".x-select[data-name={name}] li:text-is('{option}')")
    await page.fill("[name=column19]", c["address"])
    await page.fill("[name=column20]", c["phone"])
    await page.check("[name=column21][value='0']")
    await page.check("[name=column22][value='0']")
    await page.check("[name=column25][value='1']")
    await page.check("[name=column25][value='2']")
    await page.check("[name=column30][value='1']")
    await page.check("[name=column30][value='3']")
    await page.set_input_files("[name=column40]", str(BUNDLE))
    await page.check("[name=agree]")
    await page.click("a.btn:has-text('下一步')")
    await page.wait_for_selector("text=预览确认提交")
    assert (await page.inner_text("#preview tr:nth-child(2) td:nth-child(2)")) == c["name"]


async def main(runs: int) -> None:
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(ROOT / "fixtures" / "pages"))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{server.server_address[1]}/"
    choice = find_browser()
    assert choice is not None, "no Chromium: run `portal-bot browser ensure`"
    times: dict[str, list[float]] = {"hand-written": [], "engine": []}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**launch_options(choice))
        for i in range(runs + 1):  # the first round warms up the browser and is not counted
            for name, fn in (("hand-written", by_hand), ("engine", by_engine)):
                context = await browser.new_context()
                page = await context.new_page()
                started = time.perf_counter()
                await fn(page, site)
                if i:
                    times[name].append(time.perf_counter() - started)
                await context.close()
        await browser.close()
    server.shutdown()
    hand, engine = (statistics.median(times[k]) for k in ("hand-written", "engine"))
    print(f"runs: {runs} (after one warm-up round), same page sequence, fixture pages on 127.0.0.1")
    print(f"hand-written Playwright: median {hand:.3f}s")
    print(f"flow engine:             median {engine:.3f}s")
    print(f"engine overhead:         {100 * (engine - hand) / hand:+.1f}%")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    asyncio.run(main(parser.parse_args().runs))
