"""Finding controls by their visible label, and acting on them.

The portal's ids and names (``column12``) say nothing and change between plans, so a field is the
control that *belongs to a label text*: the next sibling cell of a ``<td class="tit">``, the
``form-ctl`` beside a ``form-lbl``, and so on (see the markup contract). One small JavaScript
function, evaluated in the page, does the work in a single round trip for any number of labels:

* label elements are the innermost elements whose text equals the label once compared by
  :func:`~portal_bot.flows.labels.label_key` (full-width forms folded; ``*``, whitespace and colons
  dropped); a match on the exact text wins over a normalised one; visible labels win over
  hidden ones; two different controls for one label is an ambiguity, reported as a FlowError;
* the control is in the first following sibling (of the label element or of a wrapper holding only
  the label text) that contains one, or in the next table row;
* found controls are tagged ``data-pb="N"`` so Playwright acts on ``[data-pb="N"]`` with its usual
  waiting and actionability checks.

Buttons and links are found by their visible text with Playwright locators. This module never
decides what to type: values come rendered from the runner.

The in-page JavaScript is ``locate.js`` beside this module (shipped in the wheel), one file for
every evaluation the locator and the runner make.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from portal_bot.browser import AsyncLocator, AsyncPage
from portal_bot.errors import FlowError
from portal_bot.flows.labels import label_key
from portal_bot.i18n import N_, S_
from portal_bot.privacy import mask_text

_SCRIPT = resources.files("portal_bot.flows").joinpath("locate.js").read_text(encoding="utf-8")


def page_function(entry: str) -> str:
    """A function for ``page.evaluate`` calling ``entry`` of locate.js with the evaluate argument.

    The whole file travels with each call, so its helpers never linger on the site's page. For the
    calls a run makes again and again, :class:`PageFunction` sends the file once per document.
    """
    return f"(arg) => {{\n{_SCRIPT}\nreturn {entry}(arg);\n}}"


#: The window property locate.js's entry points are kept under once sent to a document: a new
#: name in every process, so the site's scripts cannot guess it, defined non-enumerable (no
#: ``for…in`` or ``Object.keys`` of the site lists it), read-only and frozen.
_KEY = "__pb_" + secrets.token_hex(8)
#: What a call answers when the document has no entry points yet (a new page, a navigation).
_MISSING = _KEY + ":missing"
_ENTRIES = ("pageExpired", "pageErrors", "resolveLabels", "targetPresent", "pageOffers", "pageTexts")
_INSTALL = (
    f"if (!window[{_KEY!r}]) {{ const api = (() => {{\n{_SCRIPT}\n"
    f"return Object.freeze({{{', '.join(_ENTRIES)}}});\n}})();\n"
    f"Object.defineProperty(window, {_KEY!r}, {{value: api}}); }}"
)
#: Pages whose current document has the entry points, as far as this process has seen.
_INSTALLED: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _forget(page: AsyncPage) -> Callable[[Any], None]:
    def navigated(frame: Any) -> None:
        if frame == page.main_frame:
            _INSTALLED[page] = False

    return navigated


class PageFunction:
    """An entry point of locate.js, called with one small evaluate once the document has it.

    The first call in a document (after a navigation) sends the whole file, which defines the entry
    points under :data:`_KEY` and calls this one; later calls send one line. The settle look-out
    polls every 0.2 s and a label is looked for every 0.05 s: sending the file's 18 KB with each
    of them cost the driver and the renderer about 4 ms a call (issue 14). A navigation the
    process has not heard of yet is no mistake: the one-line call answers :data:`_MISSING` and the
    whole file follows.
    """

    def __init__(self, entry: str) -> None:
        if entry not in _ENTRIES:
            raise ValueError(f"{entry} is not an entry point of locate.js")
        self.entry = entry
        self.small = (
            f"(arg) => {{ const api = window[{_KEY!r}]; return api ? api.{entry}(arg) : {_MISSING!r}; }}"
        )
        self.full = f"(arg) => {{ {_INSTALL}\nreturn window[{_KEY!r}].{entry}(arg); }}"

    async def __call__(self, page: AsyncPage, arg: Any = None) -> Any:
        if page not in _INSTALLED:
            page.on("framenavigated", _forget(page))
        elif _INSTALLED[page]:
            answer = await page.evaluate(self.small, arg)
            if answer != _MISSING:
                return answer
        _INSTALLED[page] = False
        answer = await page.evaluate(self.full, arg)
        _INSTALLED[page] = True
        return answer


#: Whether the page is the site's bare 非法请求 page (no session) (the whole file, for embedding).
EXPIRED_JS = page_function("pageExpired")
EXPIRED = PageFunction("pageExpired")
#: ``[selector, texts]`` → the site's validation messages on the page, and whether it is 非法请求.
PAGE_ERRORS = PageFunction("pageErrors")
_RESOLVE = PageFunction("resolveLabels")

_SET_VALUE_JS = """(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true}));
el.dispatchEvent(new Event('change', {bubbles: true})); }"""

_CLICKABLE = "button, a, input[type=button], input[type=submit], [role=button], [role=link], [onclick], .btn"
_ROLE_SELECTORS = {
    "any": _CLICKABLE,
    "button": "button, input[type=button], input[type=submit], [role=button], .btn",
    "link": "a, [role=link]",
}


@dataclass(frozen=True)
class Request:
    """One label to resolve: ``kind`` is text, date, select, choose, check, upload or value."""

    label: str  # '' for checkboxes anywhere on the page, found by their option text
    kind: str
    option: str | None = None
    options: tuple[str, ...] | None = None
    exact: bool = False  # check: also untick the group's boxes that are not named

    def js(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "kind": "text" if self.kind == "date" else self.kind,
            "option": self.option,
            "options": list(self.options) if self.options is not None else None,
        }


class SessionGone(Exception):
    """The page says 非法请求: the session cookie is gone (the runner raises SessionExpiredError)."""


def ref(page: AsyncPage, ref_id: str) -> AsyncLocator:
    """The Playwright locator of a control tagged by :func:`resolve`."""
    return page.locator(f'[data-pb="{ref_id}"]')


async def resolve(page: AsyncPage, requests: list[Request], timeout: float) -> list[dict[str, Any]]:
    """Resolve labels to controls in one evaluation, polling while some label is not there yet.

    Raises:
        FlowError: a label is absent after ``timeout`` seconds, has no control, or is ambiguous.
        Absent: a label is still absent (or without control) once a watched page has settled.
        SessionGone: the page is the site's 非法请求 page.
    """
    from portal_bot.flows import settle  # settle builds on this module's page_function

    deadline = time.monotonic() + timeout
    payload = [r.js() for r in requests]
    settling = settle.Settling(page)
    while True:
        try:
            answer = await _RESOLVE(page, payload)
        except Exception as exc:  # a navigation replaced the document mid-evaluation: look again
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
            answer = None
        if answer is not None:
            if answer["expired"]:
                raise SessionGone()
            results: list[dict[str, Any]] = answer["results"]
            waiting = [r for r in results if r.get("error") in ("absent", "nocontrol")]
            if not waiting or time.monotonic() >= deadline:
                for req, res in zip(requests, results, strict=True):
                    _raise_for(req, res, page.url)
                return results
            if settling.active and settling.see(answer):  # waiting longer cannot bring the label
                req = requests[results.index(waiting[0])]
                raise settle.Absent(req.label, req.kind, await settle.offers(page))
        await asyncio.sleep(0.05)


async def peek(page: AsyncPage, requests: list[Request]) -> list[dict[str, Any]]:
    """Resolve labels in one evaluation without waiting or raising: errors stay in the results.

    Raises:
        SessionGone: the page is the site's 非法请求 page.
    """
    if not requests:
        return []
    answer = await _RESOLVE(page, [r.js() for r in requests])
    if answer["expired"]:
        raise SessionGone()
    results: list[dict[str, Any]] = answer["results"]
    return results


#: What a control should have been, by the kind of step that wanted it.
_WANTED = {"select": N_("a select or dropdown"), "choose": N_("radio buttons"), "check": N_("checkboxes")}


def _raise_for(req: Request, res: dict[str, Any], url: str) -> None:
    error = res.get("error")
    if error is None:
        return
    if error == "absent":
        raise FlowError(S_("no field with this label on {}").format(url), field=req.label)
    if error == "nocontrol":
        raise FlowError(S_("label found on {}, but no control beside it").format(url), field=req.label)
    if error == "ambiguous":
        raise FlowError(
            S_("this label names {n} different controls on {url}").format(n=res["count"], url=url),
            field=req.label,
            hint=S_("use a longer label text, or css: as a last resort"),
        )
    wanted = _WANTED.get(req.kind)
    raise FlowError(
        S_("the control with this label is not {}").format(
            S_(wanted) if wanted else S_("a {} field").format(req.kind)
        ),
        field=req.label,
    )


async def act(page: AsyncPage, req: Request, res: dict[str, Any], value: Any, timeout: float) -> None:
    """Do what ``req.kind`` means on a resolved control: type, pick, tick or attach."""
    ms = timeout * 1000
    kind = req.kind
    if kind in ("text", "date"):
        loc = ref(page, res["ref"])
        if not res.get("readonly"):
            await loc.fill(str(value), timeout=ms)
        elif res.get("current") == str(value):
            return  # a fixed field (from the plan or the account) that already says so
        elif kind == "date":
            # date pickers make the input read-only; set the value the way the picker would
            await loc.evaluate(_SET_VALUE_JS, str(value))
        else:
            raise FlowError(
                mask_text(
                    S_("the field is read-only and shows '{shown}', not '{value}'").format(
                        shown=res.get("current"), value=value
                    )
                ),
                field=req.label,
                hint=S_("the site takes this value from the account or the plan"),
            )
        return
    if kind == "upload":
        await ref(page, res["ref"]).set_input_files(str(value), timeout=ms)
        return
    if kind == "select":
        if res["control"] == "select":
            if res["value"] is None:
                raise _no_option(req, res)
            if res["value"] != res["current"]:  # fixed selects are disabled but already right
                await ref(page, res["ref"]).select_option(value=res["value"], timeout=ms)
            return
        if res["option"] is None:
            raise _no_option(req, res)
        if label_key(res.get("shown", "")) == label_key(req.option or ""):
            return  # already shows that option: opening the list again would only toggle it
        await ref(page, res["ref"]).click(timeout=ms)
        await ref(page, res["option"]).click(timeout=ms)
        return
    for pick in res["picks"]:
        if "ref" not in pick:
            n = pick["count"]
            said = S_("no options match '{option}'") if n == 0 else S_("{n} options match '{option}'")
            raise FlowError(
                said.format(n=n, option=pick["option"])
                + (S_("; options: {}").format(", ".join(res["options"])) if res["options"] else ""),
                field=req.label,
            )
    checked = value is not False
    picks = res["picks"]
    if kind == "choose" and len(picks) != 1:
        raise FlowError(S_("choose: give one option"), field=req.label)
    if kind == "check" and req.options is None and len(picks) != 1:
        raise FlowError(
            S_("{} checkboxes have this label; name the options to tick").format(len(picks)), field=req.label
        )
    for pick in picks:
        if bool(pick["checked"]) != checked:
            await ref(page, pick["ref"]).click(timeout=ms)
    if kind == "check" and req.exact:
        named = {pick["ref"] for pick in picks}
        for box in res["all"]:
            if box["ref"] not in named and box["checked"]:
                await ref(page, box["ref"]).click(timeout=ms)


def _no_option(req: Request, res: dict[str, Any]) -> FlowError:
    options = [o for o in res.get("options", []) if o]
    return FlowError(
        S_("no option '{}'").format(req.option)
        + (S_("; options: {}").format(", ".join(options)) if options else ""),
        field=req.label,
    )


def clickable(page: AsyncPage, text: str, role: str = "any") -> AsyncLocator:
    """The visible button or link whose text is ``text`` (surrounding whitespace ignored)."""
    pattern = re.compile(rf"^\s*{re.escape(text.strip())}\s*$")
    loc = page.locator(_ROLE_SELECTORS[role]).filter(has_text=pattern)
    quoted = text.strip().replace("\\", "\\\\").replace('"', '\\"')
    inputs = page.locator(f'input[type=button][value="{quoted}"], input[type=submit][value="{quoted}"]')
    # an <a class="btn"> inside an [onclick] <li> would match twice: keep the innermost
    return (
        loc.filter(has_not=page.locator(_CLICKABLE).filter(has_text=pattern)).or_(inputs).filter(visible=True)
    )
