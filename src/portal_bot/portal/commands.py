"""``portal-bot plans search``: the public plan list with windows, from the portal's search pages.

No login and no personal data: it opens the public search with the given filters, walks the pages
and prints each plan with its window (open now, closed, not open yet). It never applies for anything.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import typer
from rich.markup import escape
from rich.table import Table

from portal_bot.console import make_console
from portal_bot.errors import BrowserUnavailableError
from portal_bot.portal._sync import run_sync
from portal_bot.settings import Settings

plans_app = typer.Typer(help="The portal's evaluation plans (技能评价报名计划).", no_args_is_help=True)

_WINDOW_TEXT = {
    "open": "[green]报名中 open[/]",
    "closed": "已结束 closed",
    "not_open": "[yellow]未开始 not open[/]",
}


@plans_app.command("search")
def search(
    ctx: typer.Context,
    keyword: str | None = typer.Option(None, "--keyword", help="评价机构名称或评价报名计划关键字."),
    org: str | None = typer.Option(None, "--org", help="Only plans of this organisation (机构名称, exact)."),
    occupation: str | None = typer.Option(None, "--occupation", help="职业名称."),
    work_type: str | None = typer.Option(None, "--work-type", help="工种名称."),
    level: str | None = typer.Option(None, "--level", help="等级 (五级/初级工 … 一级/高级技师)."),
    city: str | None = typer.Option(None, "--city", help="所在市."),
    district: str | None = typer.Option(None, "--district", help="所在区县."),
    plan_type: str | None = typer.Option(
        None, "--type", help="评价认定类型: 职业技能等级认定 or 专项职业能力考核."
    ),
    portal: str | None = typer.Option(None, "--portal", help="Portal URL (default: PORTAL_BOT_PORTAL_URL)."),
    as_json: bool = typer.Option(False, "--json", help="Print the plans as JSON on stdout."),
    max_pages: int = typer.Option(50, "--max-pages", min=1, help="Stop after this many result pages."),
) -> None:
    """List the plans the public search shows for these filters, with their windows."""
    from portal_bot.browser import async_playwright, find_browser, launch_options, new_context
    from portal_bot.portal.plans import PlanRow, search_plans
    from portal_bot.profiles.models import PlanSelector

    settings: Settings = ctx.obj if isinstance(ctx.obj, Settings) else Settings()
    portal_url = (portal or settings.portal_url).rstrip("/")
    choice = find_browser(settings.chromium)
    if choice is None:
        raise BrowserUnavailableError("no Chromium found", hint="run `portal-bot browser ensure`")

    async def run() -> list[PlanRow]:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(**launch_options(choice))
            try:
                context = await new_context(browser)
                page = await context.new_page()
                return await search_plans(
                    page,
                    portal_url,
                    keyword=keyword or org,
                    plan_type=plan_type,
                    occupation=occupation,
                    work_type=work_type,
                    level=level,
                    city=city,
                    district=district,
                    max_pages=max_pages,
                )
            finally:
                await browser.close()

    rows = run_sync(run)
    if org:
        from portal_bot.portal.plans import match_plans

        rows = match_plans(PlanSelector(organization=org), rows)
    now = datetime.now(UTC)
    if as_json:
        typer.echo(
            json.dumps({"count": len(rows), "plans": [r.to_dict(now) for r in rows]}, ensure_ascii=False)
        )
        return
    table = Table(title=f"技能评价报名计划 · {len(rows)} plans")
    for column in ("计划编号", "评价计划", "评价机构", "职业(工种)", "等级", "报名时间", "考试日期", "状态"):
        table.add_column(column)
    for r in rows:
        occupation_label = f"{r.occupation}（{r.work_type}）" if r.work_type else r.occupation
        table.add_row(
            escape(r.plan_code),
            escape(r.name),
            escape(r.organization),
            escape(occupation_label),
            escape(r.level),
            f"{r.start:%Y-%m-%d %H:%M} – {r.end:%Y-%m-%d %H:%M}",
            r.exam_date.isoformat(),
            _WINDOW_TEXT[r.window(now)],
        )
    make_console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(plans_app, name="plans")
