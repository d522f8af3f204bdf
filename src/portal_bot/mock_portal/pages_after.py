"""After the review: the 缴费 page (审核通过 / 待缴费 / 已缴费) and the 准考证 page (已生成准考证).

None of this is in the registration guide beyond "报名审核通过后，请按照网站要求及时足量缴纳认定缴费"
and the pledge's "交费和打印准考证": the pages are invented, plausible, and documented as such in
docs/mock-portal.md. Paying opens an order; the payment service (the QA API) completes it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal_bot.mock_portal.app import portal_of, render
from portal_bot.mock_portal.db import APPROVED, PAID, TICKET, UNPAID
from portal_bot.mock_portal.pages_user import own_application
from portal_bot.mock_portal.states import fee

router = APIRouter()

#: States whose application page offers the 缴费 page.
PAYABLE = (APPROVED, UNPAID, PAID, TICKET)


@router.get("/user/app/{app_id}/pay", response_class=HTMLResponse)
async def pay(request: Request, app_id: int) -> Response:
    account, app, plan = own_application(request, app_id)
    portal = portal_of(request)
    if app.state not in PAYABLE:
        return render(
            request,
            "message.html",
            heading="认定缴费",
            message=f"报名状态为{app.state}，审核通过后方可缴费。",
            link=("返回", f"/user/app/{app.id}"),
        )
    payment = portal.store.payment(app.id)
    return render(
        request,
        "pay.html",
        app=app,
        plan=plan,
        person=account,
        amount=payment["amount"] if payment else fee(plan.level),
        payment=payment,
    )


@router.post("/user/app/{app_id}/pay", response_class=HTMLResponse)
async def pay_post(request: Request, app_id: int) -> Response:
    """去支付: opens the order (once); the state stays 待缴费 until the payment service confirms."""
    _, app, plan = own_application(request, app_id)
    portal = portal_of(request)
    if app.state == UNPAID:
        portal.store.open_payment(app.id, fee(plan.level), portal.now())
    return RedirectResponse(f"/user/app/{app.id}/pay", status_code=303)


@router.get("/user/app/{app_id}/ticket", response_class=HTMLResponse)
async def ticket(request: Request, app_id: int) -> Response:
    account, app, plan = own_application(request, app_id)
    portal = portal_of(request)
    if app.state != TICKET:
        return render(
            request,
            "message.html",
            heading="准考证",
            message="准考证尚未生成，请在缴费后留意报名状态。",
            link=("返回", f"/user/app/{app.id}"),
        )
    number = f"{plan.exam:%Y}{plan.id:05d}{app.id:05d}"
    photo = portal.store.file(app.id, "photo")
    return render(request, "ticket.html", app=app, plan=plan, person=account, number=number, photo=photo)
