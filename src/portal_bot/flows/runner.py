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
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from loguru import logger

from portal_bot.browser import AsyncPage, PlaywrightTimeoutError, unreachable
from portal_bot.errors import (
    FlowError,
    PortalBotError,
    PortalError,
    PortalServerError,
    PortalTimeoutError,
    SessionExpiredError,
    SiteRejectedError,
)
from portal_bot.flows import control_steps, locate, mismatch, page_steps, registry, settle
from portal_bot.flows.control_steps import _Stop
from portal_bot.flows.human import HumanHandler
from portal_bot.flows.steps import Click, Context, Expect, Flow, RuntimeStep
from portal_bot.flows.takeover import HandOver, Takeover
from portal_bot.i18n import S_, Said, english
from portal_bot.privacy import mask_text

DEFAULT_TIMEOUT = 15.0
Status = Literal["started", "finished", "failed", "skipped", "retrying"]


@dataclass(frozen=True)
class StepEvent:
    """Progress of one step, for progress bars and the ledger."""

    flow: str
    index: str  # "3", or "3.1" for the first step inside step 3 (retry, run_flow)
    description: str  # English, as the ledger keeps it
    status: Status
    elapsed: float
    error: str | None = None  # English too (``PortalBotError.english``)
    said: str = ""  # the description in the language people read (progress lines)


Observer = Callable[[StepEvent], None]


class StepWatcher(Protocol):
    """Called around each step that acts on a page (not ``retry``/``run_flow``: their inner steps
    are), with the error the step failed with: how ``register --record`` saves the pages it visits."""

    async def before(self, flow: Flow, step: RuntimeStep) -> None: ...

    async def after(self, flow: Flow, step: RuntimeStep, error: PortalBotError | None) -> None: ...


#: The step handlers live in these modules; importing them registers them with the registry.
HANDLERS = (page_steps, control_steps)


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
        self._before: tuple[RuntimeStep, str | None, list[str]] | None = None  # see _texts_before
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
                self._server_error = S_("{url} answered {status}").format(
                    url=response.url, status=response.status
                )
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
        raise PortalServerError(self._take_server_error() or S_("the site answered with a server error"))

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
                raise FlowError(
                    S_("env {key} is required by flow {flow}").format(key=key, flow=flow.name), path=flow.path
                )
        return env

    async def _run_flow(self, flow: Flow, ctx: Context, prefix: str) -> None:
        try:
            await self._steps(flow, flow.steps, ctx, prefix)
        except _Stop:
            pass

    async def _steps(self, flow: Flow, steps: tuple[RuntimeStep, ...], ctx: Context, prefix: str) -> None:
        for n, step in enumerate(steps):
            index = f"{prefix}{step.index + 1}"
            if step.when is not None and not step.when.holds(ctx):
                self._emit(flow, index, step, "skipped", 0.0)
                continue
            await self._texts_before(step, steps[n + 1 : n + 2])
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
                self._emit(flow, index, step, "failed", time.perf_counter() - started, exc.english())
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
            self.observer(StepEvent(flow.name, index, step.description, status, elapsed, error, step.said))

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
                S_("{step}: nothing came within {timeout:g}s on {url}").format(
                    step=step.said, timeout=timeout, url=self.page.url
                ),
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
                    S_("{}: several elements match").format(step.said),
                    path=step.where.path,
                    line=step.where.line,
                ) from exc
            said = Said(f"{step.said}: {message}", f"{english(step.said)}: {message}")
            raise PortalError(said, path=step.where.path, line=step.where.line) from exc

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
        before = self._before
        found: list[mismatch.Suggestion] = []
        if before is not None and before[0] is step and absent.kind == "visible":
            claimed = mismatch.claims(flow)
            found = mismatch.appeared(absent.want, before[2], absent.offers, claimed, before[1])
        error = mismatch.site_mismatch(absent, step, flow, found)
        self._shown.clear()  # a person may change the page
        if self.takeover is None:
            raise error from None
        hand = HandOver.of(self.page, error, absent, step, ctx, flow=flow.name, index=index, value=value)
        if not await self.takeover(hand):
            raise error from None

    async def _texts_before(self, step: RuntimeStep, following: tuple[RuntimeStep, ...]) -> None:
        """Before a click an expected text follows, keep the page's texts: should the text be missing
        after the click, what appeared meanwhile is suggested (:func:`mismatch.appeared`). One read
        of the page per such click; nothing is kept for any other step."""
        if self._before is not None and self._before[0] is not step:
            self._before = None
        nxt = following[0].args if following else None
        click = step.args
        if not isinstance(click, Click) or not isinstance(nxt, Expect) or nxt.expect.visible is None:
            return
        text = click.target.text.source if click.target.text is not None else None  # None: by CSS
        try:
            self._before = (following[0], text, await settle.TEXTS(self.page))
        except Exception as exc:  # a page navigating: no texts to compare, no suggestion from them
            logger.debug("cannot read the texts before {}: {}", step.description, exc)

    def _expired(self, step: RuntimeStep) -> SessionExpiredError:
        return SessionExpiredError(
            S_("the site says 非法请求 at {}: the session is gone").format(step.said),
            path=step.where.path,
            line=step.where.line,
            hint=S_("log in again"),
        )

    async def _check_page(self, flow: Flow, step: RuntimeStep) -> None:
        """Raise SessionExpiredError or SiteRejectedError when the page says so."""
        spec = flow.errors
        try:
            found = await locate.PAGE_ERRORS(
                self.page, [spec.selector if spec else None, list(spec.texts) if spec else []]
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
                hint=S_("fix the value in the candidate's profile"),
            )
