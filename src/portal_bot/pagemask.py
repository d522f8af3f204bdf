"""Masking personal data in a live page, so a screenshot taken next never holds it in its pixels.

The masked screenshots of a registration (:mod:`portal_bot.register.evidence`) and the recorded
pages of ``register --record`` and ``portal-bot survey`` (:mod:`portal_bot.recording.snapshot`) mask
the same way, here: every text node, form value and the title of the page (and of its same-origin
frames) loses its ID and phone numbers by the rules of :func:`~portal_bot.privacy.mask_text`, and
the given names become :func:`~portal_bot.privacy.mask_name`. A recording also blacks out every
picture (a photo, a signature, a QR code carrying a signing token). The originals stay on ``window``
so :func:`unmask_page` can put them back: a preview left masked could be submitted masked.

This module never keeps or returns an unmasked value.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from portal_bot.browser import AsyncPage
from portal_bot.privacy import mask_name

# The regexes are privacy.py's, in JavaScript (the same look-arounds and groups): change both together.
_MASK_JS = r"""
({names, images}) => {
  const ID = /(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])/g;
  const ID15 = /(?<![0-9A-Za-z])(\d{4})\d{7}(\d{4})(?![0-9A-Za-z])/g;
  const PHONE = /(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?![0-9])/g;
  const BORN_AT = /(出生(?:日期|年月)?\s*[:：]?\s*)(\d{4}\s*[-/.年]?\s*\d{1,2}\s*[-/.月]?\s*\d{1,2}日?)/g;
  const mask = (s) => {
    let v = s.replace(ID, (m, a, b) => a + "**********" + b)
             .replace(PHONE, (m, a, b) => a + "****" + b)
             .replace(ID15, (m, a, b) => a + "*******" + b);
    for (const [raw, shown] of names) v = v.split(raw).join(shown);
    return v.replace(BORN_AT, (m, label, day) => label + day.replace(/\d/g, "*"));
  };
  // A date the page labels as a birth date (出生日期 in its row) is masked whoever it is: a survey
  // knows no cohort, and the date is part of the ID number. The cohort's own dates come in `names`.
  const DATE = /^\s*\d{4}\s*[-/.年]?\s*\d{1,2}\s*[-/.月]?\s*\d{1,2}\s*日?\s*$/;
  const BIRTH = /出生|生日|birth/i;
  const born = (el, v) => {
    if (!el || !DATE.test(v)) return false;
    const row = el.closest("tr, li, dl, label, p") || el.parentElement;
    return BIRTH.test((row ? row.textContent : "") + " " + (el.getAttribute("placeholder") || ""));
  };
  const maskAt = (el, s) => born(el, s) ? s.replace(/\d/g, "*") : mask(s);
  const saved = window.__portalBotMasked || [];  // a second call (the pictures) adds to the first
  const PICTURES = "img, canvas, video, picture, svg image, object, embed, input[type=image]";
  const walk = (doc) => {
    const it = doc.createTreeWalker(doc.body || doc.documentElement, NodeFilter.SHOW_TEXT);
    for (let n = it.nextNode(); n; n = it.nextNode()) {
      const v = maskAt(n.parentElement, n.nodeValue);
      if (v !== n.nodeValue) { saved.push([n, "text", n.nodeValue]); n.nodeValue = v; }
    }
    for (const el of doc.querySelectorAll("input, textarea")) {
      const v = maskAt(el, el.value || "");
      if (v !== el.value) { saved.push([el, "value", el.value]); el.value = v; }
    }
    const title = mask(doc.title || "");
    if (title !== doc.title) { saved.push([doc, "title", doc.title]); doc.title = title; }
    if (images) {
      const black = (el, css) => { saved.push([el, "style", el.getAttribute("style")]);
                                   el.setAttribute("style", (el.getAttribute("style") || "") + ";" + css); };
      for (const el of doc.querySelectorAll(PICTURES)) black(el, "filter: brightness(0) !important");
      for (const el of doc.querySelectorAll("body *")) {
        if (getComputedStyle(el).backgroundImage.includes("url(")) {
          black(el, "background-image: none !important; background-color: #000 !important");
        }
      }
    }
    for (const f of doc.querySelectorAll("iframe")) {
      try { if (f.contentDocument) walk(f.contentDocument); } catch (e) { /* cross-origin */ }
    }
  };
  walk(document);
  window.__portalBotMasked = saved;
  return saved.length;
}
"""

_UNMASK_JS = r"""
() => {
  for (const [n, kind, v] of (window.__portalBotMasked || []).reverse()) {
    if (kind === "text") n.nodeValue = v;
    else if (kind === "value") n.value = v;
    else if (kind === "title") n.title = v;
    else if (v === null) n.removeAttribute("style"); else n.setAttribute("style", v);
  }
  window.__portalBotMasked = [];
}
"""


async def mask_page(page: AsyncPage, *, names: Iterable[str] = (), images: bool = False) -> int:
    """Mask ``page`` in place; returns how many texts, values and pictures were changed.

    Args:
        page: the live page.
        names: people's names to mask as well (a cohort's candidates).
        images: also black out every picture (a recording: photos, signatures, QR codes).
    """
    pairs = [[n, mask_name(n)] for n in sorted({n.strip() for n in names if len(n.strip()) > 1}, key=len)]
    count: int = await page.evaluate(_MASK_JS, {"names": pairs[::-1], "images": images})
    return count


async def unmask_page(page: AsyncPage) -> None:
    """Put back what :func:`mask_page` changed (a page that navigated away needs nothing)."""
    with contextlib.suppress(Exception):
        await page.evaluate(_UNMASK_JS)


@asynccontextmanager
async def masked(page: AsyncPage, *, names: Iterable[str] = (), images: bool = False) -> AsyncIterator[None]:
    """``page`` masked for the duration of the block, restored after it (even when it raised)."""
    await mask_page(page, names=names, images=images)
    try:
        yield
    finally:
        await unmask_page(page)
