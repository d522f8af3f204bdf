"""``prepared/contact-sheet.html``: every prepared photo on one page, for a coordinator to check a cohort.

One card per candidate: the original photo beside the fixed one (relative links, so the folder can
be moved or zipped), what was changed (background replaced, enlarged, turned upright), the name, the
masked ID number, the photo's size in pixels and KB, every warning and problem, and a "look at it"
flag with its reasons when the photo code's own checks want a person's eye. Every value goes
through Jinja2's autoescape; the page has no external assets (no CDN, no fonts, no scripts). This
module must never show an unmasked ID number or embed a picture's bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from portal_bot.fileio import atomic_write_text
from portal_bot.i18n import _, html_lang, ngettext, with_gettext
from portal_bot.prepare.manifest import Manifest, relative_to

_TEMPLATE = Path(__file__).with_name("contact_sheet.html.j2")


@dataclass
class Card:
    file: str
    name: str
    id_masked: str
    ok: bool
    photo: str | None  # link relative to the page
    original: str | None  # the photo as the candidate sent it, relative to the page
    size: str  # "413×579 px · 62 KB"
    pages: str  # "materials 2 pages · evidence 1 page"
    problems: list[str]
    warnings: list[str]
    changes: list[str]  # what was done to the photo that changes how it looks
    review: list[str]  # why a person should look at the result


def _pages(n: int) -> str:
    return ngettext("{n} page", "{n} pages", n).format(n=n)


def cards(manifest: Manifest, page_dir: Path) -> list[Card]:
    """What the page shows for each candidate, in manifest order."""
    found: list[Card] = []
    for entry in manifest.candidates:
        photo = entry.outputs.get("photo")
        link = original = None
        size = _("no photo")
        changes: list[str] = []
        review: list[str] = []
        if photo is not None and entry.photo is not None:
            link = relative_to(entry.photo, page_dir)
            size = f"{photo.width}×{photo.height} px · {photo.bytes / 1024:.0f} KB"
            if photo.before:
                original = relative_to(manifest.path.parent.absolute() / photo.before, page_dir)
            changes = photo.changes  # what changed how it looks (prepare writes it in the run's language)
            review = photo.review
        pages = " · ".join(
            f"{_(kind)} {_pages(out.pages or 0)}" for kind, out in entry.outputs.items() if kind != "photo"
        )
        found.append(
            Card(
                file=entry.file,
                name=entry.name,
                id_masked=entry.id_masked or "–",
                ok=entry.ok,
                photo=link,
                original=original,
                size=size,
                pages=pages,
                problems=entry.problems,
                warnings=[w for w in entry.warnings if w.removeprefix(f"{_('photo')}: ") not in review],
                changes=changes,
                review=review,
            )
        )
    return found


def render(manifest: Manifest, page: Path) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    template = with_gettext(env).from_string(_TEMPLATE.read_text(encoding="utf-8"))
    shown = cards(manifest, page.parent.absolute())
    return template.render(
        lang=html_lang(),
        cohort=manifest.cohort_dir.name,
        cards=shown,
        failed=sum(not c.ok for c in shown),
        warned=sum(bool(c.warnings) and c.ok and not c.review for c in shown),
        looked=sum(bool(c.review) and c.ok for c in shown),
    )


def write_contact_sheet(manifest: Manifest, page: Path) -> None:
    """Write the page atomically (only when it changed, so an unchanged cohort leaves it alone)."""
    html = render(manifest, page)
    try:
        if page.read_text(encoding="utf-8") == html:
            return
    except OSError:
        pass
    atomic_write_text(page, html)
