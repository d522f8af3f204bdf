"""Registering a cohort: validate, prepare, then walk each candidate through the site.

:func:`register_cohort` is ``portal-bot register`` as a function: the CLI parses its options and
calls it 1:1. It never prints a table or asks on its own: the console (news, relayed QR codes),
the way to ask a person (``ask``) and the progress view are passed in. The run layer
(:mod:`portal_bot.cohortrun`) chooses and launches the browser, isolates each candidate and
resolves the plan; one candidate's walk is :mod:`.walk`. Whatever happens to a candidate, the run
is finished in the ledger and the report is written.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from rich.console import Console

from portal_bot.cohortrun.accounts import qa_client
from portal_bot.cohortrun.each import for_each
from portal_bot.cohortrun.identity import cohort_id, cohort_key
from portal_bot.cohortrun.launch import LaunchAhead, launch_ahead
from portal_bot.cohortrun.lock import cohort_lock
from portal_bot.cohortrun.plans import cohort_plan
from portal_bot.cohortrun.politeness import HostLimiter, Politeness, effective_concurrency, is_loopback
from portal_bot.cohortrun.relay import Relay
from portal_bot.cohortrun.retry import REGISTER_RETRY, RetryPolicy
from portal_bot.cohortrun.sessions import session_file
from portal_bot.console import plain
from portal_bot.errors import ConfigError, PortalUnreachableError, StateError
from portal_bot.flows.steps import Flow, load_flow
from portal_bot.i18n import _, ngettext
from portal_bot.ledger import Ledger
from portal_bot.portal.sandbox import sandbox
from portal_bot.privacy import mask_id, mask_text
from portal_bot.profiles import CandidateResult, validate_cohort
from portal_bot.profiles.loader import Cohort
from portal_bot.recording.recorder import Recorder
from portal_bot.recording.snapshot import personal_texts
from portal_bot.register.desk import Desk, serve_desk
from portal_bot.register.listing import ListReader, quiet
from portal_bot.register.outcome import CandidateOutcome, Outcome, RunInfo, save_outcomes
from portal_bot.register.progress import Progress
from portal_bot.register.report import write_report
from portal_bot.register.takeover import AskDone, Takeovers
from portal_bot.register.walk import NOT_ATTEMPTED, Ask, Job, Walker, from_ledger, not_attempted
from portal_bot.settings import Settings
from portal_bot.spreadsheet import preload as preload_xlsx

ConfirmMode = Literal["prompt", "auto"]
FLOW_NAMES = ("login", "open-plan", "register", "submit")


@dataclass(frozen=True)
class RegisterOptions:
    """What `portal-bot register` was asked to do (the keyword arguments of :func:`register_cohort`)."""

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
    keep_unmasked_evidence: bool = False
    record: Path | None = None


@dataclass
class RunResult:
    run_id: int
    outcomes: list[CandidateOutcome]
    report_html: Path
    report_xlsx: Path
    recording: Path | None = None  # --record DIR
    suggested_patch: Path | None = None  # what people did by hand, as a flow patch (--headed)

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


def load_flows(flows_dir: Path | None) -> dict[str, Flow]:
    """The four registration flows (the preview is checked against register's fill_form steps)."""
    from portal_bot.portal.flows import shipped_flows_dir

    folder = flows_dir or shipped_flows_dir()
    flows: dict[str, Flow] = {}
    for name in FLOW_NAMES:
        path = folder / f"{name}.yaml"
        if not path.exists():
            raise ConfigError(
                _("flow {} is missing").format(path),
                hint=_("point --flows at a folder with the shipped flows"),
            )
        flows[name] = load_flow(path)
    return flows


class Registration:
    """One `portal-bot register` run."""

    def __init__(
        self,
        settings: Settings,
        cohort_dir: Path,
        options: RegisterOptions,
        *,
        console: Console,
        ask: Ask | None,
        progress: Progress,
        ask_done: AskDone | None = None,
    ) -> None:
        if options.confirm == "auto" and not (
            is_loopback(options.portal_url) or options.allow_auto_confirm_real
        ):
            raise ConfigError(
                _(
                    "--confirm auto submits with no person approving; it is allowed only against the mock portal"  # noqa: E501
                ),
                hint=_("use --confirm prompt, or add --i-accept-auto-submit to take responsibility"),
            )
        if options.confirm == "prompt" and ask is None and not options.desk:
            raise ConfigError(
                _("nobody can approve a 提交: give a way to ask (ask=…), the desk page, or confirm auto")
            )
        self.cohort_dir = cohort_dir
        self.options = options
        self.settings = settings
        self.console = console
        self.ask = ask
        self.ask_done = ask_done
        self.progress = progress
        self.takeovers: Takeovers | None = None
        self.relay = Relay(console)
        self.flows: dict[str, Flow] = {}
        self.qa: Any = None
        self.unreachable: PortalUnreachableError | None = None  # nothing answered: the run stopped
        self.recorder: Recorder | None = None
        self.ahead: LaunchAhead  # the browser, launched while the data is checked (run)
        self.checked: list[CandidateResult] | None = None  # validate_cohort's results (run)
        self.retry = RetryPolicy(
            attempts=options.attempts, delay=REGISTER_RETRY.delay, max_delay=REGISTER_RETRY.max_delay
        )

    # ------------------------------------------------------------------ preparation (no browser)

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
                    f"{first.field}: {first.message}" if first else _("invalid profile")
                )
                self.progress.set(job.row, "failed", "validate", "profile has errors")
        if not ready:
            return []
        self.console.print(_("preparing documents …"))
        manifest = prepare_cohort(self.cohort_dir, jobs=self.options.jobs, checked=self.checked)
        runnable = []
        for job in ready:
            entry = manifest.entry_for(job.result.file)
            if entry is None or not entry.ok:
                job.outcome.outcome = Outcome.DATA_ERROR
                job.outcome.step = "prepare"
                job.outcome.message = mask_text("; ".join(entry.problems) if entry else _("not prepared"))
                self.progress.set(job.row, "failed", "prepare", "documents")
                continue
            job.prepared = {
                "photo": str(entry.photo) if entry.photo else None,
                "materials": str(entry.materials) if entry.materials else None,
                "evidence": str(entry.evidence) if entry.evidence else None,
            }
            job.outcome.bundle_sha256 = entry.materials_sha256 or ""
            job.outcome.photo_sha256 = entry.photo_sha256 or ""
            job.outcome.photo = entry.photo
            runnable.append(job)
        return runnable

    def _todo(self, runnable: list[Job], cohort: Cohort, ledger: Ledger) -> list[Job]:
        """Every job: the site is read before the ledger is trusted (a submitted application may have
        been returned for changes since); without a saved login the ledger is trusted."""
        todo: list[Job] = []
        key = cohort_key(cohort, ledger)  # never the folder's name: two cohorts can share it
        for job in runnable:
            job.ledger_id = ledger.ensure_candidate(key, job.candidate.id_number, job.candidate.name)
            job.earlier = ledger.is_finished(job.ledger_id)
            saved = session_file(self.settings, ledger, self.options.portal_url, job.candidate.id_number)
            if job.earlier and not saved.exists():
                from_ledger(job, self.progress)
            else:
                todo.append(job)
        return todo

    # ------------------------------------------------------------------ the browser part

    async def _walk_all(
        self,
        ahead: LaunchAhead,
        cohort: Cohort,
        todo: list[Job],
        ledger: Ledger,
        run_id: int,
        run_dir: Path,
    ) -> None:
        limiter = HostLimiter(Politeness.for_url(self.options.portal_url))
        with ExitStack() as stack:
            if self.options.desk:
                desk = Desk(self.relay, asyncio.get_running_loop(), self.progress.desk_rows)
                url = stack.enter_context(serve_desk(desk))
                self.console.print(plain(_("desk page: {}").format(url)))
                if self.options.confirm == "prompt":
                    moved = _("approval of each 提交 has moved to the desk page: open {}")
                    self.console.print(plain(moved.format(url)))
            async with ahead.launched() as browser, AsyncExitStack() as later:
                try:
                    plan = await cohort_plan(
                        browser, cohort.plan, self.options.portal_url, limiter, open_now=True
                    )
                except PortalUnreachableError as exc:
                    self.unreachable = exc
                    for job in todo:
                        not_attempted(job, exc, ledger, run_id, self.progress)
                    return
                if not cohort.plan.plan_code:
                    self.console.print(plain(f"plan: {plan['plan_code']} {plan['name']}"))
                self.takeovers = self._takeovers(ledger, run_id, run_dir)
                concurrency = effective_concurrency(self.options.concurrency, self.options.portal_url)
                # the list's reader pages open while the first candidate logs in
                readers = quiet(
                    asyncio.ensure_future(later.enter_async_context(sandbox(browser, concurrency)))
                )
                walker = Walker(
                    browser=browser,
                    settings=self.settings,
                    ledger=ledger,
                    run_id=run_id,
                    run_dir=run_dir,
                    portal_url=self.options.portal_url,
                    plan=plan,
                    flows=self.flows,
                    progress=self.progress,
                    relay=self.relay,
                    limiter=limiter,
                    retry=self.retry,
                    confirm_auto=self.options.confirm == "auto",
                    ask=None if self.options.desk else self.ask,
                    simulate_human=self.options.simulate_human,
                    qa=self.qa,
                    human_timeout=self.options.human_timeout,
                    keep_unmasked=self.options.keep_unmasked_evidence,
                    recorder=self.recorder,
                    takeovers=self.takeovers,
                    lists=ListReader(self.options.portal_url, limiter, readers),
                )
                with self.progress.showing():
                    await for_each(
                        todo,
                        walker.candidate,
                        concurrency=concurrency,
                        crashed=walker.crashed,
                    )
                self.unreachable = walker.unreachable

    def _takeovers(self, ledger: Ledger, run_id: int, run_dir: Path) -> Takeovers | None:
        """A person may do a site-mismatched step in a window they see (--headed), answering on the
        desk page or in the terminal; otherwise such a step fails at once."""
        if not self.options.headed or not (self.options.desk or self.ask_done):
            return None
        return Takeovers(
            self.relay,
            ledger,
            run_id,
            run_dir,
            Path(self.flows["login"].path).parent.parent,
            console=self.console,
            progress=self.progress,
            ask=None if self.options.desk else self.ask_done,
            timeout=self.options.human_timeout,
        )

    def run(self, ahead: LaunchAhead | None = None) -> RunResult:
        """The run, on ``ahead``'s browser when the caller launched it already (see
        :func:`launch_ahead`), else on one launched now."""
        if ahead is not None:
            self.ahead = ahead
            return self._checked_run()
        # Chromium starts while the data is checked and the ledger set up; only the walk opens a
        # page, so a data error still stops the run before anything contacts the site
        with launch_ahead(self.settings, headed=self.options.headed) as ahead:
            self.ahead = ahead
            return self._checked_run()

    def _checked_run(self) -> RunResult:
        from portal_bot.profiles import load_cohort

        cohort = load_cohort(self.cohort_dir)
        self.flows = load_flows(self.options.flows_dir)
        if self.options.simulate_human:
            self.qa = qa_client(self.options.portal_url, self.options.qa_token)
        everyone = self.checked = validate_cohort(self.cohort_dir)  # prepare reuses it
        results = [r for r in everyone if _matches(r, self.options.only)]
        if not results:
            raise ConfigError(
                _("no candidate in {folder} matches --only {only}").format(
                    folder=self.cohort_dir, only=" ".join(self.options.only)
                )
            )
        self.settings.ensure_state_dir()
        try:
            # one run per cohort at a time (register or status): a second one is refused at once
            with cohort_lock(self.settings.state_dir, cohort_id(cohort.dir), purpose="register run"):
                if self.options.record is not None:  # every name of the cohort is masked in every page
                    self.recorder = Recorder(
                        self.options.record,
                        made_by="register",
                        site=self.options.portal_url,
                        names=[t for r in everyone if r.candidate for t in personal_texts(r.candidate)],
                    )
                try:
                    return self._run(cohort, results)
                finally:
                    if self.recorder is not None:
                        self.recorder.save()
        finally:
            if self.qa is not None:  # its connections, when called from code that goes on running
                self.qa.close()

    def _run(self, cohort: Cohort, results: list[CandidateResult]) -> RunResult:
        jobs = [Job(r, self.progress.add(r.name), _outcome_for(r)) for r in results]
        runnable = self._prepare(jobs)
        started = datetime.now().astimezone()
        with Ledger.open(self.settings.ledger_path) as ledger:
            run_id = ledger.start_run(
                str(self.cohort_dir), self.options.portal_url, {"concurrency": self.options.concurrency}
            )
            run_dir = self.settings.runs_dir / str(run_id)
            run_dir.mkdir(parents=True, exist_ok=True)
            if os.name == "posix":  # evidence about people: the state folder's privacy, kept if moved
                for folder in (self.settings.runs_dir, run_dir):
                    folder.chmod(0o700)
            state = "failed"  # until every candidate has an outcome
            try:
                todo = self._todo(runnable, cohort, ledger)
                if todo:
                    preload_xlsx()  # the report's writer loads while the browser works
                    ahead = self.ahead
                    ahead.run(lambda: self._walk_all(ahead, cohort, todo, ledger, run_id, run_dir))
                    self.console.print()
                state = "ok" if all(j.outcome.ok for j in jobs) else "incomplete"
                if self.unreachable is not None:
                    state = "site unreachable"
            finally:
                try:
                    ledger.finish_run(run_id, state)
                except StateError as exc:  # the report below is written whatever the ledger says
                    self.console.print(plain(_("the ledger could not record the run's end: {}").format(exc)))
        outcomes = [j.outcome for j in jobs]
        save_outcomes(run_dir, run_id, str(self.cohort_dir), self.options.portal_url, started, outcomes)
        info = RunInfo(
            run_id, str(self.cohort_dir), self.options.portal_url, started, datetime.now().astimezone()
        )
        html, xlsx = write_report(info, outcomes, run_dir / "report")
        if self.unreachable is not None:  # one line for the run, not one error per candidate
            left = sum(1 for o in outcomes if o.message.startswith(_(NOT_ATTEMPTED)))
            raise PortalUnreachableError(
                ngettext(
                    "site unreachable: {why}; the run stopped, {n} candidate not attempted",
                    "site unreachable: {why}; the run stopped, {n} candidates not attempted",
                    left,
                ).format(why=self.unreachable.message, n=left),
                hint=_("{}; rerun when the site answers. Report: {}").format(self.unreachable.hint, html),
            )
        patch = self.takeovers.patch if self.takeovers is not None and self.takeovers.written else None
        return RunResult(run_id, outcomes, html, xlsx, recording=self.options.record, suggested_patch=patch)


def register_cohort(
    settings: Settings,
    cohort_dir: Path,
    *,
    portal_url: str,
    concurrency: int = 2,
    headed: bool = False,
    confirm: ConfirmMode = "prompt",
    allow_auto_confirm_real: bool = False,
    only: tuple[str, ...] = (),
    simulate_human: bool = False,
    qa_token: str | None = None,
    desk: bool = False,
    flows_dir: Path | None = None,
    human_timeout: float = 600.0,
    attempts: int = 3,
    jobs: int | None = None,
    keep_unmasked_evidence: bool = False,
    record: Path | None = None,
    console: Console | None = None,
    ask: Ask | None = None,
    progress: Progress | None = None,
    ask_done: AskDone | None = None,
    ahead: LaunchAhead | None = None,
) -> RunResult:
    """Register every candidate of a cohort: ``portal-bot register``, one keyword per option.

    Args:
        settings: where the ledger, sessions and runs live, and which Chromium to prefer.
        cohort_dir: ``cohort.yaml`` plus one YAML file per candidate.
        portal_url: the portal's base URL.
        concurrency .. jobs: as the command's options of the same names (``--flows`` is ``flows_dir``,
            ``--i-accept-auto-submit`` is ``allow_auto_confirm_real``).
        keep_unmasked_evidence: also keep each preview unmasked (0600, ``runs/N/unmasked/``, never
            in a report); ``--keep-unmasked-evidence``.
        record: save every page the flows run on (and where a step failed) into this new folder,
            masked (:mod:`portal_bot.recording`); ``--record DIR``.
        console: where news lines and relayed QR codes go (default: nowhere).
        ask: a blocking yes/no question to the person approving each 提交 (``confirm="prompt"``
            needs it unless ``desk`` is set).
        progress: the per-candidate progress rows; the caller decides whether it is shown live.
        ask_done: with ``headed``, a blocking question to the person doing a site-mismatched step by
            hand: True once done, False to give up (the desk page answers instead with ``desk``).
            Without either, such a step fails at once as a site mismatch.
        ahead: the run's browser, launched by the caller with :func:`launch_ahead` (the command
            starts it before this module is even imported); None launches one here.

    Returns:
        The run's number, every candidate's outcome, and the report's paths.

    Raises:
        ConfigError, ProfileError: bad options, a broken ``cohort.yaml``, or a plan not found.
        BrowserUnavailableError: no Chromium, or it would not start.
        PortalUnreachableError: nothing answered at ``portal_url``; every candidate not done by then is
            marked as not attempted in the ledger and the report, which are written first.
        StateError: the ledger or the state folder cannot be used.
    """
    options = RegisterOptions(
        portal_url=portal_url.rstrip("/"),
        concurrency=concurrency,
        headed=headed,
        confirm=confirm,
        allow_auto_confirm_real=allow_auto_confirm_real,
        only=tuple(only),
        simulate_human=simulate_human,
        qa_token=qa_token,
        desk=desk,
        flows_dir=flows_dir,
        human_timeout=human_timeout,
        attempts=attempts,
        jobs=jobs,
        keep_unmasked_evidence=keep_unmasked_evidence,
        record=record,
    )
    return Registration(
        settings,
        cohort_dir,
        options,
        console=console or Console(quiet=True),
        ask=ask,
        progress=progress or Progress(),
        ask_done=ask_done,
    ).run(ahead)
