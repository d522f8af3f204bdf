"""Which state an application may go to next, and the payment that takes 待缴费 to 已缴费.

The guide stops at 提交; what follows is invented but kept plausible: a reviewer decides a submitted
application (驳回修改 / 审核不通过 / 审核通过), a returned one is resubmitted, an approved one waits for
the fee, a paid one gets its 准考证. Nothing goes back (已生成准考证 → 未提交 is refused). The QA API
and the pages both go through :func:`change_state`, so no caller can invent another path.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from portal_bot.mock_portal.db import (
    APPROVED,
    DRAFT,
    PAID,
    PENDING,
    REJECTED,
    RETURNED,
    TICKET,
    UNPAID,
    Application,
)

if TYPE_CHECKING:
    from portal_bot.mock_portal.app import Portal

#: state → the states the site can move it to next.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    DRAFT: (PENDING,),  # the candidate submits
    PENDING: (RETURNED, REJECTED, APPROVED),  # a reviewer decides
    RETURNED: (PENDING,),  # 继续提交审核
    REJECTED: (),
    APPROVED: (UNPAID,),  # the fee is due
    UNPAID: (PAID,),  # the payment service confirms
    PAID: (TICKET,),  # the 准考证 is generated
    TICKET: (),
}

#: The fee by level, in yuan (invented: the guide only says 及时足量缴纳认定缴费).
FEES: dict[str, int] = {
    "初级工": 200,
    "中级工": 280,
    "高级工": 350,
    "技师": 450,
    "高级技师": 550,
    "专项能力": 150,
}


class TransitionError(ValueError):
    """The site could not move the application there; ``allowed`` are the states it could."""

    def __init__(self, current: str, wanted: str) -> None:
        self.allowed = TRANSITIONS[current]
        shown = "、".join(self.allowed) or "none (final state)"
        super().__init__(f"{current} cannot become {wanted}; allowed next: {shown}")


class PaymentError(ValueError):
    """No payment to complete (not 待缴费, or the candidate never opened the 缴费 page's order)."""


def path_to(current: str, wanted: str) -> list[str] | None:
    """The shortest chain of site transitions from ``current`` to ``wanted`` (excluding ``current``),
    or None when the site cannot get there."""
    seen = {current}
    queue: deque[tuple[str, list[str]]] = deque([(current, [])])
    while queue:
        state, path = queue.popleft()
        for following in TRANSITIONS[state]:
            chain = [*path, following]
            if following == wanted:
                return chain
            if following not in seen:
                seen.add(following)
                queue.append((following, chain))
    return None


def change_state(
    portal: Portal, app: Application, wanted: str, reason: str = "", *, single_step: bool = False
) -> None:
    """Move ``app`` to ``wanted`` through the site's transitions, each one recorded in the history.

    Raises:
        TransitionError: ``wanted`` is not reachable (or not the next state, with ``single_step``).
    """
    chain = path_to(app.state, wanted)
    if chain is None or (single_step and len(chain) != 1):
        raise TransitionError(app.state, wanted)
    for state in chain:
        now = portal.now()
        portal.store.update_application(
            app.id,
            now,
            state=state,
            reason=reason if state == wanted else "",
            submitted=state == PENDING,
        )
        if state == PAID:
            plan = portal.plan(app.plan_id)
            portal.store.open_payment(app.id, fee(plan.level if plan else ""), now)
            portal.store.mark_paid(app.id, now)


def fee(level: str) -> int:
    return FEES.get(level, FEES["中级工"])


def complete_payment(portal: Portal, app: Application) -> None:
    """What the payment service does once the candidate paid: 待缴费 → 已缴费.

    Raises:
        PaymentError: the application is not 待缴费 or no order was opened on the 缴费 page.
    """
    if app.state != UNPAID:
        raise PaymentError(f"application {app.id} is {app.state}, not {UNPAID}")
    payment = portal.store.payment(app.id)
    if payment is None:
        raise PaymentError(f"application {app.id} has no payment order: the candidate has not clicked 去支付")
    change_state(portal, app, PAID, single_step=True)
