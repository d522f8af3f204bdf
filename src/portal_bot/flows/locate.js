// The in-page half of the locator (portal_bot.flows.locate) and of the runner's page checks.
//
// Python evaluates this file inside a function, so the helpers here never become the page's
// globals. The calls a run repeats (locate.PageFunction) send it once per document, which keeps
// its entry points frozen under one non-enumerable window property with a name made anew in each
// process; rarer ones send `(arg) => { <this file>; return entry(arg); }` (locate.page_function).
// Nothing else is left on the page but the data-pb tags of found controls and the window.__pbSeq
// counter (and, while a person takes over a step, watchHands' listeners, which report to a binding
// and never act).
// This file must never click, type or navigate: it reads the page and tags controls.

// The key labels are compared by: compatibility forms folded (NFKC: full-width ＊：（） and the
// ideographic space become * : ( ) and a space), then every whitespace character, '*' and ':' dropped.
// Its Python twin is portal_bot.flows.labels.label_key; tests/browser/test_label_key.py keeps them equal.
// The class lists what JavaScript's \s lacks of Python's (\x1c-\x1f, \x85) and vice versa (\ufeff).
const LABEL_JUNK = /[\s\x1c-\x1f\x85\ufeff*:]/g;
const labelKey = (s) => (s || '').normalize('NFKC').replace(LABEL_JUNK, '');

// The site's answer without a session is a bare "非法请求 404！" page; a script or help text that
// merely mentions the phrase on a real page must not count, hence the length limit.
function pageExpired() {
  const b = document.body;
  if (!b || !(b.textContent || '').includes('非法请求')) return false;
  const t = (b.innerText || '').trim();
  return t.length < 200 && t.includes('非法请求');
}

// After a failed or submitting step: the site's validation messages ([selector, texts] from the
// flow's errors: spec), each with the label of its form row when it has one, and whether the
// session is gone. A matched element listing several messages (one per line) gives one each.
function pageErrors([sel, texts]) {
  const body = document.body ? document.body.innerText || '' : '';
  const out = [];
  if (sel) for (const e of document.querySelectorAll(sel)) {
    if (!e.getClientRects().length) continue;
    const lines = (e.innerText || '').split('\n').map((t) => t.trim()).filter(Boolean);
    const field = lines.length === 1 ? rowLabel(e) : null;
    for (const t of lines) out.push({text: t, field});
  }
  for (const t of texts) if (body.includes(t)) out.push({text: t, field: null});
  return {errors: out, expired: pageExpired()};
}

// The label of the form row a message sits in, by structure only (no class names): within two
// levels up, a row of two or three children whose first is a short text that holds neither the
// message nor a control (a table row's label cell, a label div beside its control div).
function rowLabel(e) {
  const CTRL = 'input, select, textarea';
  let child = e;
  for (let x = e.parentElement, depth = 0; x && x !== document.body && depth < 3; x = x.parentElement, depth++) {
    const first = x.firstElementChild, n = x.childElementCount;
    if (n >= 2 && n <= 3 && first !== child && !first.contains(e) && !first.matches(CTRL) &&
        !first.querySelector(CTRL)) {
      const key = labelKey(first.textContent);
      if (key && key.length <= 40) return key;
    }
    if (x.tagName === 'TR' || x.tagName === 'FORM' || x.tagName === 'TABLE') break;
    child = x;
  }
  return null;
}

// Labels → controls for a list of requests ({label, kind, option, options}), in one pass over the
// page: see the docstring of portal_bot.flows.locate for the rules.
function resolveLabels(reqs) {
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
  for (const r of reqs) if (r.label) wanted.set(labelKey(r.label), []);
  const SKIP = new Set(['SCRIPT', 'STYLE', 'OPTION', 'SELECT', 'TEXTAREA']);
  const all = document.body ? document.body.getElementsByTagName('*') : [];
  for (const el of all) {
    if (SKIP.has(el.tagName) || el.childElementCount > 8) continue;  // labels are small
    const t = el.textContent;
    if (!t || t.length > 80) continue;
    const list = wanted.get(labelKey(t));
    if (list) list.push(el);
  }
  const findContainer = (E, key) => {
    let x = E;
    for (let depth = 0; x && x !== document.body && depth < 5; depth++) {
      let sib = x.nextElementSibling;
      for (let hops = 0; sib && hops < 3; hops++) {
        if (hasCtrl(sib)) return sib;
        if (labelKey(sib.textContent)) break;  // another label or text: the control is not further on
        sib = sib.nextElementSibling;
      }
      if ((x.tagName === 'TD' || x.tagName === 'TH') && x.parentElement) {
        const row = x.parentElement, next = row.nextElementSibling;
        if (!hasCtrl(row) && next && hasCtrl(next)) return next;
      }
      const p = x.parentElement;
      if (!p || labelKey(p.textContent) !== key) return null;
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
      if (!p || labelKey(p.textContent) !== key) return null;
      x = p;
    }
    return null;
  };
  const optionText = (input) => {
    const lab = input.closest('label');
    if (lab && labelKey(lab.textContent)) return [lab.textContent];
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
    const w = wantedText.trim(), nw = labelKey(wantedText);
    const numbered = /^\d+$/.test(nw) ? ['(' + nw + ')', '（' + nw + '）', nw + '.', nw + '、'] : [];
    const tiers = [
      (t) => t.trim() === w,
      (t) => labelKey(t) === nw || numbered.includes(labelKey(t)),
      (t) => nw.length >= 4 && labelKey(t).startsWith(nw),
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
    if (kind === 'probe') {  // pageOffers: which kind of control a label names
      const ctl = sel || (C.querySelector('ul, ol') && C.querySelector('input[type=hidden]')) ? 'select'
        : radios.length ? 'choose' : boxes.length ? 'check' : file ? 'upload' : text ? 'text' : 'other';
      const fixed = ctl === 'text' ? text.readOnly || text.disabled : sel ? sel.disabled : false;
      return {control: ctl, fixed};
    }
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
                   options: items.map((i) => labelKey(i.texts.join(' ')).slice(0, 30)), picks: []};
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
    const key = labelKey(r.label);
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
    // hidden: a choice may still reveal another control for this label, so the runner looks again
    results.push(Object.assign(describeControl(found[0][1], r), vis.length ? {} : {hidden: true}));
  }
  return {results, expired: pageExpired(), ...settledness()};
}

// What the runner needs to tell a page still loading from a settled one (with no extra round trip).
function settledness() {
  const b = document.body;
  return {ready: document.readyState === 'complete',
          fp: document.getElementsByTagName('*').length + '/' + (b ? b.textContent.length : 0)};
}

const shown = (el) => !!el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden';
const BUTTONS = 'button, input[type=button], input[type=submit], [role=button], .btn';

// Whether a click or expect target is on the page: [text, how], how = any | button | link | visible.
// Lenient on purpose (any visible element with that text): only a clear absence is a site mismatch.
function targetPresent([text, how]) {
  const want = labelKey(text);
  let present;
  if (how === 'visible') {
    present = labelKey(document.body ? document.body.innerText : '').includes(want);
  } else {
    present = false;
    for (const el of document.body ? document.body.getElementsByTagName('*') : []) {
      const t = el.matches('input') ? el.value : el.textContent;
      if (t && t.length < 200 && labelKey(t) === want && shown(el)) { present = true; break; }
    }
  }
  return {present, expired: pageExpired(), ...settledness()};
}

// What a settled page offers, for a site mismatch's suggestions: the URL path (never the query),
// the title, the labels that name a control (with the control's kind), buttons and links.
function pageOffers() {
  const skip = 'script, style, option, select, textarea, a, button, li, label';
  const CTRL = 'input:not([type=hidden]), select, textarea';
  const texts = new Set();
  for (const el of document.body ? document.body.getElementsByTagName('*') : []) {
    if (el.childElementCount > 2 || el.matches(skip) || el.closest('a, button, label, li, option')) continue;
    if (el.querySelector(CTRL)) continue;
    const t = (el.textContent || '').trim();
    if (t && labelKey(t).length <= 20 && shown(el)) texts.add(t);
  }
  const list = [...texts];
  const res = resolveLabels(list.map((label) => ({label, kind: 'probe'}))).results;
  const labels = [];
  const seen = new Set();
  list.forEach((t, i) => {
    const key = labelKey(t);
    if (res[i].control && !seen.has(key)) {
      seen.add(key);
      labels.push({text: t, kind: res[i].control, fixed: !!res[i].fixed, required: /[*＊]/.test(t)});
    }
  });
  const textOf = (el) => (el.matches('input') ? el.value : el.innerText || el.textContent || '').trim();
  const collect = (sel, not) => [...new Set([...document.querySelectorAll(sel)]
    .filter((el) => shown(el) && !(not && el.matches(not))).map(textOf)
    .filter((t) => t && t.length <= 30))];
  return {path: location.pathname, title: document.title, labels,
          buttons: collect(BUTTONS), links: collect('a, [role=link]', BUTTONS), texts: pageTexts()};
}

// The page's short shown texts (leaf elements), as pageOffers lists them: what a step's action made
// appear is told from them (a runner reads them before a click an expected text follows).
function pageTexts() {
  const textOf = (el) => (el.matches('input') ? el.value : el.innerText || el.textContent || '').trim();
  const leaves = [...document.body ? document.body.getElementsByTagName('*') : []]
    .filter((el) => !el.childElementCount && !el.matches('script, style, option') && shown(el));
  return [...new Set(leaves.map(textOf).filter((t) => t && t.length <= 20))].slice(0, 300);
}

// The label a person reads beside a form control: the labels pageOffers finds, resolved to their
// controls exactly as the locator resolves them, and the one whose control is (or holds) `el`.
function labelOf(el) {
  const KIND = {text: 'text', select: 'select', choose: 'choose', check: 'check', upload: 'upload'};
  const reqs = pageOffers().labels.filter((l) => KIND[l.kind])
    .map((l) => ({label: l.text, kind: KIND[l.kind]}));
  const res = resolveLabels(reqs).results;
  for (let i = 0; i < reqs.length; i++) {
    const r = res[i];
    const refs = [r.ref, ...(r.all || []).map((p) => p.ref)].filter(Boolean);
    for (const ref of refs) {
      const c = document.querySelector('[data-pb="' + ref + '"]');
      if (c && (c === el || c.contains(el) || el.contains(c))) return {label: reqs[i].label, kind: reqs[i].kind};
    }
  }
  return null;
}

// A person takes over a step (portal_bot.flows.takeover): until the page is left, report what they
// click (a button's or link's text and role, or a plain text) and which control they change (its
// label and kind) to window[binding]. Never a value: what a person types stays in the page.
function watchHands(binding) {
  window.__pbHandsOff = false;
  if (window.__pbHands) return false;
  window.__pbHands = true;
  const send = (record) => {
    if (window.__pbHandsOff) return;  // the takeover is over: the listeners stay, silent
    // kept until Python has it: the takeover's end waits for them (see takeover.Capture.stop)
    try { (window.__pbHandsSent = window.__pbHandsSent || []).push(window[binding](record)); }
    catch (e) { /* the page is being left */ }
  };
  const CTRL = 'input, select, textarea, label, option';
  const CLICK = 'button, a, input[type=button], input[type=submit], [role=button], [role=link], [onclick], .btn';
  document.addEventListener('click', (e) => {
    const t = e.target instanceof Element ? e.target : null;
    if (!t) return;
    const c = t.closest(CLICK);
    if (c && !c.matches('input:not([type=button]):not([type=submit])')) {
      const text = (c.matches('input') ? c.value : c.innerText || c.textContent || '').trim();
      const role = c.matches(BUTTONS) ? 'button' : c.matches('a, [role=link]') ? 'link' : 'any';
      if (text && text.length <= 80) send({what: 'click', text, role});
    } else if (!t.closest(CTRL)) {
      const text = (t.innerText || '').trim();
      if (text && labelKey(text).length <= 40) send({what: 'text', text});
    }
  }, true);
  let typing = null;  // the control being typed in: said once, not at every key
  const changed = (e) => {
    const t = e.target instanceof Element ? e.target : null;
    if (!t || !t.matches('input, select, textarea') || (e.type === 'input' && t === typing)) return;
    typing = e.type === 'input' ? t : null;
    const found = labelOf(t);
    send(found ? {what: 'field', text: found.label, kind: found.kind} : {what: 'field', text: '', kind: ''});
  };
  document.addEventListener('input', changed, true);  // a person may confirm without leaving the field
  document.addEventListener('change', changed, true);
  return true;
}
