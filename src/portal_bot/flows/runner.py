"""Executes a compiled flow on a Playwright async page.

The runner walks the steps with a :class:`~portal_bot.flows.steps.Context`, reports every step to
an observer (started / finished / failed / skipped / retrying, with elapsed seconds), applies
per-step timeouts, retries ``retry`` blocks on portal errors with capped, jittered backoff, and
hands human steps to a :class:`~portal_bot.flows.human.HumanHandler`.

What the site does is turned into the error tree: Playwright timeouts → PortalTimeoutError, a page
saying 非法请求 → SessionExpiredError, a 5xx → PortalServerError, the site's own validation message
after a submit click (the flow's ``errors:`` selector/texts, or an ``alert()``) → SiteRejectedError.
The runner never decides whether to submit: flows say what to click, people approve.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import urljoin

from loguru import logger

from portal_bot.browser import AsyncPage, PlaywrightError, PlaywrightTimeoutError, unreachable
from portal_bot.cohortrun.retry import RetryPolicy
from portal_bot.errors import (
    ExplainedError,
    FlowError,
    HumanStepTimeoutError,
    PortalBotError,
    PortalError,
    PortalServerError,
    PortalTimeoutError,
    SessionExpiredError,
    SiteRejectedError,
)
from portal_bot.flows import locate, mismatch, registry, settle
from portal_bot.flows.human import HumanHandler, HumanRequest, find_qr
from portal_bot.flows.steps import (
    Click,
    Context,
    Expect,
    Expectation,
    Extract,
    Fail,
    FieldAction,
    FillForm,
    Flow,
    Goto,
    Human,
    Retry,
    RunFlow,
    RuntimeStep,
    StepArgs,
    Template,
    Tick,
    Where,
    as_text,
)
from portal_bot.flows.takeover import HandOver, Takeover
from portal_bot.privacy import mask_text

DEFAULT_TIMEOUT = 15.0
Status = Literal["started", "finished", "failed", "skipped", "retrying"]

#: A form control's value, or any other element's rendered text (what ``extract: {css:}`` reads).
_TEXT_OF_JS = "e => ['INPUT', 'TEXTAREA', 'SELECT'].includes(e.tagName) ? e.value : e.innerText"
#: The same text, or null while the element is not visible (Playwright's test: a box, not hidden).
_TEXT_IF_SHOWN_JS = f"""e => {{ const r = e.getBoundingClientRect();
  if (!r.width || !r.height || getComputedStyle(e).visibility === 'hidden') return null;
  return ({_TEXT_OF_JS})(e); }}"""


@dataclass(frozen=True)
class StepEvent:
    """Progress of one step, for progress bars and the ledger."""

    flow: str
    index: str  # "3", or "3.1" for the first step inside step 3 (retry, run_flow)
    description: str
    status: Status
    elapsed: float
    error: str | None = None


Observer = Callable[[StepEvent], None]


class StepWatcher(Protocol):
    """Called around each step that acts on a page (not ``retry``/``run_flow``: their inner steps
    are), with the error the step failed with: how ``register --record`` saves the pages it visits."""

    async def before(self, flow: Flow, step: RuntimeStep) -> None: ...

    async def after(self, flow: Flow, step: RuntimeStep, error: PortalBotError | None) -> None: ...


class _Stop(Exception):
    """A ``stop`` step ended the flow it is in."""


class FlowRunner:
    """Runs flows on one page. Create one per page (it listens to the page's dialogs).

    Args:
        page: the Playwright async page to drive.
        human: relays login / signature / confirm steps to a person.
        observer: called with a StepEvent at every step transition.
        base_url: relative ``goto`` URLs are joined to it.
        timeout: seconds per step when neither the step nor the flow says (default 15).
        rng: randomness for backoff jitter (tests pass a seeded one).
        sleep: how to wait between retries (tests pass a fake).
        watcher: told before and after each step (``register --record``).
        takeover: a person does a site-mismatched step by hand (``register --headed``); without it
            such a step fails at once.
        human_timeout: the most a human step waits for its person (``--human-timeout``), whatever
            the flow allows.
    """

    def __init__(
        self,
        page: AsyncPage,
        *,
        human: HumanHandler | None = None,
        observer: Observer | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        watcher: StepWatcher | None = None,
        takeover: Takeover | None = None,
        human_timeout: float | None = None,
    ) -> None:
        self.page = page
        self.watcher = watcher
        self.takeover = takeover
        self.human_timeout = human_timeout
        self.human = human
        self.observer = observer
        self.base_url = base_url
        self.timeout = timeout
        self.rng = rng or random.Random()
        self.sleep = sleep
        self._dialogs: list[str] = []
        self._submitted = False  # alert() texts count as rejections only after a submit click
        self._server_error: str | None = None  # a 5xx page that arrived, not yet reported
        self._server_error_seen = asyncio.Event()
        self._watching_responses = False  # subscribed in run(): the subscription needs the page's loop
        # ``extract: {css:}`` texts read since the last step that acted or waited: extracts in a row
        # (register.yaml's "which wizard step is this?" four) read one page state once
        self._shown: dict[str, str] = {}
        page.on("dialog", self._on_dialog)

    async def _on_dialog(self, dialog: Any) -> None:
        # alert() texts are kept for the submit check; confirm() is accepted, as a person clicking
        # 确定 would (approval is a human step before the click that raises it)
        self._dialogs.append(str(dialog.message))
        try:
            await dialog.accept()
        except Exception as exc:  # another listener handled it already
            logger.debug("dialog already handled: {}", exc)

    def _on_response(self, response: Any) -> None:
        # A 5xx page (after a click or a redirect, not only a goto) fails the running step at
        # once instead of letting it wait out its timeout on an error page.
        try:
            if (
                response.status >= 500
                and response.request.resource_type == "document"
                and response.frame == self.page.main_frame
            ):
                self._server_error = f"{response.url} answered {response.status}"
                self._server_error_seen.set()
        except Exception as exc:  # a response of a page being closed
            logger.debug("ignoring a response: {}", exc)

    def _take_server_error(self) -> str | None:
        error, self._server_error = self._server_error, None
        self._server_error_seen.clear()
        return error

    async def _race_server_error(self, action: Awaitable[None]) -> None:
        """Run a step's action; a 5xx page arriving meanwhile fails it with PortalServerError."""
        work = asyncio.ensure_future(action)
        alarm = asyncio.ensure_future(self._server_error_seen.wait())
        try:
            await asyncio.wait({work, alarm}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            alarm.cancel()
        if work.done():
            work.result()
            return
        work.cancel()
        try:
            await work
        except (asyncio.CancelledError, Exception) as exc:
            logger.debug("step cancelled after a 5xx page: {!r}", exc)
        raise PortalServerError(self._take_server_error() or "the site answered with a server error")

    def _timeout(self, flow: Flow) -> float:
        """Seconds per step: the flow's ``timeout:``, else the runner's, else 15."""
        return flow.timeout or self.timeout or DEFAULT_TIMEOUT

    def detach(self) -> None:
        """Stop listening to the page (before handing the page to another runner)."""
        self.page.remove_listener("dialog", self._on_dialog)
        if self._watching_responses:
            self.page.remove_listener("response", self._on_response)
            self._watching_responses = False
            settle.unwatch(self.page)

    async def run(
        self, flow: Flow, ctx: Context | None = None, env: Mapping[str, Any] | None = None
    ) -> Context:
        """Run ``flow`` to its end (or a ``stop``) and return the context with extracted ``vars``.

        Raises:
            PortalError: the site timed out, failed or dropped the session (retryable).
            SiteRejectedError: the site refused a value.
            HumanStepTimeoutError: a person did not finish in time.
            FlowError: the flow cannot run as written (undefined variable, missing label, …).
        """
        ctx = ctx if ctx is not None else Context()
        self._shown.clear()  # the page may have changed since the last flow (a list read, a person)
        if not self._watching_responses:
            self.page.on("response", self._on_response)
            self._watching_responses = True
            settle.watch(self.page)
        await self._run_flow(flow, ctx.child(self._env(flow, ctx, dict(env or {}))), "")
        return ctx

    def _env(self, flow: Flow, ctx: Context, given: dict[str, Any]) -> dict[str, Any]:
        env: dict[str, Any] = {}
        scope = ctx.child(env)
        for key, default in flow.env.items():
            if key in given:
                env[key] = given[key]
            elif default is not None:
                env[key] = default.value(scope)
            else:
                raise FlowError(f"env {key} is required by flow {flow.name}", path=flow.path)
        return env

    async def _run_flow(self, flow: Flow, ctx: Context, prefix: str) -> None:
        try:
            await self._steps(flow, flow.steps, ctx, prefix)
        except _Stop:
            pass

    async def _steps(self, flow: Flow, steps: tuple[RuntimeStep, ...], ctx: Context, prefix: str) -> None:
        for step in steps:
            index = f"{prefix}{step.index + 1}"
            if step.when is not None and not step.when.holds(ctx):
                self._emit(flow, index, step, "skipped", 0.0)
                continue
            if step.kind != "extract":  # acts on the page or waits for it to change
                self._shown.clear()
            watch = self.watcher if not registry.get(step.kind).maps_own_errors else None
            if watch is not None:
                await watch.before(flow, step)
            started = time.perf_counter()
            self._emit(flow, index, step, "started", 0.0)
            try:
                await self._step(flow, step, ctx, index)
            except _Stop:
                self._emit(flow, index, step, "finished", time.perf_counter() - started)
                raise
            except PortalBotError as exc:
                self._shown.clear()  # a retry reads the page afresh
                self._emit(flow, index, step, "failed", time.perf_counter() - started, str(exc))
                if watch is not None:
                    await watch.after(flow, step, exc)
                raise
            self._emit(flow, index, step, "finished", time.perf_counter() - started)
            if watch is not None:
                await watch.after(flow, step, None)

    def _emit(
        self,
        flow: Flow,
        index: str,
        step: RuntimeStep,
        status: Status,
        elapsed: float,
        error: str | None = None,
    ) -> None:
        logger.bind(flow=flow.name, step=index).debug("{} {} ({:.2f}s)", status, step.description, elapsed)
        if self.observer is not None:
            self.observer(StepEvent(flow.name, index, step.description, status, elapsed, error))

    async def _step(self, flow: Flow, step: RuntimeStep, ctx: Context, index: str) -> None:
        timeout = step.timeout or self._timeout(flow)
        kind = registry.get(step.kind)
        if kind.handle is None:
            raise RuntimeError(f"step kind {step.kind} has no handler registered")
        if kind.maps_own_errors:  # retry, run_flow: their inner steps map their own errors
            await kind.handle(self, flow, step, ctx, timeout, index)
            return
        action = kind.handle(self, flow, step, ctx, timeout, index)
        try:
            if kind.navigates:  # a new page: goto reads its own answer's status after it loaded
                self._take_server_error()
                await action
            else:
                await self._race_server_error(action)
        except locate.SessionGone:
            raise self._expired(step) from None
        except settle.Absent as exc:  # the page settled without the step's target
            await self._by_hand(exc, step, flow, ctx, index)
        except PlaywrightTimeoutError as exc:
            await self._check_page(flow, step)
            raise PortalTimeoutError(
                f"{step.description}: nothing came within {timeout:g}s on {self.page.url}",
                path=step.where.path,
                line=step.where.line,
            ) from exc
        except PortalTimeoutError as exc:
            await self._check_page(flow, step)
            if exc.path is None:
                raise type(exc)(
                    exc.message, path=step.where.path, line=step.where.line, field=exc.field
                ) from exc
            raise
        except PortalBotError as exc:
            if exc.path is None:  # raised by locate: say where in the flow
                raise type(exc)(
                    exc.message, path=step.where.path, line=step.where.line, field=exc.field, hint=exc.hint
                ) from exc
            raise
        except Exception as exc:
            if not type(exc).__module__.startswith("playwright"):
                raise
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            gone = unreachable(self.base_url or self.page.url, exc)
            if gone is not None:  # nothing answered: the site, not this flow file
                raise gone from exc
            if "strict mode violation" in message:
                raise FlowError(
                    f"{step.description}: several elements match", path=step.where.path, line=step.where.line
                ) from exc
            raise PortalError(
                f"{step.description}: {message}", path=step.where.path, line=step.where.line
            ) from exc

    async def _by_hand(
        self,
        absent: settle.Absent,
        step: RuntimeStep,
        flow: Flow,
        ctx: Context,
        index: str,
        value: Any = None,
    ) -> None:
        """A person does the step whose target is absent, if one may; else it is a site mismatch."""
        error = mismatch.site_mismatch(absent, step, flow)
        self._shown.clear()  # a person may change the page
        if self.takeover is None:
            raise error from None
        hand = HandOver.of(self.page, error, absent, step, ctx, flow=flow.name, index=index, value=value)
        if not await self.takeover(hand):
            raise error from None

    def _expired(self, step: RuntimeStep) -> SessionExpiredError:
        return SessionExpiredError(
            f"the site says 非法请求 at {step.description}: the session is gone",
            path=step.where.path,
            line=step.where.line,
            hint="log in again",
        )

    async def _check_page(self, flow: Flow, step: RuntimeStep) -> None:
        """Raise SessionExpiredError or SiteRejectedError when the page says so."""
        spec = flow.errors
        try:
            found = await self.page.evaluate(
                locate.PAGE_ERRORS_JS, [spec.selector if spec else None, list(spec.texts) if spec else []]
            )
        except Exception as exc:  # navigating away: nothing to read now
            logger.debug("cannot read the page after {}: {}", step.description, exc)
            return
        if found["expired"]:
            raise self._expired(step)
        messages = [e["text"] for e in found["errors"]]
        if spec is not None and spec.dialogs and self._submitted:
            messages += self._dialogs
        self._dialogs.clear()
        if messages:
            field = next((e["field"] for e in found["errors"] if e["field"]), None)
            raise SiteRejectedError(
                mask_text(" / ".join(dict.fromkeys(messages))),
                path=step.where.path,
                line=step.where.line,
                field=field,
                hint="fix the value in the candidate's profile",
            )

    # ------------------------------------------------------------------ steps
    # One handler per step kind, registered in flows/registry.py by the decorator.

    @registry.handler("goto", navigates=True)
    async def _do_goto(self, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str) -> None:
        url = _args(step, Goto).url.render(ctx)
        if self.base_url and not re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I):
            url = urljoin(self.base_url, url)
        try:
            response = await self.page.goto(url, timeout=timeout * 1000)
        except Exception as exc:
            # Playwright's driver now and then loses the reply to a new context's first navigation
            # ("Cannot find command to respond"); the navigation itself is a plain GET: do it again.
            if "Cannot find command to respond" not in str(exc):
                raise
            logger.debug("goto {} lost its reply ({}); navigating again", url, exc)
            response = await self.page.goto(url, timeout=timeout * 1000)
        if response is not None and response.status >= 500:
            self._take_server_error()
            raise PortalServerError(
                f"{url} answered {response.status}", path=step.where.path, line=step.where.line
            )
        if await self.page.evaluate(locate.EXPIRED_JS):
            raise locate.SessionGone()

    @registry.handler("click")
    async def _do_click(
        self, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
    ) -> None:
        args = _args(step, Click)
        target = args.target
        text = target.text.render(ctx) if target.text is not None else None
        if text is not None:
            loc = locate.clickable(self.page, text, target.role)
        else:
            loc = self.page.locator(target.css or "*").filter(visible=True)
        self._dialogs.clear()
        self._submitted = args.submit
        if text is not None:
            await settle.unless_absent(loc.click(timeout=timeout * 1000), self.page, text, target.role)
        else:
            await loc.click(timeout=timeout * 1000)
        if args.submit:
            await self.page.wait_for_load_state("domcontentloaded", timeout=timeout * 1000)
            await self._check_page(flow, step)

    async def _field(self, step: RuntimeStep, kind: str, value: Any, timeout: float) -> None:
        label = _args(step, FieldAction).target.field or ""
        if kind in ("select", "choose"):
            req = locate.Request(label, kind, option=as_text(value))
        elif kind == "check":
            req = locate.Request(label or "", kind, options=value)
        else:
            req = locate.Request(label, kind)
        (res,) = await locate.resolve(self.page, [req], timeout)
        await locate.act(self.page, req, res, value, timeout)

    @registry.handler("fill")
    async def _do_fill(self, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str) -> None:
        args = _args(step, FieldAction)
        value = args.value.render(ctx)
        css = args.target.css
        if css is not None:
            await self.page.locator(css).fill(value, timeout=timeout * 1000)
            return
        await self._field(step, "date" if args.date else "text", value, timeout)

    @registry.handler("select")
    async def _do_select(
        self, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
    ) -> None:
        args = _args(step, FieldAction)
        option = args.value.render(ctx)
        css = args.target.css
        if css is not None:
            await self.page.locator(css).select_option(label=option, timeout=timeout * 1000)
            return
        await self._field(step, "select", option, timeout)

    @registry.handler("choose")
    async def _do_choose(
        self, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
    ) -> None:
        args = _args(step, FieldAction)
        option = args.value.render(ctx)
        css = args.target.css
        if css is not None:
            await self.page.locator(css).check(timeout=timeout * 1000)
            return
        req = locate.Request(args.target.field or "", "choose", options=(option,))
        (res,) = await locate.resolve(self.page, [req], timeout)
        await locate.act(self.page, req, res, True, timeout)

    @registry.handler("upload")
    async def _do_upload(
        self, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
    ) -> None:
        args = _args(step, FieldAction)
        file = args.value.render(ctx)
        css = args.target.css
        if css is not None:
            await self.page.locator(css).set_input_files(file, timeout=timeout * 1000)
            return
        await self._field(step, "upload", file, timeout)

    @registry.handler("check")
    async def _do_check(
        self, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
    ) -> None:
        await self._tick(step, ctx, timeout, True)

    @registry.handler("uncheck")
    async def _do_uncheck(
        self, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
    ) -> None:
        await self._tick(step, ctx, timeout, False)

    async def _tick(self, step: RuntimeStep, ctx: Context, timeout: float, checked: bool) -> None:
        args = _args(step, Tick)
        req = locate.Request(args.field or "", "check", options=_options(args.options, ctx))
        (res,) = await locate.resolve(self.page, [req], timeout)
        await locate.act(self.page, req, res, checked, timeout)

    @registry.handler("expect")
    async def _do_expect(
        self, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
    ) -> None:
        await self._expect(_args(step, Expect).expect, ctx, timeout, look=True)

    async def _expect(self, e: Expectation, ctx: Context, timeout: float, look: bool = False) -> None:
        """Wait for ``e``; with ``look``, a text missing from a settled page fails at once (not for
        human steps: their text comes when the person is done, on a page that looks settled)."""
        ms = timeout * 1000
        page = self.page
        if e.url is not None:
            part = e.url.render(ctx)
            await page.wait_for_url(lambda u: part in u, timeout=ms, wait_until="commit")
        elif e.visible is not None:
            text = e.visible.render(ctx)
            wait = page.get_by_text(text).filter(visible=True).first.wait_for(timeout=ms)
            await (settle.unless_absent(wait, page, text, "visible") if look else wait)
        elif e.hidden is not None:
            loc = page.get_by_text(e.hidden.render(ctx)).filter(visible=True).first
            await loc.wait_for(state="hidden", timeout=ms)
        elif e.css is not None:
            await page.locator(e.css).filter(visible=True).first.wait_for(timeout=ms)
        else:
            await self._expect_field(e, ctx, timeout)

    async def _expect_field(self, e: Expectation, ctx: Context, timeout: float) -> None:
        assert e.field is not None
        deadline = time.monotonic() + timeout
        test = e.equals if e.equals is not None else e.contains
        want = test.render(ctx).strip() if test is not None else None
        while True:
            (res,) = await locate.resolve(self.page, [locate.Request(e.field, "value")], timeout)
            shown = str(res.get("value", "")).strip()
            if want is None or (shown == want if e.equals is not None else want in shown):
                return
            if time.monotonic() >= deadline:
                if e.explain is not None:  # the flow says it in the words of whoever must act
                    told = e.explain.render(
                        Context(ctx.candidate, ctx.plan, ctx.prepared, ctx.env, {**ctx.vars, "shown": shown})
                    )
                    raise ExplainedError(mask_text(told))
                raise PortalTimeoutError(mask_text(f"shows '{shown}', expected '{want}'"), field=e.field)
            await asyncio.sleep(0.1)

    @registry.handler("extract")
    async def _do_extract(
        self, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
    ) -> None:
        args = _args(step, Extract)
        target = args.target
        if target.css is not None:
            text = self._shown.get(target.css)
            if text is None:
                text = await self._read_css(target.css, timeout)
                self._shown[target.css] = text
        else:
            (res,) = await locate.resolve(self.page, [locate.Request(target.field or "", "value")], timeout)
            text = str(res.get("value", ""))
        text = text.strip()
        pattern = args.pattern
        if pattern is not None:
            m = re.search(pattern, text)
            if m is None:
                raise FlowError(mask_text(f"extract {args.var}: '{text}' does not match {pattern}"))
            text = m.group(1) if m.groups() else m.group(0)
        ctx.vars[args.var] = text

    async def _read_css(self, css: str, timeout: float) -> str:
        try:  # usually shown already: read it in one round trip
            text: str | None = await self.page.eval_on_selector(css, _TEXT_IF_SHOWN_JS)
        except PlaywrightError:  # not on the page (yet), or the page is being replaced
            text = None
        if text is None:  # wait as before (a locator's evaluate would cost a handle: 4 trips)
            await self.page.locator(css).first.wait_for(timeout=timeout * 1000)
            text = await self.page.eval_on_selector(css, _TEXT_OF_JS)
        return str(text)

    @registry.handler("fill_form")
    async def _do_fill_form(
        self, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
    ) -> None:
        todo: list[tuple[locate.Request, Any, Where]] = []
        entries = [e for e in _args(step, FillForm).fields if e.when is None or e.when.holds(ctx)]
        for entry in entries:
            if entry.kind == "check":
                # a field map states the whole value: boxes it does not name are unticked
                req = locate.Request(entry.label, "check", options=_options(entry.value, ctx), exact=True)
                todo.append((req, True, entry.where))
                continue
            value = _value(entry.value, ctx)
            if entry.kind in ("select", "choose"):
                req = locate.Request(entry.label, entry.kind, option=value, options=(value,))
            else:
                req = locate.Request(entry.label, entry.kind)
            todo.append((req, True if entry.kind == "choose" else value, entry.where))
        # One scan of the page for every label; fields that appear later (是 → 原证书…) are looked
        # for again when their turn comes, and after a choice that may change the form.
        results = await locate.peek(self.page, [t[0] for t in todo])
        for i, (req, value, where) in enumerate(todo):
            try:
                res = results[i]
                if res.get("error"):
                    (res,) = await locate.resolve(self.page, [req], timeout)
                await locate.act(self.page, req, res, value, timeout)
            except settle.Absent as exc:
                exc.where = where  # the site mismatch points at the field map's line
                await self._by_hand(exc, step, flow, ctx, index, entries[i].value)
                results[i + 1 :] = await locate.peek(self.page, [t[0] for t in todo[i + 1 :]])
                continue
            except FlowError as exc:  # point at the field map's line, not the fill_form step
                if exc.path is not None:
                    raise
                raise FlowError(
                    exc.message, path=where.path, line=where.line, field=exc.field, hint=exc.hint
                ) from exc
            # A choice can reveal or hide a section; only what was missing or hidden may change
            # (visible controls keep their tags), so look again only when such a field is left.
            if req.kind in ("select", "choose", "check") and any(
                r.get("error") or r.get("hidden") for r in results[i + 1 :]
            ):
                results[i + 1 :] = await locate.peek(self.page, [t[0] for t in todo[i + 1 :]])

    @registry.handler("human")
    async def _do_human(
        self, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
    ) -> None:
        args = _args(step, Human)
        if self.human_timeout is not None:
            timeout = min(timeout, self.human_timeout)
        if self.human is None:
            raise FlowError(
                f"{step.description} needs a person, but no human handler is set",
                path=step.where.path,
                line=step.where.line,
            )
        until = args.until
        seen = False  # the handler waited for it already: the runner's own wait would only repeat it

        async def wait_until_done(seconds: float) -> None:
            nonlocal seen
            if seen:
                return
            try:
                await self._expect(until, ctx, seconds)
                seen = True
            except (PlaywrightTimeoutError, PortalTimeoutError) as exc:
                raise HumanStepTimeoutError(
                    f"{args.kind} not completed within {seconds:g}s (waiting for {until.describe()})",
                    path=step.where.path,
                    line=step.where.line,
                ) from exc

        # a login or a signature is done by scanning a code: wait for it to show (not for a confirm)
        needs_qr = args.qr is not None or args.kind in ("login", "signature")
        qr = await find_qr(
            self.page,
            args.qr,
            decode=getattr(self.human, "decodes_qr", True),
            wait=self._timeout(flow) if needs_qr else 0.0,
        )
        message = args.message.render(ctx) if args.message is not None else None
        request = HumanRequest(args.kind, self.page, qr, message, timeout, flow.name, wait_until_done)
        try:
            await asyncio.wait_for(self.human(request), timeout)
        except TimeoutError as exc:
            raise HumanStepTimeoutError(
                f"{args.kind} not completed within {timeout:g}s",
                path=step.where.path,
                line=step.where.line,
            ) from exc
        await wait_until_done(self._timeout(flow))

    @registry.handler("run_flow", maps_own_errors=True)
    async def _do_run_flow(
        self, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
    ) -> None:
        args = _args(step, RunFlow)
        if args.flow is None:  # load_flow raises before this can happen; flows check never runs
            raise FlowError(
                f"run_flow: {args.name} was not loaded", path=step.where.path, line=step.where.line
            )
        sub = args.flow
        given = {k: t.value(ctx) for k, t in args.env.items()}
        child = ctx.child({})
        child.env.update(self._env(sub, ctx, given))
        await self._run_flow(sub, child, f"{index}.")

    @registry.handler("retry", maps_own_errors=True)
    async def _do_retry(
        self, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
    ) -> None:
        args = _args(step, Retry)
        policy = RetryPolicy(attempts=args.attempts, delay=args.delay, max_delay=args.max_delay)
        for attempt in range(1, policy.attempts + 1):
            try:
                await self._steps(flow, args.steps, ctx, f"{index}.")
                return
            except PortalError as exc:
                # an expired session needs a login, not patience: give it back at once
                if not policy.again(attempt) or isinstance(exc, SessionExpiredError):
                    raise
                wait = policy.wait(attempt, self.rng)
                self._emit(flow, index, step, "retrying", wait, f"attempt {attempt} failed: {exc}")
                await self.sleep(wait)

    @registry.handler("stop")
    async def _do_stop(self, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str) -> None:
        raise _Stop()

    @registry.handler("fail")
    async def _do_fail(self, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str) -> None:
        message = _args(step, Fail).message.render(ctx)
        raise FlowError(message, path=step.where.path, line=step.where.line)


_A = TypeVar("_A", bound=StepArgs)


def _args(step: RuntimeStep, kind: type[_A]) -> _A:
    """The step's compiled arguments, of the type its kind compiles to."""
    if not isinstance(step.args, kind):
        raise TypeError(f"{step.kind} step compiled to {type(step.args).__name__}, not {kind.__name__}")
    return step.args


def _value(value: Template | tuple[Template, ...], ctx: Context) -> str:
    if isinstance(value, tuple):
        return "、".join(t.render(ctx) for t in value)
    return value.render(ctx)


def _options(value: Template | tuple[Template, ...] | None, ctx: Context) -> tuple[str, ...] | None:
    """Options to tick: each template's text, or the items of a list a single ``${...}`` names."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return tuple(t.render(ctx) for t in value)
    raw = value.value(ctx)
    if isinstance(raw, list | tuple):
        return tuple(as_text(v) for v in raw)
    return (as_text(raw),)
