"""Who completes the human steps of a registration: real people through the relay, or, against the
mock portal only, a simulated person working through its QA API.

Real people: the QR code is relayed (terminal, desk page) and we wait for the flow's own ``until:``
expectation — portal-bot never presses a person's button. Simulation exists so `make demo` and the
end-to-end tests run unattended; it refuses any portal that is not on this machine.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from loguru import logger

from portal_bot.cohortrun.accounts import SIMULATE_LOCAL
from portal_bot.cohortrun.politeness import is_loopback
from portal_bot.cohortrun.relay import HumanTask, Relay
from portal_bot.errors import ConfigError, HumanStepTimeoutError, PortalTimeoutError
from portal_bot.flows.human import HumanRequest
from portal_bot.i18n import S_


@dataclass
class Person:
    """The candidate as the human handlers see them: a display name and the portal account."""

    name: str
    username: str | None
    plan_code: str


class RelayedHumans:
    """Shows the step (and its QR code) to people and waits until the page says it is done."""

    def __init__(self, relay: Relay, person: Person) -> None:
        self.relay = relay
        self.person = person

    async def __call__(self, request: HumanRequest) -> None:
        task = HumanTask(
            self.person.name,
            request.kind,
            qr_url=request.qr.text if request.qr else None,
            detail=request.message or "",
        )
        self.relay.announce(task)
        try:
            await request.wait_until_done(request.timeout)
        finally:
            self.relay.close(task)


def qr_token(text: str | None) -> str | None:
    """The token at the end of a QR code's URL (``…/sso/qr/<token>``), if any.

    The picture's own address (``…/sso/qr/<token>.png``) names the same token.
    """
    if not text:
        return None
    path = urlsplit(text).path.rstrip("/")
    last = path.rsplit("/", 1)[-1]
    return last.removesuffix(".png") or None


#: Asks the mock portal's page to check the QR status now instead of at its next 1 s poll.
_POLL_NOW_JS = "() => { if (window.portalPollNow) { window.portalPollNow(); } }"


class SimulatedHumans:
    """Completes login and signature QR steps through the mock portal's QA API (mock portal only).

    The token is in the code's picture address, so the code is neither screenshotted nor decoded;
    after the scan the page is told to look at once, so the step ends when the site shows it.
    """

    decodes_qr = False

    def __init__(self, qa: Any, portal_url: str, person: Person) -> None:
        if not is_loopback(portal_url):
            raise ConfigError(
                S_(SIMULATE_LOCAL),
                hint=S_("{} is not a loopback address").format(portal_url),
            )
        if not person.username:
            raise ConfigError(S_("{}: a simulated login needs an account username").format(person.name))
        self.qa = qa
        self.person = person

    async def __call__(self, request: HumanRequest) -> None:
        username = self.person.username
        assert username is not None
        if request.kind == "login":
            qr = request.qr
            token = qr_token(qr.text or qr.src) if qr else None
            if token is None:  # never "the newest pending code": that may be another candidate's
                raise PortalTimeoutError(
                    S_("{name}: no login QR code showed on {url}").format(
                        name=self.person.name, url=request.page.url
                    ),
                    hint=S_("the page did not finish loading; the candidate is tried again"),
                )
            await asyncio.to_thread(self.qa.scan_login, username, token)
        elif request.kind == "signature":
            await asyncio.to_thread(self.qa.sign, account=username, plan_no=self.person.plan_code)
        else:
            raise HumanStepTimeoutError(
                S_("{name}: a simulated person does not confirm '{kind}'").format(
                    name=self.person.name, kind=request.kind
                )
            )
        try:
            await request.page.evaluate(_POLL_NOW_JS)
        except Exception as exc:  # noqa: BLE001 - the page may already be on its way elsewhere
            logger.debug("poll-now not delivered: {}", exc)
        await request.wait_until_done(request.timeout)
