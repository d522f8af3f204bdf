"""Which plan a cohort's run is about: the cohort's ``plan_code``, else the one plan its keys find.

``register`` and ``status`` must always agree on the plan of a cohort, so both come here: the same
public search with every key ``cohort.yaml`` gives, the same matcher. ``register`` additionally
needs the plan open for applications now (``open_now``); ``status`` reads a plan whatever its window.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from portal_bot.browser import AsyncBrowser, new_context
from portal_bot.cohortrun.politeness import HostLimiter
from portal_bot.profiles.models import PlanSelector


async def cohort_plan(
    browser: AsyncBrowser,
    selector: PlanSelector,
    portal_url: str,
    limiter: HostLimiter,
    *,
    open_now: bool = False,
) -> dict[str, Any]:
    """The cohort's plan as the flows see it: the selector's keys plus ``plan_code`` and ``name``.

    Searched on the public pages only when ``cohort.yaml`` names no ``plan_code``.

    Raises:
        ProfileError(field="plan"): no plan or several plans match, or (``open_now``) it is not open.
        PortalTimeoutError, PortalServerError: the search pages could not be read.
    """
    from portal_bot.portal.plans import only_plan, resolve_plan, search_plans

    plan: dict[str, Any] = selector.model_dump(exclude_none=True)
    if plan.get("plan_code"):
        return plan
    context = await new_context(browser)
    try:
        await limiter.page_load()
        page = await context.new_page()
        rows = await search_plans(
            page,
            portal_url,
            keyword=selector.organization,
            occupation=selector.occupation,
            work_type=selector.work_type,
            level=selector.level,
            city=selector.city,
            district=selector.district,
        )
    finally:
        await context.close()
    row = resolve_plan(selector, rows, datetime.now().astimezone()) if open_now else only_plan(selector, rows)
    plan.update(plan_code=row.plan_code, name=row.name)
    return plan
