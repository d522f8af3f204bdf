"""One candidate's walk through the site, from the saved session to 提交 seen in the list.

Order of work for one candidate (each point is a safe place to stop and rerun from):
  1. the saved session, else the login flow (a person logs in; the session is saved 0600);
  2. the site's own application list: an application already submitted for this plan ends here,
     whatever the ledger says (a kill -9 between 提交 and the ledger write never causes a second one);
     one returned for changes (驳回修改) is reopened and resubmitted with 继续提交审核 (3 to 6 again,
     the same flows and the same checks; the ledger records the resubmission and the site's reason).
     A candidate the ledger knows as submitted is read from the site only with a saved login: without
     one the ledger is trusted (logging a person in just to look is not worth a QR scan);
  3. open-plan and register flows up to the preview (a draft on the site is continued, not duplicated);
  4. the preview read back and compared with the profile: any difference stops this candidate;
  5. a person approves (or --confirm auto, mock portal only unless explicitly allowed);
  6. the list checked once more, then 提交; the page the site returns says the new state.
The list is never loaded in the page the flows are on (:mod:`portal_bot.register.listing`: fetched
and read in the run's sandbox, else in a second page), so its reads run beside the flows where
nothing depends on them yet (issue 14): the one after login while open-plan finds the plan (its
answer is awaited before 马上报名), and with --confirm auto the one before 提交 while the preview
is photographed.
Data errors are never retried; portal errors are retried (:data:`~portal_bot.cohortrun.retry.REGISTER_RETRY`),
each attempt resuming from the site's own state. This module never submits without step 4 and 5.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger

from portal_bot.browser import AsyncBrowser, AsyncBrowserContext, AsyncPage, new_context, save_storage_state
from portal_bot.cohortrun.accounts import ensure_simulated_account, password_for
from portal_bot.cohortrun.each import describe
from portal_bot.cohortrun.humans import Person, RelayedHumans, SimulatedHumans
from portal_bot.cohortrun.politeness import HostLimiter, be_polite
from portal_bot.cohortrun.relay import HumanTask, Relay
from portal_bot.cohortrun.retry import RetryPolicy
from portal_bot.cohortrun.sessions import session_file
from portal_bot.cohortrun.states import State, is_submitted, parse_state
from portal_bot.errors import (
    ConfigError,
    DataError,
    ExplainedError,
    FlowError,
    HumanStepTimeoutError,
    PortalError,
    PortalUnreachableError,
    SessionExpiredError,
    SiteMismatchError,
    StateError,
)
from portal_bot.flows.runner import FlowRunner, StepEvent
from portal_bot.flows.steps import Flow
from portal_bot.flows.values import Context
from portal_bot.i18n import N_, S_, _, ngettext
from portal_bot.i18n import english as in_english
from portal_bot.ledger import Ledger
from portal_bot.privacy import mask_name, mask_text
from portal_bot.profiles import CandidateResult
from portal_bot.profiles.models import Candidate
from portal_bot.recording.recorder import Recorder
from portal_bot.register.evidence import (
    born_on,
    failure_evidence,
    masked_screenshot,
    replacements,
    scrub_trace,
)
from portal_bot.register.listing import ListReader
from portal_bot.register.outcome import CandidateOutcome, Outcome
from portal_bot.register.progress import Progress, Row
from portal_bot.register.takeover import Takeovers
from portal_bot.settings import Settings

#: Fault injection for the crash tests: PORTAL_BOT_CRASH_AT=<point> kills this process (like kill -9)
#: at that point. Points: logged-in, preview, submitted-before-ledger.
CRASH_ENV = "PORTAL_BOT_CRASH_AT"

#: A blocking yes/no question to a person (the CLI passes the terminal's prompt).
Ask = Callable[[str], bool]


def _crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        logger.warning("crash point {} reached: killing this process", name)
        if hasattr(signal, "SIGKILL"):
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(137)


@dataclass
class Job:
    """One candidate's work in this run."""

    result: CandidateResult
    row: Row
    outcome: CandidateOutcome
    prepared: dict[str, str | None] = field(default_factory=dict)
    ledger_id: int = 0
    earlier: bool = False  # the ledger says an earlier run submitted it: the site says what is now

    @property
    def candidate(self) -> Candidate:
        assert self.result.candidate is not None
        return self.result.candidate


def from_ledger(job: Job, progress: Progress) -> None:
    """Trust the ledger: submitted in an earlier run, and no saved login to read the site with."""
    job.outcome.outcome = Outcome.ALREADY_SUBMITTED
    job.outcome.message = _("submitted in an earlier run (ledger); no saved login to read the site with")
    progress.set(job.row, "done", "ledger", "earlier run")


#: How a candidate left alone because the site cannot be reached starts its message (English, as
#: the ledger keeps it; ``_(NOT_ATTEMPTED)`` in the outcome people read).
NOT_ATTEMPTED = N_("not attempted: site unreachable")


def not_attempted(
    job: Job, why: PortalUnreachableError, ledger: Ledger, run_id: int, progress: Progress
) -> None:
    """A candidate left alone because nothing answers at the portal (the run reports that once)."""
    out = job.outcome
    out.outcome, out.message = Outcome.SKIPPED, mask_text(f"{_(NOT_ATTEMPTED)} — {why.message}")
    if not job.earlier:
        english = mask_text(f"{NOT_ATTEMPTED} — {in_english(why.message)}")
        ledger.mark_candidate(job.ledger_id, "failed", None, message=english, run_id=run_id)
    progress.set(job.row, "failed", None, "site unreachable")


@dataclass
class Walker:
    """Walks candidates through the site for one run: everything a walk needs, shared by all."""

    browser: AsyncBrowser
    settings: Settings
    ledger: Ledger
    run_id: int
    run_dir: Path
    portal_url: str
    plan: Mapping[str, Any]
    flows: Mapping[str, Flow]
    progress: Progress
    relay: Relay
    limiter: HostLimiter
    retry: RetryPolicy
    confirm_auto: bool = False
    ask: Ask | None = None
    simulate_human: bool = False
    qa: Any = None
    human_timeout: float = 600.0
    keep_unmasked: bool = False  # --keep-unmasked-evidence: an unmasked preview too, never linked
    recorder: Recorder | None = None  # --record DIR: every page the flows run on, one folder per run
    takeovers: Takeovers | None = None  # --headed: a person does a site-mismatched step by hand
    #: How 我的技能评价报名 is read (register/listing.py): the run's sandbox, else pages.
    lists: ListReader | None = None
    #: Set once a candidate found that nothing answers at the portal: the run stops there.
    unreachable: PortalUnreachableError | None = None

    # ------------------------------------------------------------------ one candidate, with retries

    async def candidate(self, job: Job) -> CandidateOutcome:
        """Walk one candidate, retrying portal errors; the outcome is also left in ``job.outcome``."""
        out = job.outcome
        started = time.monotonic()
        try:
            for attempt in range(1, self.retry.attempts + 1):
                if self.unreachable is not None:  # another candidate found the site gone: stop
                    self.not_attempted(job, self.unreachable)
                    return out
                try:
                    await self._attempt(job, attempt)
                    return out
                except (DataError, ConfigError) as exc:  # bad data, or a login set-up to fix
                    out.outcome, out.message = Outcome.DATA_ERROR, mask_text(exc.said())
                except HumanStepTimeoutError as exc:
                    out.outcome, out.message = Outcome.WAITING, mask_text(exc.said())
                except SiteMismatchError as exc:  # waiting or retrying cannot bring the text
                    out.outcome, out.message = Outcome.SITE_MISMATCH, mask_text(exc.said())
                except FlowError as exc:
                    out.outcome, out.message = Outcome.FLOW_ERROR, mask_text(exc.said())
                except PortalError as exc:
                    out.outcome, out.message = Outcome.PORTAL_ERROR, mask_text(exc.said())
                    if isinstance(exc, PortalUnreachableError) and not self.retry.again(attempt):
                        self.unreachable = self.unreachable or exc
                        self.not_attempted(job, self.unreachable)
                        return out
                    if self.retry.again(attempt):
                        delay = self.retry.wait(attempt)
                        said = f"{out.message} — " if isinstance(exc, ExplainedError) else ""
                        again = _("retry {n} in {delay:.0f}s").format(n=attempt + 1, delay=delay)
                        self.progress.set(job.row, "waiting", None, f"{said}{again}")
                        logger.info("{}: {} — retrying in {:.1f}s", job.candidate.name, exc, delay)
                        await asyncio.sleep(delay)
                        continue
                self.failed(job)
                return out
            return out
        finally:
            out.elapsed = time.monotonic() - started

    def crashed(self, job: Job, exc: Exception) -> CandidateOutcome:
        """The outcome of a candidate whose walk raised something no one expected (never retried)."""
        job.outcome.outcome, job.outcome.message = Outcome.ERROR, describe(exc)
        self.failed(job)
        return job.outcome

    def not_attempted(self, job: Job, why: PortalUnreachableError) -> None:
        not_attempted(job, why, self.ledger, self.run_id, self.progress)

    def failed(self, job: Job) -> None:
        """The ledger keeps the message's English (a :class:`~portal_bot.i18n.Said`'s); people read theirs."""
        out = job.outcome
        if not job.earlier:  # a failed look at an application submitted earlier leaves it submitted
            try:
                self.ledger.mark_candidate(
                    job.ledger_id, "failed", None, message=in_english(out.message), run_id=self.run_id
                )
            except StateError as exc:  # a ledger busy past its timeout: this candidate fails, the run goes on
                out.message = _("{} (not recorded in the ledger: {})").format(out.message, exc)
        self.progress.set(job.row, "failed", None, out.outcome.value)

    # ------------------------------------------------------------------ one attempt

    def _person(self, job: Job) -> Person:
        account = job.candidate.account
        username = account.username if account and account.username else None
        if username is None and self.simulate_human:
            username = "sim-" + self.ledger.candidate_key(job.candidate.id_number)[:12]
        return Person(job.candidate.name, username, str(self.plan.get("plan_code", "")))

    async def _attempt(self, job: Job, attempt: int = 1) -> None:
        person = self._person(job)
        password = password_for(job.candidate, job.result.file.name, simulate=self.simulate_human)
        if self.simulate_human:
            assert person.username is not None
            password = await asyncio.to_thread(
                ensure_simulated_account, self.qa, job.candidate, person.username, password
            )
        humans = (
            SimulatedHumans(self.qa, self.portal_url, person)
            if self.simulate_human
            else RelayedHumans(self.relay, person)
        )
        state_file = session_file(self.settings, self.ledger, self.portal_url, job.candidate.id_number)
        context = await new_context(self.browser, storage_state=state_file)
        await be_polite(context, self.limiter)
        # No screencast at all: pixels cannot be scrubbed of ID numbers, the DOM snapshots (text) can
        # (issue 13); that also saves the ~0.6 s a candidate the screencast cost (issue 14). DOM
        # snapshots (and the network log, which Playwright ties to them) only on a retry: they are
        # most of the trace's cost, and any failure keeps its page anyway (failure_evidence). The
        # first attempt's actions-only trace costs about what no trace does (docs/benchmarks.md, G).
        await context.tracing.start(screenshots=False, snapshots=attempt > 1)
        keep_trace = False
        failure_page: Path | None = None
        page = await context.new_page()
        record = self.ledger.step_recorder(self.run_id, job.ledger_id)
        show = self.progress.observer(job.row)

        def observer(event: StepEvent) -> None:
            record(event)
            show(event)

        watcher = self.recorder.watch(page) if self.recorder is not None else None
        hands = self.takeovers.for_job(job) if self.takeovers is not None else None
        runner = FlowRunner(
            page,
            human=humans,
            observer=observer,
            base_url=self.portal_url,
            watcher=watcher,
            takeover=hands,
            human_timeout=self.human_timeout,
        )
        ctx = Context(
            candidate=job.candidate,
            plan=dict(self.plan),
            prepared=dict(job.prepared),
            env={"PASSWORD": password or ""},
        )
        tag = job.result.file.stem
        try:
            await self._walk(job, page, context, runner, ctx, state_file, tag)
        except Exception:  # any failure keeps its evidence: the page (screenshot, masked HTML), the trace
            cookies = [str(c.get("value", "")) for c in await context.cookies()]
            candidate = job.candidate
            born = born_on(candidate.birth_date)
            table = replacements(
                secrets=[password or "", *cookies],
                masked={
                    candidate.id_number: mask_text(candidate.id_number),
                    candidate.phone: mask_text(candidate.phone),
                    **{day: mask_name(day) for day in born},
                },
            )
            keep_trace = True
            shot, failure_page = await failure_evidence(
                page,
                self.run_dir / f"{tag}-failure.png",
                self.run_dir / f"{tag}-failure.html",
                table,
                names=born,
            )
            job.outcome.failure_screenshot = shot or job.outcome.failure_screenshot
            job.outcome.failure_page = failure_page or job.outcome.failure_page
            raise
        finally:
            if keep_trace:
                if failure_page is not None:
                    self.ledger.add_artifact(self.run_id, job.ledger_id, "page", failure_page)
                trace = self.run_dir / f"{tag}-trace.zip"
                raw = self.run_dir / f".{tag}-trace.raw.zip"  # never under the name a report links
                await context.tracing.stop(path=str(raw))
                await asyncio.to_thread(scrub_trace, raw, table, target=trace)
                job.outcome.trace = trace
                self.ledger.add_artifact(self.run_id, job.ledger_id, "trace", trace)
            else:
                await context.tracing.stop()
            runner.detach()
            await context.close()

    async def _open_plan(
        self, runner: FlowRunner, ctx: Context, listing: asyncio.Future[list[Any]]
    ) -> list[Any]:
        """open-plan while ``listing`` reads the list beside it; the list once both are done.

        open-plan only navigates (the search, the plan's page), so walking it before the list is
        known changes nothing on the site. If it fails, the list still has the first word: an
        application submitted earlier ends the candidate as it did before, whatever open-plan met.
        """
        try:
            await runner.run(self.flows["open-plan"], ctx=ctx, env=ctx.env)
        except Exception:
            try:
                apps = await listing
            except Exception:  # noqa: BLE001 - open-plan's error is the one to report
                apps = []
            existing = self._existing(apps)
            if existing is None or not is_submitted(existing.state_text):
                raise
            if parse_state(existing.state_text) is State.RETURNED:
                raise
            return apps
        except BaseException:  # cancelled, Ctrl-C: the read beside it goes too
            listing.cancel()
            raise
        return await listing

    def _existing(self, apps: list[Any]) -> Any | None:
        code = self.plan.get("plan_code")
        return next((a for a in apps if a.plan_code == code), None)

    def _already(self, job: Job, app: Any) -> None:
        self.ledger.mark_candidate(
            job.ledger_id, "submitted", "submitted", message=app.state_text, run_id=self.run_id
        )
        job.outcome.outcome = Outcome.ALREADY_SUBMITTED
        job.outcome.message = _("on the site: {}").format(app.state_text)
        self.progress.set(job.row, "done", "list", app.state_text)

    async def _approved(self, job: Job, page: AsyncPage, tag: str, shown: Any, returned: bool) -> bool:
        """The preview photographed (masked) and compared with the profile, then approved by a person
        (or --confirm auto); False, with the outcome recorded, when it differs or is not approved."""
        from portal_bot.portal.preview import compare_preview, expected_preview

        row, out, ledger, run_id = job.row, job.outcome, self.ledger, self.run_id
        shot = self.run_dir / f"{tag}-preview.jpg"  # JPEG: half a PNG's time for a full page (issue 14)
        unmasked = self.run_dir / "unmasked" / f"{tag}-preview.jpg" if self.keep_unmasked else None
        if unmasked is not None:
            unmasked.parent.mkdir(mode=0o700, exist_ok=True)
        await masked_screenshot(page, shot, unmasked=unmasked, names=born_on(job.candidate.birth_date))
        out.preview = shot
        ledger.add_artifact(run_id, job.ledger_id, "preview", shot)
        expected = expected_preview(job.candidate, dict(self.plan), self.flows["register"])
        differences = compare_preview(expected, shown)
        if differences:
            out.outcome, out.differences = Outcome.MISMATCH, [tuple(map(str, d)) for d in differences]  # type: ignore[misc]
            words = N_(
                "{} value(s) on the preview differ from the profile; nothing submitted"
            )  # ledger: English
            out.message = ngettext(
                "{} value on the preview differs from the profile; nothing submitted",
                "{} values on the preview differ from the profile; nothing submitted",
                len(differences),
            ).format(len(differences))
            message = words.format(len(differences))
            ledger.mark_candidate(job.ledger_id, "mismatch", "preview", message=message, run_id=run_id)
            self.progress.set(row, "failed", "preview", "mismatch")
            return False
        self.progress.set(row, "waiting", "confirm")
        if not await self._confirm(job, resubmit=returned):
            words = N_("not confirmed: nothing submitted (rerun to continue)")  # ledger: English
            out.outcome, out.message = Outcome.SKIPPED, _(words)
            ledger.mark_candidate(job.ledger_id, "waiting", "preview", message=words, run_id=run_id)
            self.progress.set(row, "failed", "confirm", "not confirmed")
            return False
        return True

    async def _confirm(self, job: Job, resubmit: bool = False) -> bool:
        if self.confirm_auto:
            return True
        verb = _("resubmit (继续提交审核) {}") if resubmit else _("plan {}")
        task = HumanTask(job.candidate.name, "confirm", detail=verb.format(self.plan.get("plan_code", "")))
        task.check = _("the preview shows the profile's values (read back and compared: no difference)")
        photo = job.prepared.get("photo")
        for name, file in (("preview", job.outcome.preview), ("photo", Path(photo) if photo else None)):
            if file is not None and file.is_file():
                task.evidence[name] = file
        if self.ask is None:  # the desk page decides
            return await self.relay.confirm(task, timeout=self.human_timeout)
        question = self.ask

        async def ask(text: str) -> bool:
            return await asyncio.to_thread(question, text)

        return await self.relay.confirm(task, ask=ask, timeout=self.human_timeout)

    async def _walk(
        self,
        job: Job,
        page: AsyncPage,
        context: AsyncBrowserContext,
        runner: FlowRunner,
        ctx: Context,
        state_file: Path,
        tag: str,
    ) -> None:
        from portal_bot.portal.preview import read_preview

        row, out, ledger, run_id = job.row, job.outcome, self.ledger, self.run_id
        apps: list[Any] | None = None
        lists = self.lists or ListReader(self.portal_url, self.limiter, None)
        side = lists.beside(page)
        if state_file.exists():
            self.progress.start(row, "session")
            try:
                apps = await side.read()
            except SessionExpiredError:
                apps = None
        if apps is None and job.earlier:
            from_ledger(job, self.progress)
            return
        if apps is None:
            self.progress.start(row, "login")
            out.step = "login"
            await runner.run(self.flows["login"], ctx=ctx, env=ctx.env)
            await save_storage_state(context, state_file)
            out.step = "register"
            apps = await self._open_plan(runner, ctx, side.read())  # the list is read beside open-plan
            planned = True
        else:
            planned = False
        existing = self._existing(apps)
        returned = existing is not None and parse_state(existing.state_text) is State.RETURNED
        if existing is not None and is_submitted(existing.state_text) and not returned:
            self._already(job, existing)
            return
        reason = ""
        if existing is not None and returned:
            job.earlier = False  # from here this run changes the application: the ledger follows it
            reason = mask_text(existing.reason)
            ledger.add_observation(job.ledger_id, existing.state_text, State.RETURNED.value, reason or None)
            self.progress.set(row, "working", "resubmit", f"驳回修改: {reason}")
        ledger.mark_candidate(job.ledger_id, "in_progress", "logged_in", run_id=run_id)
        _crash_point("logged-in")
        out.step = "register"
        if not planned:
            await runner.run(self.flows["open-plan"], ctx=ctx, env=ctx.env)
        side.open()  # while register runs: the check before 提交 finds its page ready, if it needs one
        await runner.run(self.flows["register"], ctx=ctx, env=ctx.env)
        ledger.mark_candidate(job.ledger_id, "in_progress", "preview", run_id=run_id)
        _crash_point("preview")
        out.step = "preview"
        self.progress.start(row, "preview check")
        shown = await read_preview(page)  # the real values, before the screenshot masks them a moment
        # no person to wait for (--confirm auto): the check before 提交 reads beside the screenshot
        check = side.read() if self.confirm_auto else None
        try:
            if not await self._approved(job, page, tag, shown, returned):
                return
            again = self._existing(await (check if check is not None else side.read()))
        finally:
            if check is not None:
                check.cancel()  # the preview differed, or something failed: the read is not needed
        if (
            again is not None
            and is_submitted(again.state_text)
            and not (returned and parse_state(again.state_text) is State.RETURNED)
        ):
            self._already(job, again)
            return
        self.progress.start(row, "submit")
        out.step = "submit"
        ledger.mark_candidate(job.ledger_id, "submitting", "submitting", run_id=run_id)
        done = await runner.run(self.flows["submit"], ctx=ctx, env=ctx.env)
        _crash_point("submitted-before-ledger")
        # the page the site returns after 提交 says the state: no third read of the list
        state = str(done.vars.get("state") or "")
        if not is_submitted(state) or parse_state(state) is State.RETURNED:
            raise PortalError(S_("提交 was clicked but the site shows {}").format(state or S_("no 报名状态")))
        if returned:
            words = N_("resubmitted after 驳回修改 (审核意见: {}); on the site: {}")  # ledger: English
            message = words.format(reason or "—", state)
            ledger.mark_candidate(job.ledger_id, "submitted", "resubmitted", message=message, run_id=run_id)
            out.outcome, out.message = Outcome.RESUBMITTED, _(words).format(reason or "—", state)
        else:
            ledger.mark_candidate(job.ledger_id, "submitted", "submitted", message=state, run_id=run_id)
            out.outcome, out.message = Outcome.SUBMITTED, _("on the site: {}").format(state)
        await save_storage_state(context, state_file)
        self.progress.set(row, "done", "resubmitted" if returned else "submitted", state)
