"""``portal-bot plans search``: the public plan list with windows, from the portal's search pages.

No login and no personal data: it opens the public search with the given filters, walks the pages
and prints each plan with its window (open now, closed, not open yet). It never applies for anything.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from portal_bot.console import make_console
from portal_bot.errors import BrowserUnavailableError
from portal_bot.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from portal_bot.portal.plans import PlanRow
from portal_bot.portal._sync import run_sync
from portal_bot.settings import Settings

plans_app = typer.Typer(help=N_("The portal's evaluation plans (技能评价报名计划)."), no_args_is_help=True)

#: A plan's window as shown: the site's word, then ours (English only in English).
_WINDOW_TEXT = {
    "open": ("[green]{}[/]", N_("报名中 open")),
    "closed": ("{}", N_("已结束 closed")),
    "not_open": ("[yellow]{}[/]", N_("未开始 not open")),
}


@plans_app.command("search")
def search(
    ctx: typer.Context,
    keyword: str | None = typer.Option(None, "--keyword", help=N_("评价机构名称或评价报名计划关键字.")),
    org: str | None = typer.Option(
        None, "--org", help=N_("Only plans of this organisation (机构名称, exact).")
    ),
    occupation: str | None = typer.Option(None, "--occupation", help=N_("职业名称.")),
    work_type: str | None = typer.Option(None, "--work-type", help=N_("工种名称.")),
    level: str | None = typer.Option(None, "--level", help=N_("等级 (五级/初级工 … 一级/高级技师).")),
    city: str | None = typer.Option(None, "--city", help=N_("所在市.")),
    district: str | None = typer.Option(None, "--district", help=N_("所在区县.")),
    plan_type: str | None = typer.Option(
        None, "--type", help=N_("评价认定类型: 职业技能等级认定 or 专项职业能力考核.")
    ),
    portal: str | None = typer.Option(
        None, "--portal", help=N_("Portal URL (default: PORTAL_BOT_PORTAL_URL).")
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print the plans as JSON on stdout.")),
    max_pages: int = typer.Option(50, "--max-pages", min=1, help=N_("Stop after this many result pages.")),
) -> None:
    """List the plans the public search shows for these filters, with their windows.

    --occupation, --work-type and --level may be part of a name (碳排放 finds 碳排放管理员); the
    output says what each matched. The 计划编号 column is the value to copy into cohort.yaml.
    """
    from portal_bot.profiles.models import PlanSelector

    settings: Settings = ctx.obj if isinstance(ctx.obj, Settings) else Settings()
    rows = fetch_plans(
        settings,
        portal,
        keyword=keyword or org,
        plan_type=plan_type,
        occupation=occupation,
        work_type=work_type,
        level=level,
        city=city,
        district=district,
        max_pages=max_pages,
    )
    from portal_bot.portal.plans import match_plans, narrow_plans

    narrowed = narrow_plans(rows, occupation=occupation, work_type=work_type, level=level)
    rows = narrowed.rows
    if org:
        rows = match_plans(PlanSelector(organization=org), rows)
    now = datetime.now(UTC)
    if as_json:
        doc = {"count": len(rows), "matched": narrowed.notes, "plans": [r.to_dict(now) for r in rows]}
        typer.echo(json.dumps(doc, ensure_ascii=False))
        return
    console = make_console()
    for note in narrowed.shown:
        console.print(escape(note), highlight=False)
    console.print(plans_table(rows, now))
    if rows:
        console.print(
            _(
                "Copy the 计划编号 into cohort.yaml as plan: {plan_code: …}, or run "
                "`portal-bot init --plan CODE` to start a cohort for it."
            ),
            highlight=False,
            markup=False,
        )


def fetch_plans(settings: Settings, portal: str | None, **filters: Any) -> list[PlanRow]:
    """Every plan the public search lists for ``filters`` (see :func:`~portal_bot.portal.plans.search_plans`).

    Raises:
        BrowserUnavailableError: no Chromium on this machine.
        PortalUnreachableError: nothing answered at the portal's address.
    """
    from portal_bot.browser import async_playwright, find_browser, launch_options, new_context
    from portal_bot.portal.plans import search_plans

    portal_url = (portal or settings.portal_url).rstrip("/")
    choice = find_browser(settings.chromium)
    if choice is None:
        raise BrowserUnavailableError(_("no Chromium found"), hint=_("run `portal-bot browser ensure`"))

    async def run() -> list[PlanRow]:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(**launch_options(choice))
            try:
                context = await new_context(browser)
                page = await context.new_page()
                return await search_plans(page, portal_url, **filters)
            finally:
                await browser.close()

    return run_sync(run)


def plans_table(rows: list[PlanRow], now: datetime) -> Table:
    """The plan list as a table whose 计划编号, the value to copy, is never cut, however narrow."""
    title = ngettext("技能评价报名计划 · {n} plan", "技能评价报名计划 · {n} plans", len(rows))
    table = Table(title=title.format(n=len(rows)), show_lines=True)
    table.add_column("计划编号", no_wrap=True, min_width=13)
    table.add_column("评价计划 / 评价机构", overflow="fold", ratio=3)
    table.add_column("职业(工种) · 等级", overflow="fold", ratio=2)
    table.add_column("报名时间 · 考试", overflow="fold", ratio=2)
    table.add_column("状态", overflow="fold")
    for r in rows:
        look, window = _WINDOW_TEXT[r.window(now)]
        occupation_label = f"{r.occupation}（{r.work_type}）" if r.work_type else r.occupation
        table.add_row(
            escape(r.plan_code),
            f"{escape(r.name)}\n[dim]{escape(r.organization)}[/]",
            f"{escape(occupation_label)} · {escape(r.level)}",
            f"{r.start:%Y-%m-%d %H:%M} –\n{r.end:%Y-%m-%d %H:%M}\n考试 {r.exam_date.isoformat()}",
            look.format(_(window)),
        )
    return table


def register(app: typer.Typer) -> None:
    app.add_typer(plans_app, name="plans")
