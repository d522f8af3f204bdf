"""Registering a cohort: validate, prepare, then walk each candidate through the site.

Order of work for one candidate (each point is a safe place to stop and rerun from):
  1. the saved session, else the login flow (a person logs in; the session is saved 0600);
  2. the site's own application list: an application already submitted for this plan ends here,
     whatever the ledger says (a kill -9 between 提交 and the ledger write never causes a second one);
  3. open-plan and register flows up to the preview (a draft on the site is continued, not duplicated);
  4. the preview read back and compared with the profile: any difference stops this candidate;
  5. a person approves (or --confirm auto, mock portal only unless explicitly allowed);
  6. the list checked once more, then 提交, then the list read again to see it.
Data errors are never retried; portal errors are retried with jittered, capped backoff, each
attempt resuming from the site's own state. This module never submits without step 4 and 5.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import typer
from loguru import logger
from rich.console import Console

from portal_bot.browser import (
    AsyncBrowser,
    AsyncBrowserContext,
    AsyncPage,
    async_playwright,
    find_browser,
    launch_options,
    new_context,
    save_storage_state,
)
from portal_bot.errors import (
    BrowserUnavailableError,
    ConfigError,
    DataError,
    FlowError,
    HumanStepTimeoutError,
    PortalBotError,
    PortalError,
)
from portal_bot.flows.runner import FlowRunner, StepEvent
from portal_bot.flows.steps import Flow, load_flow
from portal_bot.flows.values import Context
from portal_bot.ledger import Ledger
from portal_bot.privacy import mask_id, mask_text
from portal_bot.profiles import CandidateResult, validate_cohort
from portal_bot.profiles.models import Candidate
from portal_bot.register.accounts import ensure_simulated_account, password_for, qa_client
from portal_bot.register.desk import Desk, serve_desk
from portal_bot.register.humans import Person, RelayedHumans, SimulatedHumans
from portal_bot.register.outcome import CandidateOutcome, Outcome, RunInfo, save_outcomes
from portal_bot.register.politeness import HostLimiter, Politeness, effective_concurrency, is_loopback
from portal_bot.register.progress import Progress, Row
from portal_bot.register.relay import HumanTask, Relay
from portal_bot.register.report import write_report
from portal_bot.sessions import session_file
from portal_bot.settings import Settings

ConfirmMode = Literal["prompt", "auto"]
#: Fault injection for the crash tests: PORTAL_BOT_CRASH_AT=<point> kills this process (like kill -9)
#: at that point. Points: logged-in, preview, submitted-before-ledger.
CRASH_ENV = "PORTAL_BOT_CRASH_AT"


def _crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        logger.warning("crash point {} reached: killing this process", name)
        if hasattr(signal, "SIGKILL"):
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(137)


SUBMITTED_TEXTS = frozenset(
    {"待审核", "驳回修改", "审核不通过", "审核通过", "待缴费", "已缴费", "已生成准考证"}
)


@dataclass
class RegisterOptions:
    """What `portal-bot register` was asked to do."""

    portal_url: str
    concurrency: int = 2
    headed: bool = False
    confirm: ConfirmMode = "prompt"
    allow_auto_confirm_real: bool = False
    only: tuple[str, ...] = ()
    simulate_human: bool = False
    qa_token: str | None = None
    desk: bool = False
    flows_dir: Path | None = None
    human_timeout: float = 600.0
    attempts: int = 3
    jobs: int | None = None


@dataclass
class Job:
    """One candidate's work in this run."""

    result: CandidateResult
    row: Row
    outcome: CandidateOutcome
    prepared: dict[str, str | None] = field(default_factory=dict)
    ledger_id: int = 0

    @property
    def candidate(self) -> Candidate:
        assert self.result.candidate is not None
        return self.result.candidate


@dataclass
class RunResult:
    run_id: int
    outcomes: list[CandidateOutcome]
    report_html: Path
    report_xlsx: Path

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)


def _matches(result: CandidateResult, only: tuple[str, ...]) -> bool:
    return not only or any(o in (result.name, result.file.stem, result.file.name) for o in only)


def _outcome_for(result: CandidateResult) -> CandidateOutcome:
    candidate = result.candidate
    return CandidateOutcome(
        name=result.name,
        id_masked=mask_id(candidate.id_number) if candidate else "",
        file=result.file.name,
        outcome=Outcome.SKIPPED,
    )


class Registration:
    """One `portal-bot register` run."""

    def __init__(
        self, cohort_dir: Path, options: RegisterOptions, settings: Settings, console: Console
    ) -> None:
        self.cohort_dir = cohort_dir
        self.options = options
        self.settings = settings
        self.console = console
        self.progress = Progress()
        self.relay = Relay(console)
        self.limiter = HostLimiter(Politeness.for_url(options.portal_url))
        self.flows: dict[str, Flow] = {}
        self.plan: dict[str, Any] = {}
        self.qa: Any = None
        if options.confirm == "auto" and not (
            is_loopback(options.portal_url) or options.allow_auto_confirm_real
        ):
            raise ConfigError(
                "--confirm auto submits with no person approving; it is allowed only against the mock portal",
                hint="use --confirm prompt, or add --i-accept-auto-submit to take responsibility",
            )

    # ------------------------------------------------------------------ preparation (no browser)

    def _load_flows(self) -> None:
        from portal_bot.portal.flows import shipped_flows_dir

        folder = self.options.flows_dir or shipped_flows_dir()
        for name in ("login", "open-plan", "register", "submit"):
            path = folder / f"{name}.yaml"
            if not path.exists():
                raise ConfigError(
                    f"flow {path} is missing", hint="point --flows at a folder with the shipped flows"
                )
            self.flows[name] = load_flow(path)

    def _prepare(self, jobs: list[Job]) -> list[Job]:
        """Validate and prepare documents; returns the jobs that may open a browser."""
        from portal_bot.prepare import prepare_cohort

        ready = [j for j in jobs if j.result.ok]
        for job in jobs:
            if not job.result.ok:
                first = next((p for p in job.result.problems if p.severity == "error"), None)
                job.outcome.outcome = Outcome.DATA_ERROR
                job.outcome.step = "validate"
                job.outcome.message = mask_text(
                    f"{first.field}: {first.message}" if first else "invalid profile"
                )
                self.progress.set(job.row, "failed", "validate", "profile has errors")
        if not ready:
            return []
        self.console.print("preparing documents …")
        manifest = prepare_cohort(self.cohort_dir, jobs=self.options.jobs)
        runnable = []
        for job in ready:
            entry = manifest.entry_for(job.result.file)
            if entry is None or not entry.ok:
                job.outcome.outcome = Outcome.DATA_ERROR
                job.outcome.step = "prepare"
                job.outcome.message = mask_text("; ".join(entry.problems) if entry else "not prepared")
                self.progress.set(job.row, "failed", "prepare", "documents")
                continue
            job.prepared = {
                "photo": str(entry.photo) if entry.photo else None,
                "materials": str(entry.materials) if entry.materials else None,
                "evidence": str(entry.evidence) if entry.evidence else None,
            }
            job.outcome.bundle_sha256 = entry.materials_sha256 or ""
            job.outcome.photo_sha256 = entry.photo_sha256 or ""
            runnable.append(job)
        return runnable

    # ------------------------------------------------------------------ the browser part

    def _person(self, job: Job, ledger: Ledger) -> Person:
        account = job.candidate.account
        username = account.username if account and account.username else None
        if username is None and self.options.simulate_human:
            username = "sim-" + ledger.candidate_key(job.candidate.id_number)[:12]
        return Person(job.candidate.name, username, str(self.plan.get("plan_code", "")))

    async def _politeness(self, context: AsyncBrowserContext) -> None:
        if self.limiter.politeness.min_interval <= 0:
            return

        async def handle(route: Any) -> None:
            if route.request.resource_type == "document":
                await self.limiter.page_load()
            await route.continue_()

        await context.route("**/*", handle)

    def _context(self, job: Job, env: dict[str, str]) -> Context:
        return Context(
            candidate=job.candidate,
            plan=dict(self.plan),
            prepared=dict(job.prepared),
            env=env,
        )

    async def _read_list(self, page: AsyncPage) -> list[Any]:
        from portal_bot.portal.applications import read_applications

        return await read_applications(page, self.options.portal_url)

    def _existing(self, apps: list[Any]) -> Any | None:
        code = self.plan.get("plan_code")
        return next((a for a in apps if a.plan_code == code), None)

    async def _confirm(self, job: Job) -> bool:
        if self.options.confirm == "auto":
            return True
        task = HumanTask(job.candidate.name, "confirm", detail=f"plan {self.plan.get('plan_code', '')}")
        if self.options.desk:
            return await self.relay.confirm(task, timeout=self.options.human_timeout)

        async def ask(question: str) -> bool:
            return await asyncio.to_thread(typer.confirm, question, default=False)

        return await self.relay.confirm(task, ask=ask, timeout=self.options.human_timeout)

    async def _attempt(
        self, job: Job, browser: AsyncBrowser, ledger: Ledger, run_id: int, run_dir: Path
    ) -> None:
        person = self._person(job, ledger)
        password = password_for(job.candidate, job.result.file.name, simulate=self.options.simulate_human)
        if self.options.simulate_human:
            assert person.username is not None
            password = await asyncio.to_thread(
                ensure_simulated_account, self.qa, job.candidate, person.username, password
            )
        humans = (
            SimulatedHumans(self.qa, self.options.portal_url, person)
            if self.options.simulate_human
            else RelayedHumans(self.relay, person)
        )
        state_file = session_file(self.settings, ledger, self.options.portal_url, job.candidate.id_number)
        context = await new_context(browser, storage_state=state_file)
        await self._politeness(context)
        await context.tracing.start(screenshots=True, snapshots=True)
        keep_trace = False
        page = await context.new_page()
        record = ledger.step_recorder(run_id, job.ledger_id)
        show = self.progress.observer(job.row)

        def observer(event: StepEvent) -> None:
            record(event)
            show(event)

        runner = FlowRunner(page, human=humans, observer=observer, base_url=self.options.portal_url)
        ctx = self._context(job, {"PASSWORD": password or ""})
        tag = f"{job.result.file.stem}"
        try:
            await self._walk(job, page, context, runner, ctx, ledger, run_id, run_dir, state_file, tag)
        except PortalBotError:
            keep_trace = True
            shot = run_dir / f"{tag}-failure.png"
            try:
                await page.screenshot(path=str(shot), full_page=True)
                job.outcome.failure_screenshot = shot
            except Exception as exc:  # the page may be gone; the trace still tells
                logger.debug("no failure screenshot: {}", exc)
            raise
        finally:
            if keep_trace:
                trace = run_dir / f"{tag}-trace.zip"
                await context.tracing.stop(path=str(trace))
                job.outcome.trace = trace
                ledger.add_artifact(run_id, job.ledger_id, "trace", trace)
            else:
                await context.tracing.stop()
            runner.detach()
            await context.close()

    async def _walk(
        self,
        job: Job,
        page: AsyncPage,
        context: AsyncBrowserContext,
        runner: FlowRunner,
        ctx: Context,
        ledger: Ledger,
        run_id: int,
        run_dir: Path,
        state_file: Path,
        tag: str,
    ) -> None:
        from portal_bot.errors import SessionExpiredError
        from portal_bot.portal.preview import compare_preview, expected_preview, read_preview

        row, out = job.row, job.outcome
        apps: list[Any] | None = None
        if state_file.exists():
            self.progress.start(row, "session")
            try:
                apps = await self._read_list(page)
            except SessionExpiredError:
                apps = None
        if apps is None:
            self.progress.start(row, "login")
            out.step = "login"
            await runner.run(self.flows["login"], ctx=ctx, env=ctx.env)
            await save_storage_state(context, state_file)
            apps = await self._read_list(page)
        existing = self._existing(apps)
        if existing is not None and existing.state_text in SUBMITTED_TEXTS:
            ledger.mark_candidate(
                job.ledger_id, "submitted", "submitted", message=existing.state_text, run_id=run_id
            )
            out.outcome, out.message = Outcome.ALREADY_SUBMITTED, f"on the site: {existing.state_text}"
            self.progress.set(row, "done", "list", existing.state_text)
            return
        ledger.mark_candidate(job.ledger_id, "in_progress", "logged_in", run_id=run_id)
        _crash_point("logged-in")
        out.step = "register"
        await runner.run(self.flows["open-plan"], ctx=ctx, env=ctx.env)
        await runner.run(self.flows["register"], ctx=ctx, env=ctx.env)
        ledger.mark_candidate(job.ledger_id, "in_progress", "preview", run_id=run_id)
        _crash_point("preview")
        out.step = "preview"
        self.progress.start(row, "preview check")
        shot = run_dir / f"{tag}-preview.png"
        await page.screenshot(path=str(shot), full_page=True)
        out.preview = shot
        ledger.add_artifact(run_id, job.ledger_id, "preview", shot)
        shown = await read_preview(page)
        expected = expected_preview(job.candidate, self.plan, self.flows["register"])
        differences = compare_preview(expected, shown)
        if differences:
            out.outcome, out.differences = Outcome.MISMATCH, [tuple(map(str, d)) for d in differences]  # type: ignore[misc]
            out.message = (
                f"{len(differences)} value(s) on the preview differ from the profile; nothing submitted"
            )
            ledger.mark_candidate(job.ledger_id, "mismatch", "preview", message=out.message, run_id=run_id)
            self.progress.set(row, "failed", "preview", "mismatch")
            return
        self.progress.set(row, "waiting", "confirm")
        if not await self._confirm(job):
            out.outcome, out.message = Outcome.SKIPPED, "not confirmed: nothing submitted (rerun to continue)"
            ledger.mark_candidate(job.ledger_id, "waiting", "preview", message=out.message, run_id=run_id)
            self.progress.set(row, "failed", "confirm", "not confirmed")
            return
        check = await context.new_page()
        try:
            again = self._existing(await self._read_list(check))
        finally:
            await check.close()
        if again is not None and again.state_text in SUBMITTED_TEXTS:
            ledger.mark_candidate(
                job.ledger_id, "submitted", "submitted", message=again.state_text, run_id=run_id
            )
            out.outcome, out.message = Outcome.ALREADY_SUBMITTED, f"on the site: {again.state_text}"
            self.progress.set(row, "done", "list", again.state_text)
            return
        self.progress.start(row, "submit")
        out.step = "submit"
        ledger.mark_candidate(job.ledger_id, "submitting", "submitting", run_id=run_id)
        await runner.run(self.flows["submit"], ctx=ctx, env=ctx.env)
        _crash_point("submitted-before-ledger")
        after = self._existing(await self._read_list(page))
        if after is None or after.state_text not in SUBMITTED_TEXTS:
            shown_state = after.state_text if after else "no application"
            raise PortalError(f"提交 was clicked but the list shows {shown_state}")
        ledger.mark_candidate(
            job.ledger_id, "submitted", "submitted", message=after.state_text, run_id=run_id
        )
        await save_storage_state(context, state_file)
        out.outcome, out.message = Outcome.SUBMITTED, f"on the site: {after.state_text}"
        self.progress.set(row, "done", "submitted", after.state_text)

    async def _candidate(
        self,
        job: Job,
        browser: AsyncBrowser,
        ledger: Ledger,
        run_id: int,
        run_dir: Path,
        slots: asyncio.Semaphore,
    ) -> None:
        out = job.outcome
        async with slots:
            started = time.monotonic()
            for attempt in range(1, self.options.attempts + 1):
                try:
                    await self._attempt(job, browser, ledger, run_id, run_dir)
                    break
                except (DataError, ConfigError) as exc:  # bad data, or a login set-up to fix
                    out.outcome, out.message = Outcome.DATA_ERROR, mask_text(str(exc))
                except HumanStepTimeoutError as exc:
                    out.outcome, out.message = Outcome.WAITING, mask_text(str(exc))
                except FlowError as exc:
                    out.outcome, out.message = Outcome.FLOW_ERROR, mask_text(str(exc))
                except PortalError as exc:
                    out.outcome, out.message = Outcome.PORTAL_ERROR, mask_text(str(exc))
                    if attempt < self.options.attempts:
                        delay = min(30.0, 2.0**attempt) * (0.5 + random.random() / 2)
                        self.progress.set(job.row, "waiting", None, f"retry {attempt + 1} in {delay:.0f}s")
                        logger.info("{}: {} — retrying in {:.1f}s", job.candidate.name, exc, delay)
                        await asyncio.sleep(delay)
                        continue
                ledger.mark_candidate(job.ledger_id, "failed", None, message=out.message, run_id=run_id)
                self.progress.set(job.row, "failed", None, out.outcome.value)
                break
            out.elapsed = time.monotonic() - started

    async def _resolve_plan(self, browser: AsyncBrowser, selector: Any) -> dict[str, Any]:
        """The plan this cohort registers for; searched on the public pages when no plan_code is given."""
        plan: dict[str, Any] = selector.model_dump(exclude_none=True)
        if plan.get("plan_code"):
            return plan
        from portal_bot.portal.plans import resolve_plan, search_plans

        context = await new_context(browser)
        try:
            page = await context.new_page()
            rows = await search_plans(
                page,
                self.options.portal_url,
                keyword=selector.organization,
                occupation=selector.occupation,
                work_type=selector.work_type,
                level=selector.level,
                city=selector.city,
                district=selector.district,
            )
        finally:
            await context.close()
        row = resolve_plan(selector, rows, datetime.now().astimezone())
        plan.update(plan_code=row.plan_code, name=row.name)
        self.console.print(f"plan: {row.plan_code} {row.name}")
        return plan

    async def run_async(self) -> RunResult:
        from portal_bot.profiles import load_cohort

        cohort = load_cohort(self.cohort_dir)
        self._load_flows()
        if self.options.simulate_human:
            self.qa = qa_client(self.options.portal_url, self.options.qa_token)
        results = [r for r in validate_cohort(self.cohort_dir) if _matches(r, self.options.only)]
        if not results:
            raise ConfigError(
                f"no candidate in {self.cohort_dir} matches --only {' '.join(self.options.only)}"
            )
        jobs = [Job(r, self.progress.add(r.name), _outcome_for(r)) for r in results]
        runnable = self._prepare(jobs)
        self.settings.ensure_state_dir()
        started = datetime.now().astimezone()
        with Ledger.open(self.settings.ledger_path) as ledger, ExitStack() as stack:
            run_id = ledger.start_run(
                str(self.cohort_dir), self.options.portal_url, {"concurrency": self.options.concurrency}
            )
            run_dir = self.settings.runs_dir / str(run_id)
            run_dir.mkdir(parents=True, exist_ok=True)
            todo: list[Job] = []
            for job in runnable:
                job.ledger_id = ledger.ensure_candidate(
                    cohort.dir.name, job.candidate.id_number, job.candidate.name
                )
                if ledger.is_finished(job.ledger_id):
                    job.outcome.outcome = Outcome.ALREADY_SUBMITTED
                    job.outcome.message = "submitted in an earlier run (ledger)"
                    self.progress.set(job.row, "done", "ledger", "earlier run")
                else:
                    todo.append(job)
            if todo:
                loop = asyncio.get_running_loop()
                if self.options.desk:
                    desk = Desk(self.relay, loop, self.progress.desk_rows)
                    url = stack.enter_context(serve_desk(desk))
                    self.console.print(f"desk page: {url}")
                choice = find_browser()
                if choice is None:
                    raise BrowserUnavailableError("no Chromium found", hint="run `portal-bot browser ensure`")
                async with async_playwright() as p:
                    browser = await p.chromium.launch(
                        **launch_options(choice, headless=not self.options.headed)
                    )
                    try:
                        self.plan = await self._resolve_plan(browser, cohort.plan)
                        slots = asyncio.Semaphore(
                            effective_concurrency(self.options.concurrency, self.options.portal_url)
                        )
                        with self.progress.live(self.console):
                            await asyncio.gather(
                                *(self._candidate(j, browser, ledger, run_id, run_dir, slots) for j in todo)
                            )
                        self.console.print()
                    finally:
                        await browser.close()
            outcomes = [j.outcome for j in jobs]
            ledger.finish_run(run_id, "ok" if all(o.ok for o in outcomes) else "incomplete")
        save_outcomes(run_dir, run_id, str(self.cohort_dir), self.options.portal_url, started, outcomes)
        info = RunInfo(
            run_id, str(self.cohort_dir), self.options.portal_url, started, datetime.now().astimezone()
        )
        html, xlsx = write_report(info, outcomes, run_dir / "report")
        return RunResult(run_id, outcomes, html, xlsx)


def register_cohort(
    cohort_dir: Path, options: RegisterOptions, settings: Settings, console: Console
) -> RunResult:
    """Run a whole registration (synchronous entry point for the CLI)."""
    return asyncio.run(Registration(cohort_dir, options, settings, console).run_async())
