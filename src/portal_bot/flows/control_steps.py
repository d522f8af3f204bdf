"""The runner's handlers of the step kinds that steer the flow or wait for a person: human,
run_flow, retry, stop and fail (registered in :mod:`portal_bot.flows.registry`).

Each handler is called by :class:`~portal_bot.flows.runner.FlowRunner` with itself first (the
registry's ``handle(runner, flow, step, ctx, timeout, index)``); they were its methods, moved here
unchanged so runner.py stays about running a flow (STYLE.md: split before ~600 lines).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from portal_bot.browser import PlaywrightTimeoutError
from portal_bot.cohortrun.retry import RetryPolicy
from portal_bot.errors import (
    FlowError,
    HumanStepTimeoutError,
    PortalError,
    PortalTimeoutError,
    SessionExpiredError,
)
from portal_bot.flows import registry
from portal_bot.flows.human import HumanRequest, find_qr
from portal_bot.flows.page_steps import _args, _expect
from portal_bot.flows.steps import Context, Fail, Flow, Human, Retry, RunFlow, RuntimeStep
from portal_bot.i18n import N_, S_

if TYPE_CHECKING:
    from portal_bot.flows.runner import FlowRunner

#: A human step's kind, as its timeout message names it.
_KINDS = {"login": N_("login"), "signature": N_("signature"), "confirm": N_("confirm")}


class _Stop(Exception):
    """A ``stop`` step ended the flow it is in."""


@registry.handler("human")
async def _do_human(
    runner: FlowRunner, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
) -> None:
    args = _args(step, Human)
    if runner.human_timeout is not None:
        timeout = min(timeout, runner.human_timeout)
    if runner.human is None:
        raise FlowError(
            S_("{} needs a person, but no human handler is set").format(step.said),
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
            await _expect(runner, until, ctx, seconds)
            seen = True
        except (PlaywrightTimeoutError, PortalTimeoutError) as exc:
            raise HumanStepTimeoutError(
                S_("{what} not completed within {seconds:g}s (waiting for {until})").format(
                    what=S_(_KINDS[args.kind]), seconds=seconds, until=until.describe()
                ),
                path=step.where.path,
                line=step.where.line,
            ) from exc

    # a login or a signature is done by scanning a code: wait for it to show (not for a confirm)
    needs_qr = args.qr is not None or args.kind in ("login", "signature")
    qr = await find_qr(
        runner.page,
        args.qr,
        decode=getattr(runner.human, "decodes_qr", True),
        wait=runner._timeout(flow) if needs_qr else 0.0,
    )
    message = args.message.render(ctx) if args.message is not None else None
    request = HumanRequest(args.kind, runner.page, qr, message, timeout, flow.name, wait_until_done)
    try:
        await asyncio.wait_for(runner.human(request), timeout)
    except TimeoutError as exc:
        raise HumanStepTimeoutError(
            S_("{what} not completed within {seconds:g}s").format(
                what=S_(_KINDS[args.kind]), seconds=timeout
            ),
            path=step.where.path,
            line=step.where.line,
        ) from exc
    await wait_until_done(runner._timeout(flow))


@registry.handler("run_flow", maps_own_errors=True)
async def _do_run_flow(
    runner: FlowRunner, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
) -> None:
    args = _args(step, RunFlow)
    if args.flow is None:  # load_flow raises before this can happen; flows check never runs
        raise FlowError(
            S_("run_flow: {} was not loaded").format(args.name), path=step.where.path, line=step.where.line
        )
    sub = args.flow
    given = {k: t.value(ctx) for k, t in args.env.items()}
    child = ctx.child({})
    child.env.update(runner._env(sub, ctx, given))
    await runner._run_flow(sub, child, f"{index}.")


@registry.handler("retry", maps_own_errors=True)
async def _do_retry(
    runner: FlowRunner, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
) -> None:
    args = _args(step, Retry)
    policy = RetryPolicy(attempts=args.attempts, delay=args.delay, max_delay=args.max_delay)
    for attempt in range(1, policy.attempts + 1):
        try:
            await runner._steps(flow, args.steps, ctx, f"{index}.")
            return
        except PortalError as exc:
            # an expired session needs a login, not patience: give it back at once
            if not policy.again(attempt) or isinstance(exc, SessionExpiredError):
                raise
            wait = policy.wait(attempt, runner.rng)
            runner._emit(flow, index, step, "retrying", wait, f"attempt {attempt} failed: {exc.english()}")
            await runner.sleep(wait)


@registry.handler("stop")
async def _do_stop(
    runner: FlowRunner, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
) -> None:
    raise _Stop()


@registry.handler("fail")
async def _do_fail(
    runner: FlowRunner, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
) -> None:
    message = _args(step, Fail).message.render(ctx)
    raise FlowError(message, path=step.where.path, line=step.where.line)
