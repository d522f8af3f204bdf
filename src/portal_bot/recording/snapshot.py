"""One recorded page: a safe snapshot of a live Playwright page.

:func:`take_snapshot` masks the page in place (:mod:`portal_bot.pagemask`: ID and phone numbers,
the cohort's names and other personal texts), reads it, blacks out every picture, takes the
screenshot and restores the page: the pixels are taken of the masked page by construction, and the
saved DOM is the very DOM the screenshot shows. What it reads:

* the DOM after scripts ran, serialized by snapshot.js ``serialize``: ``<script>``, ``<noscript>``,
  ``<link>``, ``<base>``, ``<object>``/``<embed>``, comments, ``on*`` handlers and ``data-*``
  attributes removed; every stylesheet's rules inlined in one ``<style>`` (so visibility and layout
  read the same offline); query strings, fragments and ``;jsessionid`` cut from every URL attribute
  and stylesheet ``url()``; ``javascript:`` URLs made inert; pictures' ``src`` and an element's own
  ``style`` pictures dropped (a photo, a signature, a QR code's token) with their size kept; frames'
  content not kept; form values written as attributes, masked
  like the page, password, hidden (tokens) and file inputs emptied; token-like ``<meta>`` removed;
* locate.js ``pageOffers`` (labels with their control kind, buttons, links, texts);
* the URL path (never the query), the title, and the wizard step (:mod:`.wizard`).

Then everything text goes through :func:`~portal_bot.privacy.mask_text` and
:func:`~portal_bot.privacy.mask_names` once more, in Python, as a second net.
This module never writes a file and never keeps an unmasked value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from portal_bot.browser import AsyncPage
from portal_bot.flows.settle import OFFERS_JS
from portal_bot.pagemask import mask_page, masked
from portal_bot.privacy import date_spellings, mask_names, mask_text
from portal_bot.profiles.models import Candidate
from portal_bot.recording import wizard

_SCRIPT = resources.files("portal_bot.recording").joinpath("snapshot.js").read_text(encoding="utf-8")


def _function(entry: str) -> str:
    return f"(arg) => {{\n{_SCRIPT}\nreturn {entry}(arg);\n}}"


SERIALIZE_JS = _function("serialize")
WIZARD_JS = _function("wizardStep")
#: ``{doc, path, title, ready, fp}``: which document the page holds and its shape (cheap).
STATE_JS = _function("pageState")


@dataclass(frozen=True)
class Snapshot:
    """A page as it will be saved: every field already masked."""

    path: str
    title: str
    wizard_step: str | None
    offers: dict[str, Any]
    html: str
    png: bytes

    def key(self) -> str:
        """What tells two pages apart: the same key is the same page for a recording.

        Digit runs in the path are one number (``/user/app/12/step2`` is every candidate's step 2);
        free texts are left out (they hold the candidate's masked values).
        """
        o = self.offers
        return json.dumps(
            [
                re.sub(r"\d+", "N", self.path),
                self.title,
                self.wizard_step,
                [(lab.get("text"), lab.get("kind")) for lab in o.get("labels", [])],
                o.get("buttons", []),
                o.get("links", []),
            ],
            ensure_ascii=False,
        )


def personal_texts(candidate: Candidate) -> list[str]:
    """What of a candidate a recording masks beyond the ID and phone patterns: the name, the
    address, the ID number as written (a passport number has no pattern to find it by), the birth
    date in every spelling (it is part of the ID number), the employer and the post.

    An employer or post shorter than four characters is left out: 会计 or 学生 names nobody, and
    masking it would mask the page's own words (labels a flows check reads) wherever they occur.
    """
    texts = [candidate.name, candidate.address, candidate.id_number]
    texts += [t for t in (candidate.employer, candidate.post) if t and len(t.strip()) >= 4]
    if candidate.birth_date is not None:
        texts += date_spellings(candidate.birth_date)
    return [t for t in texts if t and len(t.strip()) > 1]


def clean_path(path: str) -> str:
    """A URL path as a recording keeps it: no query, fragment or ``;jsessionid=…``."""
    path = re.split(r"[?#]", path, maxsplit=1)[0]
    return re.sub(r";jsessionid=[^/]*", "", path, flags=re.IGNORECASE) or "/"


def clean_text(text: str, names: Iterable[str]) -> str:
    """ID and phone numbers, then the given names, masked in ``text``."""
    return mask_names(mask_text(text), names)


def clean_offers(value: Any, names: Iterable[str]) -> Any:
    """Every string inside ``pageOffers``' answer masked (its ``path`` cleaned as a path)."""
    names = list(names)
    if isinstance(value, str):
        return clean_text(value, names)
    if isinstance(value, list):
        return [clean_offers(v, names) for v in value]
    if isinstance(value, dict):
        out = {k: clean_offers(v, names) for k, v in value.items()}
        if isinstance(out.get("path"), str):
            out["path"] = clean_path(out["path"])
        return out
    return value


async def take_snapshot(page: AsyncPage, *, names: Iterable[str] = ()) -> Snapshot:
    """Mask ``page``, screenshot and read it, restore it; see the module docstring.

    Args:
        page: the live page, settled (the caller waits for that).
        names: the cohort's candidate names, masked in the page and in every text.
    """
    names = [n for n in names if n]
    async with masked(page, names=names):
        html: str = await page.evaluate(SERIALIZE_JS)
        offers: dict[str, Any] = await page.evaluate(OFFERS_JS)
        state: dict[str, Any] = await page.evaluate(STATE_JS)
        step: str | None = await page.evaluate(WIZARD_JS, wizard.js_argument())
        await mask_page(page, images=True)  # after the DOM is read: its copy keeps the site's styles
        png = await page.screenshot(full_page=True, animations="disabled", caret="hide")
    return Snapshot(
        path=clean_path(str(state["path"])),
        title=clean_text(str(state["title"]), names),
        wizard_step=step,
        offers=clean_offers(offers, names),
        html=clean_text(html, names),
        png=png,
    )
