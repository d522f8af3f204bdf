// The in-page half of a recorded page (portal_bot.recording.snapshot). Evaluated as
// `(arg) => { <this file>; return entry(arg); }`, like flows/locate.js, so nothing lingers on the
// site's page but window.__pbDoc (which document a survey has seen).
// This file must never click, type or navigate, and never changes the live page: it reads it and
// serializes a cleaned copy.

const KEY_JUNK = /[\s\x1c-\x1f\x85\ufeff*:]/g;
const keyOf = (s) => (s || '').normalize('NFKC').replace(KEY_JUNK, '');

// Which document and which shape the page has now: a survey and a recorder compare two of these.
function pageState() {
  if (!window.__pbDoc) window.__pbDoc = String(Math.random()).slice(2);
  const b = document.body;
  return {doc: window.__pbDoc, path: location.pathname, hash: location.hash, title: document.title,
          ready: document.readyState === 'complete',
          fp: document.getElementsByTagName('*').length + '/' + (b ? b.textContent.length : 0)};
}

// The wizard step the page shows: the steps bar's current step, as the guide shows it (four titles
// in a bar, the current one marked); failing a mark, the text that tells the wizard's pages apart,
// as the flows do (markers: [[text, title], …], last step first). null when no steps bar is shown.
function wizardStep([titles, markers]) {
  const body = document.body;
  if (!body) return null;
  const shown = body.innerText || '';
  if (!titles.every((t) => shown.includes(t))) return null;
  const want = new Map(titles.map((t) => [keyOf(t), t]));
  const CURRENT = /(^|[\s_-])(current|active|cur|on|now|selected)($|[\s_-])/i;
  const marked = (el) => {
    for (let x = el, up = 0; x && x !== body && up < 3; x = x.parentElement, up++) {
      if (CURRENT.test(typeof x.className === 'string' ? x.className : '')) return true;
      const aria = x.getAttribute('aria-current');
      if (aria && aria !== 'false') return true;
    }
    return false;
  };
  for (const el of body.getElementsByTagName('*')) {
    if (el.childElementCount > 4) continue;
    const title = want.get(keyOf(el.textContent).replace(/^(\d+|[①-⑩])[.、]?/, ''));
    if (title && marked(el)) return title;
  }
  for (const [text, title] of markers) if (shown.includes(text)) return title;
  return null;
}

// The page as HTML that reads the same offline: the live DOM (already masked by pagemask) copied,
// with its form state written into attributes, its stylesheets inlined, and everything that runs,
// calls home or carries a token removed. See portal_bot.recording.snapshot for the list.
function serialize() {
  const live = document.documentElement;
  const copy = live.cloneNode(true);
  const from = [live, ...live.getElementsByTagName('*')];
  const to = [copy, ...copy.getElementsByTagName('*')];
  const noQuery = (u) => {
    const v = (u || '').trim();
    if (/^javascript:/i.test(v)) return 'javascript:void(0)';
    if (/^data:/i.test(v)) return v;
    return v.replace(/[?#].*$/s, '').replace(/;jsessionid=[^/]*/i, '');
  };
  const cssNoQuery = (css) => css.replace(/url\(\s*(['"]?)([^'")]*)\1\s*\)/g,
    (m, q, u) => 'url(' + q + noQuery(u) + q + ')');
  for (let i = 0; i < from.length; i++) {
    const a = from[i], b = to[i];
    const tag = a.tagName;
    if (tag === 'INPUT') {
      const type = (a.type || 'text').toLowerCase();
      if (type === 'checkbox' || type === 'radio') {
        if (a.checked) b.setAttribute('checked', ''); else b.removeAttribute('checked');
      } else if (type === 'password' || type === 'hidden' || type === 'file') {
        b.setAttribute('value', '');  // a secret, a token, or a local path: never kept
      } else {
        b.setAttribute('value', a.value || '');
      }
    } else if (tag === 'TEXTAREA') {
      b.textContent = a.value || '';
    } else if (tag === 'OPTION') {
      if (a.selected) b.setAttribute('selected', ''); else b.removeAttribute('selected');
    } else if (tag === 'IMG' && !b.hasAttribute('width') && a.width) {
      b.setAttribute('width', String(a.width));  // its picture is dropped: keep the room it took
      b.setAttribute('height', String(a.height));
    }
  }
  let css = '';
  const rulesOf = (sheet) => {
    let out = '';
    for (const rule of sheet.cssRules) {
      if (rule.styleSheet) {
        try { out += rulesOf(rule.styleSheet); } catch (e) { out += '/* an imported sheet could not be read */\n'; }
      } else out += rule.cssText + '\n';
    }
    return out;
  };
  for (const sheet of document.styleSheets) {
    if (sheet.disabled) continue;
    try { css += rulesOf(sheet); } catch (e) { css += '/* a stylesheet of another site could not be read */\n'; }
  }
  const DROP = 'script, noscript, link, style, base, meta[http-equiv], template, object, embed';
  for (const el of [...copy.querySelectorAll(DROP)]) el.remove();
  const comments = document.createTreeWalker(copy, NodeFilter.SHOW_COMMENT);
  const gone = [];
  for (let n = comments.nextNode(); n; n = comments.nextNode()) gone.push(n);
  for (const n of gone) n.remove();
  const URLS = ['href', 'src', 'action', 'formaction', 'poster', 'background', 'xlink:href', 'cite', 'data'];
  for (const el of [copy, ...copy.getElementsByTagName('*')]) {  // a copy: removing must not skip one
    for (const attr of [...el.attributes]) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on') || name.startsWith('data-') || name === 'srcset' || name === 'srcdoc' ||
          name === 'integrity' || name === 'nonce' || name === 'ping') {
        el.removeAttribute(attr.name);
      } else if (name === 'style') {  // an element's own picture is a person's as much as an <img>
        el.setAttribute(attr.name, attr.value.replace(/url\([^)]*\)/g, 'none'));
      } else if (URLS.includes(name)) {
        el.setAttribute(attr.name, noQuery(attr.value));
      }
    }
    // pictures are a person's (photo, signature) or carry a token (a QR code): never kept
    if (el.matches('img, input[type=image], video, audio, source, track, iframe, frame')) el.removeAttribute('src');
    if (el.matches('meta') && /token|csrf|session|nonce/i.test(el.getAttribute('name') || '')) el.remove();
  }
  const head = copy.querySelector('head') || copy.insertBefore(document.createElement('head'), copy.firstChild);
  if (!copy.querySelector('meta[charset]')) {
    const charset = document.createElement('meta');
    charset.setAttribute('charset', 'utf-8');
    head.insertBefore(charset, head.firstChild);
  }
  const style = document.createElement('style');
  style.textContent = cssNoQuery(css);
  head.appendChild(style);
  return '<!DOCTYPE html>\n' + copy.outerHTML;
}
