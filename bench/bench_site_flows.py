"""The five shipped flows against the mock portal: one candidate from login to 待审核.

login.yaml (password) → basic-info → open-plan.yaml → register.yaml (photo, step 2 from the field map,
signature through the QA API) → read/compare the preview → submit.yaml, in a fresh browser context
per run, on an in-process mock portal (127.0.0.1, no added latency). One warm-up run not counted.

    python bench/bench_site_flows.py [--runs 5] [--variant 0]

Prints the median seconds per candidate and of each flow.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image
from pypdf import PdfWriter

from portal_bot.browser import AsyncPage, async_playwright, find_browser, launch_options
from portal_bot.flows.human import HumanRequest
from portal_bot.flows.runner import FlowRunner
from portal_bot.flows.steps import Context, load_flow
from portal_bot.mock_portal.server import RunningPortal, serve_in_thread
from portal_bot.portal.flows import shipped_flows_dir
from portal_bot.portal.preview import compare_preview, expected_preview, read_preview
from portal_bot.profiles.loader import load_cohort
from portal_bot.profiles.validate import validate_cohort

ROOT = Path(__file__).resolve().parents[1]
COHORT = ROOT / "profiles" / "sample-cohort"
FLOWS = shipped_flows_dir()
NAMES = ("login.yaml", "open-plan.yaml", "register.yaml", "preview", "submit.yaml")


def _files(folder: Path) -> dict[str, str]:
    face = Image.open(ROOT / "fixtures" / "images" / "astronaut.png").convert("RGB")
    photo = folder / "photo.jpg"
    face.crop((96, 0, 480, 512)).resize((384, 512)).save(photo, format="JPEG", quality=95)
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    materials = folder / "materials.pdf"
    materials.write_bytes(out.getvalue())
    return {"photo": str(photo), "materials": str(materials)}


async def one_run(page: AsyncPage, mock: RunningPortal, prepared: dict[str, str]) -> dict[str, float]:
    mock.qa.reset()
    [result] = [r for r in validate_cohort(COHORT) if r.candidate and r.candidate.name == "赵静"]
    candidate = result.candidate
    assert candidate is not None and candidate.account.username is not None
    plan = load_cohort(COHORT).plan.model_dump(exclude_none=True)
    account = candidate.account.username
    mock.qa.create_account(
        username=account, password="pw", name=candidate.name, id_number=candidate.id_number,
        phone=candidate.phone,
    )  # fmt: skip

    async def phone(request: HumanRequest) -> None:
        await asyncio.to_thread(mock.qa.sign, account=account, plan_no=plan["plan_code"])
        await request.wait_until_done(30)

    runner = FlowRunner(page, human=phone, base_url=mock.url, timeout=20)
    ctx = Context(candidate=candidate, plan=plan, prepared=prepared)
    times: dict[str, float] = {}
    for name in NAMES:
        start = time.perf_counter()
        if name == "preview":
            shown = await read_preview(page)
            expected = expected_preview(candidate, plan, FLOWS / "fields" / "registration.yaml")
            assert compare_preview(expected, shown) == []
        else:
            env = {"PASSWORD": "pw"} if name == "login.yaml" else {}
            await runner.run(load_flow(FLOWS / name), ctx, env)
        times[name] = time.perf_counter() - start
    assert mock.qa.applications(account)[0]["state"] == "待审核"
    return times


async def main(runs: int, variant: int) -> None:
    choice = find_browser()
    if choice is None:
        raise SystemExit("no Chromium found: run `portal-bot browser ensure`")
    with tempfile.TemporaryDirectory() as tmp, serve_in_thread(variant=variant) as mock:
        prepared = _files(Path(tmp))
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(**launch_options(choice))
            results: list[dict[str, float]] = []
            for n in range(runs + 1):
                context = await browser.new_context(locale="zh-CN")
                page = await context.new_page()
                times = await one_run(page, mock, prepared)
                await context.close()
                if n:  # the first run warms up
                    results.append(times)
            await browser.close()
    total = statistics.median(sum(t.values()) for t in results)
    print(f"variant {variant}, {runs} runs: median {total:.2f} s per candidate")
    for name in NAMES:
        print(f"  {name:15} {statistics.median(t[name] for t in results):.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--variant", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.variant))
