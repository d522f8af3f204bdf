"""The evidence a registration keeps (screenshots, pages, Playwright traces) without the secrets in it.

A screenshot is taken of a page whose ID and phone numbers were masked in the page first
(:mod:`portal_bot.pagemask`), so the pixels never hold them; the page is restored right after (a
preview whose inputs were left masked could be submitted masked). A failure also keeps the page
itself as HTML (:func:`failure_evidence`): the masked DOM serialized as a recording serializes it
(:mod:`portal_bot.recording.snapshot`: no scripts, password and hidden inputs emptied, pictures
dropped, stylesheets inlined), scrubbed like a trace, and made to open offline (no URL that
fetches anything, and a Content-Security-Policy that forbids it anyway). That page is what shows a
failure that is never retried: a first attempt's trace holds no DOM snapshots (issue 14).

A trace is recorded without screencast frames (pixels cannot be scrubbed) and, once saved, every
text entry of its zip is rewritten: the candidate's password, ID number, phone number and the
session cookie values are replaced in every spelling a trace holds them (as typed, URL-encoded,
JSON-escaped), then :func:`~portal_bot.privacy.mask_text` catches any other ID or phone number.
Files are written 0600.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from urllib.parse import quote, quote_plus

from loguru import logger

from portal_bot.browser import AsyncPage
from portal_bot.fileio import atomic_write, atomic_write_text
from portal_bot.pagemask import masked
from portal_bot.privacy import date_spellings, mask_text
from portal_bot.recording.snapshot import SERIALIZE_JS

HIDDEN = "********"


def private(path: Path) -> Path:
    """Mode 0600 where the OS has modes (the state folder is 0700 anyway; exports are not)."""
    if os.name == "posix" and path.exists():
        path.chmod(0o600)
    return path


async def masked_screenshot(
    page: AsyncPage, path: Path, *, unmasked: Path | None = None, names: Iterable[str] = ()
) -> Path:
    """A full-page screenshot of ``page`` with ID and phone numbers masked in its pixels (PNG, or
    JPEG when ``path`` ends in ``.jpg``).

    Args:
        page: the page; left as it was (masked values are restored after the shot).
        path: where the masked screenshot goes (0600).
        unmasked: also keep an unmasked shot there (0600), only for ``--keep-unmasked-evidence``;
            a report never links it.
        names: the candidate's own texts to mask too (:func:`born_on`: the birth date, which a form
            may show in a row the page mask cannot tell is a birth date).
    """
    if unmasked is not None:
        await page.screenshot(path=str(unmasked), full_page=True, quality=_quality(unmasked))
        private(unmasked)
    async with masked(page, names=names):
        await page.screenshot(path=str(path), full_page=True, quality=_quality(path))
    return private(path)


#: JPEG quality of a ``.jpg`` screenshot: text stays sharp to read, and a full page is taken and
#: encoded in about half a PNG's time (issue 14: 121 against 205–271 ms for the plan list page).
JPEG_QUALITY = 80


def _quality(path: Path) -> int | None:
    """Playwright picks the format by the file's suffix; a JPEG also gets :data:`JPEG_QUALITY`."""
    return JPEG_QUALITY if path.suffix.lower() in {".jpg", ".jpeg"} else None


def born_on(birth_date: date | None) -> list[str]:
    """Every spelling of a candidate's birth date (part of the ID number), for the evidence's mask."""
    return date_spellings(birth_date) if birth_date is not None else []


def _spellings(value: str) -> set[str]:
    """How a value typed into a page can show in a trace: as is, URL-encoded, JSON-escaped."""
    forms = {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}
    forms |= {json.dumps(f)[1:-1] for f in list(forms)}
    return {f for f in forms if f}


def replacements(*, secrets: Iterable[str] = (), masked: Mapping[str, str] | None = None) -> dict[str, str]:
    """Literal → replacement for :func:`scrub_trace`: secrets become ``HIDDEN``, ``masked`` its value.

    A phone number is also matched without its spaces (a profile may write ``138 0571 0001``).
    """
    table: dict[str, str] = {}
    for raw, shown in (masked or {}).items():
        for value in {raw, raw.replace(" ", ""), raw.replace(" ", "-")}:
            if len(value) >= 4:
                table.update(dict.fromkeys(_spellings(value), shown))
    for secret in secrets:
        if len(secret) >= 4:  # a shorter "secret" would scrub half the trace's digits
            table.update(dict.fromkeys(_spellings(secret), HIDDEN))
    return table


# A Cookie or Set-Cookie header in the trace's network log, whatever cookie it carries (one set
# before the login, since replaced, is not among the context's cookies when the trace is saved).
_COOKIE_HEADER = re.compile(
    r'("name"\s*:\s*"(?:set-)?cookie"\s*,\s*"value"\s*:\s*")((?:[^"\\]|\\.)*)(")', re.IGNORECASE
)


def _scrub_text(text: str, table: Mapping[str, str]) -> str:
    text = _COOKIE_HEADER.sub(lambda m: m.group(1) + HIDDEN + m.group(3), text)
    for literal in sorted(table, key=len, reverse=True):  # longest first: "a%20b" before "a"
        text = text.replace(literal, table[literal])
    return mask_text(text)


def scrub_trace(path: Path, table: Mapping[str, str], *, target: Path | None = None) -> Path:
    """Rewrite a trace zip with every text entry scrubbed (see the module docstring), 0600.

    Binary entries (images the page loaded) are kept as they are; the trace holds no screencast.

    Args:
        path: the trace Playwright saved.
        table: literal → replacement (:func:`replacements`).
        target: where the scrubbed trace goes (default: over ``path``); ``path`` is then deleted,
            so only the scrubbed trace is ever under its final name.
    """
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for info, data in entries:
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError:
                    target.writestr(info, data)
                    continue
                target.writestr(info, _scrub_text(text, table).encode("utf-8"))

    atomic_write(target or path, write, private=True)
    if target is not None and target != path:
        path.unlink()
    return target or path


#: First thing in the saved page's head: it may load nothing but its own inline styles and
#: ``data:`` pictures, run nothing and send no form, wherever it is opened from.
_OFFLINE_CSP = (
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    "style-src 'unsafe-inline'; img-src data:; font-src data:; form-action 'none'; base-uri 'none'\">"
)
# serialize() writes attributes as name="value" (a quote inside is &quot;), so this finds them all
_URL_ATTRIBUTE = re.compile(
    r'(\s(?:href|src|action|formaction|poster|background|xlink:href|cite|data)=")([^"]*)(")', re.IGNORECASE
)
_SITE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//[^/]*", re.IGNORECASE)  # scheme://host, //host
_STYLE = re.compile(r"(<style\b[^>]*>)(.*?)(</style>)", re.IGNORECASE | re.DOTALL)
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(?!data:)[^'")]*\1\s*\)""", re.IGNORECASE)
_HEAD = re.compile(r"<head\b[^>]*>(?:\s*<meta charset=[^>]*>)?", re.IGNORECASE)  # after the charset


def offline_html(html: str) -> str:
    """A serialized page that contacts nothing when opened: no site in any URL, no ``url()`` but
    ``data:`` in its styles, and a Content-Security-Policy that blocks whatever was missed.

    Links keep their path (``/user/applications``): a reader sees where they went, and opened from
    a file they point at nothing.
    """
    html = _URL_ATTRIBUTE.sub(lambda m: m.group(1) + _SITE.sub("", m.group(2)) + m.group(3), html)
    html = _STYLE.sub(lambda m: m.group(1) + _CSS_URL.sub("none", m.group(2)) + m.group(3), html)
    return _HEAD.sub(lambda m: m.group(0) + _OFFLINE_CSP, html, count=1)


async def failure_evidence(
    page: AsyncPage, shot: Path, html: Path, table: Mapping[str, str], *, names: Iterable[str] = ()
) -> tuple[Path | None, Path | None]:
    """The page a failure left: a masked screenshot and the masked page as HTML that opens offline.

    Both are read from the page while it is masked once. Neither raises: the page may be gone (a
    closed context, a crashed renderer), and what could be taken is kept.

    Args:
        page: the page the attempt failed on; left as it was.
        shot: where the screenshot goes (0600).
        html: where the page goes (0600), scrubbed with ``table`` (:func:`replacements`) like a trace.
        table: the candidate's secrets and masked values.
        names: the candidate's own texts the page mask masks too (see :func:`masked_screenshot`).

    Returns:
        The screenshot and the page, each ``None`` if it could not be taken.
    """
    kept: list[Path | None] = [None, None]
    try:
        async with masked(page, names=names):
            try:
                await page.screenshot(path=str(shot), full_page=True)
                kept[0] = private(shot)
            except Exception as exc:
                logger.debug("no failure screenshot: {}", exc)
            dom: str = await page.evaluate(SERIALIZE_JS)
    except Exception as exc:  # the page is gone; the trace still tells
        logger.debug("no failure page: {}", exc)
        return kept[0], None
    atomic_write_text(html, offline_html(_scrub_text(dom, table)), private=True)
    return kept[0], html
