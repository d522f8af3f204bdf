"""The runner's handlers of the step kinds that act on the page: goto, click, the field kinds,
expect, extract and fill_form (registered in :mod:`portal_bot.flows.registry`).

Each handler is called by :class:`~portal_bot.flows.runner.FlowRunner` with itself first (the
registry's ``handle(runner, flow, step, ctx, timeout, index)``); they were its methods, moved here
unchanged so runner.py stays about running a flow (STYLE.md: split before ~600 lines).
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin

from loguru import logger

from portal_bot.browser import PlaywrightError
from portal_bot.errors import ExplainedError, FlowError, PortalServerError, PortalTimeoutError
from portal_bot.flows import locate, registry, settle
from portal_bot.flows.steps import (
    Click,
    Context,
    Expect,
    Expectation,
    Extract,
    FieldAction,
    FillForm,
    Flow,
    Goto,
    RuntimeStep,
    StepArgs,
    Template,
    Tick,
    Where,
    as_text,
)
from portal_bot.i18n import S_
from portal_bot.privacy import mask_text

if TYPE_CHECKING:
    from portal_bot.flows.runner import FlowRunner

#: A form control's value, or any other element's rendered text (what ``extract: {css:}`` reads).
_TEXT_OF_JS = "e => ['INPUT', 'TEXTAREA', 'SELECT'].includes(e.tagName) ? e.value : e.innerText"
#: The same text, or null while the element is not visible (Playwright's test: a box, not hidden).
_TEXT_IF_SHOWN_JS = f"""e => {{ const r = e.getBoundingClientRect();
  if (!r.width || !r.height || getComputedStyle(e).visibility === 'hidden') return null;
  return ({_TEXT_OF_JS})(e); }}"""


@registry.handler("goto", navigates=True)
async def _do_goto(
    runner: FlowRunner, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
) -> None:
    url = _args(step, Goto).url.render(ctx)
    if runner.base_url and not re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I):
        url = urljoin(runner.base_url, url)
    try:
        response = await runner.page.goto(url, timeout=timeout * 1000)
    except Exception as exc:
        # Playwright's driver now and then loses the reply to a new context's first navigation
        # ("Cannot find command to respond"); the navigation itself is a plain GET: do it again.
        if "Cannot find command to respond" not in str(exc):
            raise
        logger.debug("goto {} lost its reply ({}); navigating again", url, exc)
        response = await runner.page.goto(url, timeout=timeout * 1000)
    if response is not None and response.status >= 500:
        runner._take_server_error()
        raise PortalServerError(
            S_("{url} answered {status}").format(url=url, status=response.status),
            path=step.where.path,
            line=step.where.line,
        )
    if await locate.EXPIRED(runner.page):
        raise locate.SessionGone()


@registry.handler("click")
async def _do_click(
    runner: FlowRunner, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
) -> None:
    args = _args(step, Click)
    target = args.target
    text = target.text.render(ctx) if target.text is not None else None
    if text is not None:
        loc = locate.clickable(runner.page, text, target.role)
    else:
        loc = runner.page.locator(target.css or "*").filter(visible=True)
    runner._dialogs.clear()
    runner._submitted = args.submit
    if text is not None:
        await settle.unless_absent(loc.click(timeout=timeout * 1000), runner.page, text, target.role)
    else:
        await loc.click(timeout=timeout * 1000)
    if args.submit:
        await runner.page.wait_for_load_state("domcontentloaded", timeout=timeout * 1000)
        await runner._check_page(flow, step)


async def _field(runner: FlowRunner, step: RuntimeStep, kind: str, value: Any, timeout: float) -> None:
    label = _args(step, FieldAction).target.field or ""
    if kind in ("select", "choose"):
        req = locate.Request(label, kind, option=as_text(value))
    elif kind == "check":
        req = locate.Request(label or "", kind, options=value)
    else:
        req = locate.Request(label, kind)
    (res,) = await locate.resolve(runner.page, [req], timeout)
    await locate.act(runner.page, req, res, value, timeout)


@registry.handler("fill")
async def _do_fill(
    runner: FlowRunner, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
) -> None:
    args = _args(step, FieldAction)
    value = args.value.render(ctx)
    css = args.target.css
    if css is not None:
        await runner.page.locator(css).fill(value, timeout=timeout * 1000)
        return
    await _field(runner, step, "date" if args.date else "text", value, timeout)


@registry.handler("select")
async def _do_select(
    runner: FlowRunner, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
) -> None:
    args = _args(step, FieldAction)
    option = args.value.render(ctx)
    css = args.target.css
    if css is not None:
        await runner.page.locator(css).select_option(label=option, timeout=timeout * 1000)
        return
    await _field(runner, step, "select", option, timeout)


@registry.handler("choose")
async def _do_choose(
    runner: FlowRunner, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
) -> None:
    args = _args(step, FieldAction)
    option = args.value.render(ctx)
    css = args.target.css
    if css is not None:
        await runner.page.locator(css).check(timeout=timeout * 1000)
        return
    req = locate.Request(args.target.field or "", "choose", options=(option,))
    (res,) = await locate.resolve(runner.page, [req], timeout)
    await locate.act(runner.page, req, res, True, timeout)


@registry.handler("upload")
async def _do_upload(
    runner: FlowRunner, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
) -> None:
    args = _args(step, FieldAction)
    file = args.value.render(ctx)
    css = args.target.css
    if css is not None:
        await runner.page.locator(css).set_input_files(file, timeout=timeout * 1000)
        return
    await _field(runner, step, "upload", file, timeout)


@registry.handler("check")
async def _do_check(
    runner: FlowRunner, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
) -> None:
    await _tick(runner, step, ctx, timeout, True)


@registry.handler("uncheck")
async def _do_uncheck(
    runner: FlowRunner, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
) -> None:
    await _tick(runner, step, ctx, timeout, False)


async def _tick(runner: FlowRunner, step: RuntimeStep, ctx: Context, timeout: float, checked: bool) -> None:
    args = _args(step, Tick)
    req = locate.Request(args.field or "", "check", options=_options(args.options, ctx))
    (res,) = await locate.resolve(runner.page, [req], timeout)
    await locate.act(runner.page, req, res, checked, timeout)


@registry.handler("expect")
async def _do_expect(
    runner: FlowRunner, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
) -> None:
    await _expect(runner, _args(step, Expect).expect, ctx, timeout, look=True)


async def _expect(
    runner: FlowRunner, e: Expectation, ctx: Context, timeout: float, look: bool = False
) -> None:
    """Wait for ``e``; with ``look``, a text missing from a settled page fails at once (not for
    human steps: their text comes when the person is done, on a page that looks settled)."""
    ms = timeout * 1000
    page = runner.page
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
        await _expect_field(runner, e, ctx, timeout)


async def _expect_field(runner: FlowRunner, e: Expectation, ctx: Context, timeout: float) -> None:
    assert e.field is not None
    deadline = time.monotonic() + timeout
    test = e.equals if e.equals is not None else e.contains
    want = test.render(ctx).strip() if test is not None else None
    while True:
        (res,) = await locate.resolve(runner.page, [locate.Request(e.field, "value")], timeout)
        shown = str(res.get("value", "")).strip()
        if want is None or (shown == want if e.equals is not None else want in shown):
            return
        if time.monotonic() >= deadline:
            if e.explain is not None:  # the flow says it in the words of whoever must act
                told = e.explain.render(
                    Context(ctx.candidate, ctx.plan, ctx.prepared, ctx.env, {**ctx.vars, "shown": shown})
                )
                raise ExplainedError(mask_text(told))
            raise PortalTimeoutError(
                mask_text(S_("shows '{shown}', expected '{want}'").format(shown=shown, want=want)),
                field=e.field,
            )
        await asyncio.sleep(0.1)


@registry.handler("extract")
async def _do_extract(
    runner: FlowRunner, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
) -> None:
    args = _args(step, Extract)
    target = args.target
    if target.css is not None:
        text = runner._shown.get(target.css)
        if text is None:
            text = await _read_css(runner, target.css, timeout)
            runner._shown[target.css] = text
    else:
        (res,) = await locate.resolve(runner.page, [locate.Request(target.field or "", "value")], timeout)
        text = str(res.get("value", ""))
    text = text.strip()
    pattern = args.pattern
    if pattern is not None:
        m = re.search(pattern, text)
        if m is None:
            raise FlowError(
                mask_text(
                    S_("extract {var}: '{text}' does not match {pattern}").format(
                        var=args.var, text=text, pattern=pattern
                    )
                )
            )
        text = m.group(1) if m.groups() else m.group(0)
    ctx.vars[args.var] = text


async def _read_css(runner: FlowRunner, css: str, timeout: float) -> str:
    try:  # usually shown already: read it in one round trip
        text: str | None = await runner.page.eval_on_selector(css, _TEXT_IF_SHOWN_JS)
    except PlaywrightError:  # not on the page (yet), or the page is being replaced
        text = None
    if text is None:  # wait as before (a locator's evaluate would cost a handle: 4 trips)
        await runner.page.locator(css).first.wait_for(timeout=timeout * 1000)
        text = await runner.page.eval_on_selector(css, _TEXT_OF_JS)
    return str(text)


@registry.handler("fill_form")
async def _do_fill_form(
    runner: FlowRunner, flow: Flow, step: RuntimeStep, ctx: Context, timeout: float, index: str
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
    results = await locate.peek(runner.page, [t[0] for t in todo])
    for i, (req, value, where) in enumerate(todo):
        try:
            res = results[i]
            if res.get("error"):
                (res,) = await locate.resolve(runner.page, [req], timeout)
            await locate.act(runner.page, req, res, value, timeout)
        except settle.Absent as exc:
            exc.where = where  # the site mismatch points at the field map's line
            await runner._by_hand(exc, step, flow, ctx, index, entries[i].value)
            results[i + 1 :] = await locate.peek(runner.page, [t[0] for t in todo[i + 1 :]])
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
            results[i + 1 :] = await locate.peek(runner.page, [t[0] for t in todo[i + 1 :]])


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
