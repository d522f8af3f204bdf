"""One status run for a cohort: read every candidate's application with their saved session, record
it in the ledger, work out what changed, notify, and write the reports.

The pieces it wires: profiles (who), the run layer :mod:`portal_bot.cohortrun` (browser, sessions,
the plan, politeness, each candidate isolated, states), :mod:`portal_bot.portal` (reading
我的技能评价报名), the ledger (every observation), :mod:`.changes` (baseline, diff, exit code),
:mod:`.notify` and :mod:`.report`. :func:`run_status` is ``portal-bot status`` once, as a function.

Rules this module keeps: one candidate never fails the run (a missing or expired login is
``needs_login``, anything else that goes wrong is ``error`` with a note), but a run in which no
candidate could be read because the address does not answer or is not the portal (a wrong
``--portal``: no saved login there either) is one error for the run, recorded as nothing and
notified to no one (:func:`portal_reached`); the same politeness as
``register``; a state text it does not know stays ``unknown``. It never submits and never changes
an application; it logs in only with ``interactive`` (a person scans, or the password is set).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from portal_bot.cohortrun.each import describe, for_each
from portal_bot.cohortrun.identity import cohort_id, cohort_key
from portal_bot.cohortrun.launch import choose_browser, launched
from portal_bot.cohortrun.lock import cohort_lock
from portal_bot.cohortrun.plans import cohort_plan
from portal_bot.cohortrun.politeness import HostLimiter, Politeness, be_polite, effective_concurrency
from portal_bot.cohortrun.relay import Relay
from portal_bot.cohortrun.retry import STATUS_RETRY
from portal_bot.cohortrun.sessions import session_file
from portal_bot.cohortrun.states import State, parse_state
from portal_bot.errors import (
    PortalBotError,
    PortalUnreachableError,
    ProfileError,
    SessionExpiredError,
)
from portal_bot.i18n import N_, _
from portal_bot.ledger import Ledger
from portal_bot.portal._sync import run_sync
from portal_bot.portal.sandbox import Sandbox, sandbox
from portal_bot.privacy import mask_text
from portal_bot.profiles.loader import Cohort, load_candidate, load_cohort
from portal_bot.profiles.models import Candidate
from portal_bot.settings import Settings
from portal_bot.spreadsheet import preload as preload_xlsx
from portal_bot.status.changes import (
    Change,
    Observation,
    baseline,
    diff,
    exit_code,
    next_command,
    status_document,
)
from portal_bot.status.messages import StatusMessage
from portal_bot.status.notify import Delivery, Notifier, send_all
from portal_bot.status.report import write_html, write_xlsx

if TYPE_CHECKING:
    from rich.console import Console

    from portal_bot.browser import AsyncBrowser, BrowserChoice

DEFAULT_CONCURRENCY = 4
#: Resources a status read never needs: it reads the text of one table.
_SKIPPED = frozenset({"image", "font", "media"})
#: How long a list fetched without a page may take (a page's navigation has Playwright's 30 s too).
_FETCH_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Person:
    """A candidate of the cohort as a status run needs them: never more personal data than this."""

    key: str  # the profile's file stem
    name: str
    id_number: str
    ledger_id: int
    candidate: Candidate | None = None  # for --interactive logins


@dataclass
class StatusResult:
    """What one run found and did."""

    cohort: str
    generated_at: datetime
    current: list[Observation]
    changes: list[Change]
    run_errors: list[str]
    plan_code: str | None
    deliveries: list[Delivery] = field(default_factory=list)
    reports: list[Path] = field(default_factory=list)
    politeness_wait: float = 0.0  # seconds spent waiting between page loads
    commands: dict[str, str] = field(default_factory=dict)  # key → the next step's command

    @property
    def exit_code(self) -> int:
        return exit_code(self.current, run_errors=len(self.run_errors))

    def document(self) -> dict[str, Any]:
        """The ``--json`` output (masked)."""
        doc = status_document(
            self.current,
            self.changes,
            generated_at=self.generated_at,
            cohort=self.cohort,
            run_errors=self.run_errors,
            commands=self.commands,
        )
        doc["plan_code"] = self.plan_code
        doc["notifications"] = [
            {"notifier": d.notifier, "ok": d.ok, "error": d.error} for d in self.deliveries
        ]
        doc["reports"] = [str(p) for p in self.reports]
        return doc


def _people(cohort: Cohort, ledger: Ledger, key: str) -> tuple[list[Person], list[str]]:
    """The cohort's candidates (loaded without the registration rules: a status run needs only who
    they are), and one masked line per file that cannot even say that."""
    people: list[Person] = []
    errors: list[str] = []
    for path in cohort.candidate_files:
        result, _warnings = load_candidate(path, cohort)
        cand = result.candidate
        if cand is None:
            first = result.errors[0].message if result.errors else _("cannot be read")
            errors.append(mask_text(f"{path.name}: {first}"))
            continue
        ledger_id = ledger.ensure_candidate(key, cand.id_number, cand.name)
        people.append(Person(path.stem, cand.name, cand.id_number, ledger_id, cand))
    if not cohort.candidate_files:
        errors.append(f"{cohort.dir.name}: " + _("no candidate files beside cohort.yaml"))
    return people, errors


def _history(
    ledger: Ledger, people: Sequence[Person], cohort: str, plan_code: str | None
) -> list[Observation]:
    """Every recorded observation of the cohort's candidates, as Observations keyed like this run's."""
    by_id = {p.ledger_id: p for p in people}
    history: list[Observation] = []
    for row in ledger.candidates(cohort):
        person = by_id.get(row.id)
        # A candidate whose file left the folder is still compared, under its masked name.
        key, name = (person.key, person.name) if person else (f"ledger-{row.id}", row.name_masked)
        for o in ledger.observations(row.id):
            try:
                state = State(o["state"])
            except ValueError:
                state = State.UNKNOWN
            history.append(
                Observation(
                    key=key,
                    name=name,
                    plan_code=plan_code,
                    state=state,
                    state_text=o["state_text"] or "",
                    reason=o["reason"] or None,
                    observed_at=datetime.fromisoformat(o["observed_at"]),
                )
            )
    return history


class _Reader:
    """Reads one candidate's application with their saved session (shared browser and limiter)."""

    def __init__(
        self,
        browser: Any,
        settings: Settings,
        ledger: Ledger,
        portal_url: str,
        plan_code: str,
        limiter: HostLimiter,
        relay: Relay | None = None,
        sandbox: Sandbox | None = None,
    ) -> None:
        self.relay = relay  # set with --interactive: logins are relayed to a person
        self.browser = browser
        self.settings = settings
        self.ledger = ledger
        self.portal_url = portal_url
        self.plan_code = plan_code
        self.limiter = limiter
        #: True once any page of the portal answered (a list, the login page, even a 5xx of the site)
        self.reached = False
        #: Reader pages for lists fetched without a browser page; None: every read opens a page
        self.sandbox = sandbox

    def _obs(
        self, p: Person, state: State, text: str = "", reason: str | None = None, note: str | None = None
    ) -> Observation:
        return Observation(p.key, p.name, self.plan_code, state, text, reason, datetime.now(UTC), note)

    async def read(self, p: Person) -> Observation:
        path = session_file(self.settings, self.ledger, self.portal_url, p.id_number)
        if not path.exists():
            if self.relay is not None and p.candidate is not None:
                return await self._log_in_and_read(p, path)
            return self._obs(
                p, State.NEEDS_LOGIN, note=N_("no saved login yet (register logs in once and keeps it)")
            )
        last_error = ""
        for attempt in range(1, STATUS_RETRY.attempts + 1):
            try:
                return await self._read_once(p, path)
            except SessionExpiredError:
                self.reached = True
                if self.relay is not None and p.candidate is not None:
                    return await self._log_in_and_read(p, path)
                return self._obs(p, State.NEEDS_LOGIN, note=N_("the saved login expired"))
            except PortalBotError as exc:
                self.reached = self.reached or not isinstance(exc, PortalUnreachableError)
                last_error = str(exc)
            except Exception as exc:  # a browser crash must cost one candidate, never the run
                last_error = describe(exc)
            logger.warning("{}: attempt {} failed: {}", mask_text(p.key), attempt, mask_text(last_error))
            if STATUS_RETRY.again(attempt):
                await asyncio.sleep(STATUS_RETRY.wait(attempt))
        return self._obs(p, State.ERROR, note=mask_text(last_error))

    def crashed(self, p: Person, exc: Exception) -> Observation:
        """The observation of a candidate whose read raised outside the retry loop (a login relay)."""
        return self._obs(p, State.ERROR, note=describe(exc))

    async def _log_in_and_read(self, p: Person, path: Path) -> Observation:
        """--interactive: run the shipped login flow (a person scans the QR, or the password from
        the environment), save the new session, then read."""
        from portal_bot.browser import new_context, save_storage_state
        from portal_bot.cohortrun.accounts import password_for
        from portal_bot.cohortrun.humans import Person as Human
        from portal_bot.cohortrun.humans import RelayedHumans
        from portal_bot.flows.runner import FlowRunner
        from portal_bot.flows.steps import load_flow
        from portal_bot.flows.values import Context
        from portal_bot.portal.flows import shipped_flows_dir

        assert self.relay is not None and p.candidate is not None
        try:
            password = password_for(p.candidate, p.key, simulate=False)
            context = await new_context(self.browser)
            try:
                page = await context.new_page()
                humans = RelayedHumans(self.relay, Human(p.name, None, self.plan_code))
                runner = FlowRunner(page, human=humans, base_url=self.portal_url)
                ctx = Context(candidate=p.candidate, plan={"plan_code": self.plan_code})
                await runner.run(
                    load_flow(shipped_flows_dir() / "login.yaml"), ctx, {"PASSWORD": password or ""}
                )
                await save_storage_state(context, path)
            finally:
                await context.close()
            return await self._read_once(p, path)
        except PortalBotError as exc:
            return self._obs(
                p, State.NEEDS_LOGIN, note=mask_text(_("logging in again failed: {}").format(exc))
            )

    async def _read_once(self, p: Person, path: Path) -> Observation:
        from portal_bot.browser import new_context
        from portal_bot.portal.applications import read_applications, read_applications_fetched

        context = await new_context(self.browser, storage_state=path)
        try:
            rows = None
            if self.sandbox is not None:
                await self.limiter.page_load()  # context.request passes no route: wait here
                rows = await read_applications_fetched(
                    context, self.sandbox, self.portal_url, timeout_ms=_FETCH_TIMEOUT_MS
                )
                # drawn by scripts: pages from now on (said once: another worker may have found out)
                if rows is None and self.sandbox is not None:
                    logger.info("我的技能评价报名 has no list without its scripts: reading it in pages")
                    self.sandbox = None
            if rows is None:
                await be_polite(context, self.limiter, skip=_SKIPPED)
                page = await context.new_page()
                rows = await read_applications(page, self.portal_url)
        finally:
            await context.close()
        self.reached = True
        mine = [r for r in rows if r.plan_code == self.plan_code]
        if not mine:
            return self._obs(p, State.NOT_SUBMITTED)
        row = mine[0]
        return self._obs(p, parse_state(row.state_text), row.state_text, row.reason or None)


async def read_all(
    settings: Settings,
    ledger: Ledger,
    cohort: Cohort,
    people: Sequence[Person],
    *,
    portal_url: str,
    concurrency: int,
    politeness: Politeness | None = None,
    choice: BrowserChoice,
    relay: Relay | None = None,
) -> tuple[str | None, list[Observation], HostLimiter]:
    """Resolve the plan (when needed) and read every candidate, ``concurrency`` at a time."""
    politeness = politeness or Politeness.for_url(portal_url)
    limiter = HostLimiter(politeness)
    workers = max(1, min(effective_concurrency(concurrency, portal_url), politeness.max_concurrency))
    async with launched(choice) as browser, sandbox(browser, workers) as readers:
        plan_code = await _plan_code(browser, cohort, portal_url, limiter)
        reader = _Reader(browser, settings, ledger, portal_url, plan_code, limiter, relay, readers)
        current = await for_each(people, reader.read, concurrency=workers, crashed=reader.crashed)
        if not reader.reached and cohort.plan.plan_code:  # a plan found by search: the portal answered
            await portal_reached(browser, portal_url, plan_code, limiter)
    return plan_code, current, limiter


async def portal_reached(
    browser: AsyncBrowser, portal_url: str, plan_code: str, limiter: HostLimiter
) -> None:
    """Check that the portal answers when no candidate's read reached it (none had a saved login
    there, or every read failed to connect): the public plan search, one page.

    Raises:
        PortalUnreachableError: nothing answers, or the pages are not the portal's.
    """
    from portal_bot.browser import new_context
    from portal_bot.portal.plans import search_plans

    context = await new_context(browser)
    try:
        await limiter.page_load()
        await search_plans(await context.new_page(), portal_url, keyword=plan_code, max_pages=1)
    except PortalUnreachableError as exc:
        raise PortalUnreachableError(
            _("{unreachable}: no candidate could be read ({detail})").format(
                unreachable=_unreachable(), detail=exc.message
            ),
            hint=_nothing_done(),
        ) from exc
    except PortalBotError as exc:  # the portal answered (busy, slow): the candidates' notes say more
        logger.info("portal check: {}", exc)
    finally:
        await context.close()


def _unreachable() -> str:
    return _("site unreachable or not the portal")


def _nothing_done() -> str:
    return _("check --portal and the network; nothing was recorded or notified")


async def _plan_code(browser: AsyncBrowser, cohort: Cohort, portal_url: str, limiter: HostLimiter) -> str:
    plan = await cohort_plan(browser, cohort.plan, portal_url, limiter)
    return str(plan["plan_code"])


def default_report_dir(settings: Settings) -> Path:
    return settings.state_dir / "reports"


def run_status(
    settings: Settings,
    cohort_dir: Path,
    *,
    portal_url: str,
    concurrency: int = DEFAULT_CONCURRENCY,
    notifiers: Sequence[Notifier] = (),
    report_dir: Path | None = None,
    politeness: Politeness | None = None,
    interactive: bool = False,
    console: Console | None = None,
) -> StatusResult:
    """One whole status run: ``portal-bot status`` once (the caller holds the status lock).

    Args:
        settings: where the ledger, sessions and reports live, and which Chromium to prefer.
        cohort_dir: ``cohort.yaml`` plus one YAML file per candidate.
        portal_url, concurrency, notifiers, report_dir, interactive: as the command's options
            (``--portal``, ``--concurrency``, ``--notify`` built with ``build_notifiers``, ``--report``,
            ``--interactive``).
        politeness: override the per-host limits (tests; default: :meth:`Politeness.for_url`).
        console: where relayed logins (``interactive``) are shown; nothing else is printed.

    Raises:
        ProfileError: ``cohort.yaml`` is missing or broken, or its plan cannot be found.
        PortalUnreachableError: no candidate could be read because nothing answers at ``portal_url`` or
            its pages are not the portal's (nothing is recorded or notified).
        BrowserUnavailableError, StateError: no browser, or the ledger cannot be used.
    """
    cohort = load_cohort(cohort_dir)
    name = cohort.dir.name
    choice = choose_browser(settings)  # outside the event loop: see cohortrun.launch
    preload_xlsx()  # the report's writer loads while the browser reads
    relay = Relay(console) if interactive else None
    settings.ensure_state_dir()
    lock = cohort_lock(settings.state_dir, cohort_id(cohort.dir), purpose="status run")
    with lock, Ledger.open(settings.ledger_path) as ledger:
        key = cohort_key(cohort, ledger)  # never the folder's name: two cohorts can share it
        people, run_errors = _people(cohort, ledger, key)
        run_id = ledger.start_run(name, portal_url, {"command": "status", "concurrency": concurrency})
        outcome = "failed"
        try:
            previous = baseline(_history(ledger, people, key, cohort.plan.plan_code))
            plan_code, current, limiter = run_sync(
                lambda: read_all(
                    settings,
                    ledger,
                    cohort,
                    people,
                    portal_url=portal_url,
                    concurrency=concurrency,
                    politeness=politeness,
                    choice=choice,
                    relay=relay,
                )
            )
            for person, obs in zip(people, current, strict=True):
                ledger.add_observation(person.ledger_id, obs.state_text, obs.state.value, obs.reason)
            previous = {k: replace(o, plan_code=plan_code) for k, o in previous.items()}
            changes = diff(previous, {o.key: o for o in current})
            generated_at = datetime.now(UTC)
            result = StatusResult(name, generated_at, current, changes, run_errors, plan_code)
            result.politeness_wait = limiter.waited
            portal = None if portal_url.rstrip("/") == settings.portal_url.rstrip("/") else portal_url
            for obs in current:
                command = next_command(obs, str(cohort_dir), portal=portal)
                if command is not None:
                    result.commands[obs.key] = command
            if limiter.waited:
                logger.info("politeness: waited {:.1f} s between page loads", limiter.waited)
            if notifiers and (changes or run_errors):
                message = StatusMessage.from_run(
                    current, changes, generated_at=generated_at, cohort=name, run_errors=run_errors
                )
                result.deliveries = send_all(notifiers, message)
            history = _history(ledger, people, key, plan_code)
            out = report_dir or default_report_dir(settings)
            result.reports = [
                write_html(
                    out / f"status-{name}.html",
                    history,
                    cohort=name,
                    generated_at=generated_at,
                    commands=result.commands,
                ),
                write_xlsx(out / f"status-{name}.xlsx", history, generated_at=generated_at),
            ]
            outcome = f"exit {result.exit_code}"
            return result
        except ProfileError:
            outcome = "plan not found"
            raise
        except PortalUnreachableError as exc:  # nothing recorded, nothing notified: one run error
            outcome = "site unreachable"
            if not exc.message.startswith(_unreachable()):
                raise PortalUnreachableError(
                    f"{_unreachable()} ({exc.message})", hint=_nothing_done()
                ) from exc
            raise
        finally:
            ledger.finish_run(run_id, outcome)
