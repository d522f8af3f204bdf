"""Finding controls by their visible label, and acting on them.

The portal's ids and names (``column12``) say nothing and change between plans, so a field is the
control that *belongs to a label text*: the next sibling cell of a ``<td class="tit">``, the
``form-ctl`` beside a ``form-lbl``, and so on (see the markup contract). One small JavaScript
function, evaluated in the page, does the work in a single round trip for any number of labels:

* label elements are the innermost elements whose text equals the label once ``*``, whitespace and
  colons are dropped; a match on the exact text wins over a normalised one; visible labels win over
  hidden ones; two different controls for one label is an ambiguity, reported as a FlowError;
* the control is in the first following sibling (of the label element or of a wrapper holding only
  the label text) that contains one, or in the next table row;
* found controls are tagged ``data-pb="N"`` so Playwright acts on ``[data-pb="N"]`` with its usual
  waiting and actionability checks.

Buttons and links are found by their visible text with Playwright locators. This module never
decides what to type: values come rendered from the runner.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import Any

from portal_bot.browser import AsyncLocator, AsyncPage
from portal_bot.errors import FlowError
from portal_bot.privacy import mask_text

# The site's answer without a session is a bare "非法请求 404！" page; a script or help text that
# merely mentions the phrase on a real page must not count, hence the length limit.
EXPIRED_JS = r"""() => {
  const b = document.body;
  if (!b || !(b.textContent || '').includes('非法请求')) return false;
  const t = (b.innerText || '').trim();
  return t.length < 200 && t.includes('非法请求');
}"""

_JS = r"""
(reqs) => {
  const EXPIRED = __EXPIRED__;
  const norm = (s) => (s || '').replace(/[\s\u3000*＊:：]/g, '');
  const W = window;
  W.__pbSeq = W.__pbSeq || 0;
  const mark = (el) => {
    if (!el.dataset.pb) el.dataset.pb = String(++W.__pbSeq);
    return el.dataset.pb;
  };
  const visible = (el) => {
    if (!el || !el.getClientRects().length) return false;
    const st = getComputedStyle(el);
    return st.visibility !== 'hidden';
  };
  const CTRL = 'input:not([type=hidden]):not([type=button]):not([type=submit]), select, textarea';
  const hasCtrl = (el) => el.matches(CTRL) || !!el.querySelector(CTRL) ||
    (!!el.querySelector('li') && !!el.querySelector('input[type=hidden]'));
  const wanted = new Map();
  for (const r of reqs) if (r.label) wanted.set(norm(r.label), []);
  const SKIP = new Set(['SCRIPT', 'STYLE', 'OPTION', 'SELECT', 'TEXTAREA']);
  const all = document.body ? document.body.getElementsByTagName('*') : [];
  for (const el of all) {
    if (SKIP.has(el.tagName) || el.childElementCount > 8) continue;  // labels are small
    const t = el.textContent;
    if (!t || t.length > 80) continue;
    const list = wanted.get(norm(t));
    if (list) list.push(el);
  }
  const findContainer = (E, key) => {
    let x = E;
    for (let depth = 0; x && x !== document.body && depth < 5; depth++) {
      let sib = x.nextElementSibling;
      for (let hops = 0; sib && hops < 3; hops++) {
        if (hasCtrl(sib)) return sib;
        if (norm(sib.textContent)) break;  // another label or text: the control is not further on
        sib = sib.nextElementSibling;
      }
      if ((x.tagName === 'TD' || x.tagName === 'TH') && x.parentElement) {
        const row = x.parentElement, next = row.nextElementSibling;
        if (!hasCtrl(row) && next && hasCtrl(next)) return next;
      }
      const p = x.parentElement;
      if (!p || norm(p.textContent) !== key) return null;
      x = p;
    }
    return null;
  };
  const valueCell = (E, key) => {
    let x = E;
    for (let depth = 0; x && depth < 5; depth++) {
      const sib = x.nextElementSibling;
      if (sib) return sib;
      const p = x.parentElement;
      if (!p || norm(p.textContent) !== key) return null;
      x = p;
    }
    return null;
  };
  const optionText = (input) => {
    const lab = input.closest('label');
    if (lab && norm(lab.textContent)) return [lab.textContent];
    const texts = [];
    const row = input.closest('tr');
    if (row) {
      for (const cell of row.cells) if (!cell.contains(input)) texts.push(cell.textContent);
      return texts;
    }
    let n = input.nextSibling, s = '';
    while (n && !(n.nodeType === 1 && n.matches('input'))) { s += n.textContent || ''; n = n.nextSibling; }
    return [s];
  };
  const pick = (items, wantedText) => {
    // items: [{texts:[...], ...}]; exact, then normalised, then prefix of a long text
    const w = wantedText.trim(), nw = norm(wantedText);
    const numbered = /^\d+$/.test(nw) ? ['(' + nw + ')', '（' + nw + '）', nw + '.', nw + '、'] : [];
    const tiers = [
      (t) => t.trim() === w,
      (t) => norm(t) === nw || numbered.includes(norm(t)),
      (t) => nw.length >= 4 && norm(t).startsWith(nw),
    ];
    for (const test of tiers) {
      const hit = items.filter((it) => it.texts.some(test));
      if (hit.length) return hit;
    }
    return [];
  };
  const clickable = (input) => {
    if (visible(input)) return input;
    const lab = input.closest('label');
    if (lab && visible(lab)) return lab;
    return input;
  };
  const describeControl = (C, r) => {
    const out = {};
    const sel = C.matches('select') ? C : C.querySelector('select');
    const within = (q) => (C.matches(q) ? [C] : []).concat([...C.querySelectorAll(q)]);
    const radios = within('input[type=radio]');
    const boxes = within('input[type=checkbox]');
    const file = C.matches('input[type=file]') ? C : C.querySelector('input[type=file]');
    const TEXT = 'textarea, input:not([type]), input[type=text], input[type=date], input[type=tel], ' +
      'input[type=password], input[type=search], input[type=url], ' +
      'input[type=number], input[type=email]';
    const text = within(TEXT)[0];
    const kind = r.kind;
    if (kind === 'value') {
      if (sel) return {value: sel.selectedIndex >= 0 ? sel.options[sel.selectedIndex].text : ''};
      if (text) return {value: text.value};
      const shown = C.querySelector('ul') ? C.firstElementChild : null;
      return {value: (shown ? shown.textContent : C.innerText || C.textContent || '').trim()};
    }
    if (kind === 'select') {
      if (sel) {
        const opts = [...sel.options].map((o) => ({texts: [o.text], value: o.value}));
        const hit = r.option == null ? [] : pick(opts, r.option);
        return {control: 'select', ref: mark(sel), value: hit.length ? hit[0].value : null,
                current: sel.value, options: opts.map((o) => o.texts[0])};
      }
      const ul = C.querySelector('ul, ol'), hid = C.querySelector('input[type=hidden]');
      if (ul && hid) {
        let d = ul.parentElement;
        while (d && !d.contains(hid)) d = d.parentElement;
        const trigger = [...d.children].find((c) => c !== ul && !c.matches('input')) || d;
        const items = [...ul.querySelectorAll('li')].map((li) => ({texts: [li.textContent], el: li}));
        const hit = r.option == null ? [] : pick(items, r.option);
        return {control: 'xselect', ref: mark(trigger), option: hit.length ? mark(hit[0].el) : null,
                options: items.map((i) => i.texts[0].trim()), shown: trigger.textContent.trim()};
      }
      return {error: 'kind', found: C.tagName.toLowerCase()};
    }
    if (kind === 'choose' || kind === 'check') {
      const inputs = kind === 'choose' ? radios : boxes;
      if (!inputs.length) return {error: 'kind'};
      const items = inputs.map((i) => ({texts: optionText(i), el: i}));
      const res = {control: kind === 'choose' ? 'radio' : 'checkbox',
                   options: items.map((i) => norm(i.texts.join(' ')).slice(0, 30)), picks: []};
      for (const o of r.options || []) {
        const hit = pick(items, o);
        res.picks.push(hit.length === 1 ? {ref: mark(clickable(hit[0].el)), checked: hit[0].el.checked}
                                        : {count: hit.length, option: o});
      }
      if (!r.options) {
        res.picks = items.map((i) => ({ref: mark(clickable(i.el)), checked: i.el.checked}));
      }
      res.all = items.map((i) => ({ref: mark(clickable(i.el)), checked: i.el.checked}));
      return res;
    }
    if (kind === 'upload') return file ? {control: 'file', ref: mark(file)} : {error: 'kind'};
    if (text) {
      const ro = text.readOnly || text.disabled;
      return {control: 'text', ref: mark(text), readonly: ro, current: text.value};
    }
    return {error: 'kind'};
  };
  const results = [];
  for (const r of reqs) {
    if (!r.label) { results.push(describeControl(document.body, r)); continue; }
    const key = norm(r.label);
    let els = wanted.get(key).filter((e) => !wanted.get(key).some((o) => o !== e && e.contains(o)));
    if (r.kind === 'value') {
      const cells = els.map((e) => [e, valueCell(e, key)]).filter((p) => p[1]);
      const vis = cells.filter((p) => visible(p[0]));
      const use = vis.length ? vis : cells;
      if (!use.length) { results.push({error: els.length ? 'nocontrol' : 'absent'}); continue; }
      results.push(describeControl(use[0][1], r));
      continue;
    }
    const exact = els.filter((e) => e.textContent.trim() === r.label.trim());
    let found = [];
    for (const tier of [exact, els]) {
      const seen = new Set();
      found = [];
      for (const e of tier) {
        const c = findContainer(e, key);
        if (c && !seen.has(c)) { seen.add(c); found.push([e, c]); }
      }
      if (found.length) break;
    }
    const vis = found.filter((p) => visible(p[0]));
    if (vis.length) found = vis;
    if (!found.length) { results.push({error: els.length ? 'nocontrol' : 'absent'}); continue; }
    if (found.length > 1) { results.push({error: 'ambiguous', count: found.length}); continue; }
    results.push(describeControl(found[0][1], r));
  }
  return {results, expired: EXPIRED()};
}
""".replace("__EXPIRED__", EXPIRED_JS)

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
        SessionGone: the page is the site's 非法请求 page.
    """
    deadline = time.monotonic() + timeout
    payload = [r.js() for r in requests]
    while True:
        try:
            answer = await page.evaluate(_JS, payload)
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
        await asyncio.sleep(0.05)


async def peek(page: AsyncPage, requests: list[Request]) -> list[dict[str, Any]]:
    """Resolve labels in one evaluation without waiting or raising: errors stay in the results.

    Raises:
        SessionGone: the page is the site's 非法请求 page.
    """
    if not requests:
        return []
    answer = await page.evaluate(_JS, [r.js() for r in requests])
    if answer["expired"]:
        raise SessionGone()
    results: list[dict[str, Any]] = answer["results"]
    return results


def _raise_for(req: Request, res: dict[str, Any], url: str) -> None:
    error = res.get("error")
    if error is None:
        return
    if error == "absent":
        raise FlowError(f"no field with this label on {url}", field=req.label)
    if error == "nocontrol":
        raise FlowError(f"label found on {url}, but no control beside it", field=req.label)
    if error == "ambiguous":
        raise FlowError(
            f"this label names {res['count']} different controls on {url}",
            field=req.label,
            hint="use a longer label text, or css: as a last resort",
        )
    wanted = {"select": "a select or dropdown", "choose": "radio buttons", "check": "checkboxes"}
    raise FlowError(
        f"the control with this label is not {wanted.get(req.kind, 'a ' + req.kind + ' field')}",
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
                mask_text(f"the field is read-only and shows '{res.get('current')}', not '{value}'"),
                field=req.label,
                hint="the site takes this value from the account or the plan",
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
        if _norm(res.get("shown", "")) == _norm(req.option or ""):
            return  # already shows that option: opening the list again would only toggle it
        await ref(page, res["ref"]).click(timeout=ms)
        await ref(page, res["option"]).click(timeout=ms)
        return
    for pick in res["picks"]:
        if "ref" not in pick:
            found = "no" if pick["count"] == 0 else str(pick["count"])
            raise FlowError(
                f"{found} options match '{pick['option']}'"
                + (f"; options: {', '.join(res['options'])}" if res["options"] else ""),
                field=req.label,
            )
    checked = value is not False
    picks = res["picks"]
    if kind == "choose" and len(picks) != 1:
        raise FlowError("choose: give one option", field=req.label)
    if kind == "check" and req.options is None and len(picks) != 1:
        raise FlowError(f"{len(picks)} checkboxes have this label; name the options to tick", field=req.label)
    for pick in picks:
        if bool(pick["checked"]) != checked:
            await ref(page, pick["ref"]).click(timeout=ms)
    if kind == "check" and req.exact:
        named = {pick["ref"] for pick in picks}
        for box in res["all"]:
            if box["ref"] not in named and box["checked"]:
                await ref(page, box["ref"]).click(timeout=ms)


def _norm(text: str) -> str:
    return re.sub(r"[\s\u3000*＊:：]", "", text)


def _no_option(req: Request, res: dict[str, Any]) -> FlowError:
    options = [o for o in res.get("options", []) if o]
    return FlowError(
        f"no option '{req.option}'" + (f"; options: {', '.join(options)}" if options else ""),
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
