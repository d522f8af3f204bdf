"""Writing a recording folder as pages come: numbering, de-duplication, index.html, recording.json.

One :class:`Recorder` per run (``register --record`` or ``survey``) owns the folder. Pages are
numbered in the order their snapshots were taken, across every candidate of a run: the number is
taken without awaiting anything in between, so candidates walked at once (``-c 3``) never share
one, and their pages simply interleave. ``recording.json`` and ``index.html`` are rewritten
(atomically) after every page, so a run that is killed or a survey ended with Ctrl-C leaves a
complete recording of what it saw.

De-duplication (``dedup``):

* ``"run"`` (register): a page whose :meth:`~.snapshot.Snapshot.key` was already recorded in this
  run is not saved again; the flow steps that ran on it are added to the first one. Fifty candidates
  walking the same wizard make one recording of it, not fifty.
* ``"row"`` (survey): only the same page twice in a row is skipped: a person's walk keeps its order.

A page where a flow step failed is always saved (``reason="failed"``). :class:`PageWatch` is what
the flow runner calls around each step (``FlowRunner(watcher=…)``). Recording never fails a run: a
snapshot that cannot be taken (a page closing) is logged and skipped.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import jinja2
from loguru import logger

from portal_bot.browser import AsyncPage
from portal_bot.errors import ConfigError, PortalBotError
from portal_bot.fileio import atomic_write_bytes, atomic_write_text
from portal_bot.flows import settle
from portal_bot.flows.steps import Flow, RuntimeStep
from portal_bot.i18n import S_, html_lang, with_gettext
from portal_bot.recording.model import PAGES, RecordedPage, Recording, save_recording
from portal_bot.recording.snapshot import STATE_JS, Snapshot, take_snapshot

_INDEX = resources.files("portal_bot.recording").joinpath("index.html.j2")
#: Seconds a recorder waits for a page to settle before it takes the snapshot anyway.
SETTLE_AT_MOST = 5.0
#: Seconds a snapshot may take before it is given up (the page is restored either way).
SNAPSHOT_AT_MOST = 30.0

Reason = Literal["visited", "failed", "survey"]


@dataclass
class _Entry:
    n: int
    name: str
    snap: Snapshot
    reason: Reason
    steps: list[str] = field(default_factory=list)
    failed_step: str | None = None
    written: bool = False

    def page(self) -> RecordedPage:
        s = self.snap
        return RecordedPage(
            n=self.n,
            name=self.name,
            path=s.path,
            title=s.title,
            wizard_step=s.wizard_step,
            reason=self.reason,
            steps=tuple(dict.fromkeys(self.steps)),
            failed_step=self.failed_step,
            offers=s.offers,
        )


def slug(path: str) -> str:
    """A file-name part from a URL path: ``/user/app/12/step2`` → ``user-app-12-step2``."""
    text = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
    return text[-40:].strip("-") or "home"


def step_name(path: Path, line: int | None, flows_root: Path) -> str:
    """``flows/register.yaml:23``: a step's file relative to its flows folder, never a local path."""
    try:
        rel = path.resolve().relative_to(flows_root.resolve()).as_posix()
    except ValueError:
        rel = path.name
    return f"flows/{rel}" + (f":{line}" if line is not None else "")


def _empty(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def prepare_folder(root: Path) -> None:
    """Create ``root`` (and ``pages/``); a folder that already holds files is refused.

    Raises:
        ConfigError: ``root`` is a file, or a folder that is not empty.
    """
    # an empty pages/ is what this function itself leaves: the command checks before any window
    # opens, then the recorder checks again
    held = [] if not root.is_dir() else [p for p in root.iterdir() if not (p.name == PAGES and _empty(p))]
    if root.exists() and (not root.is_dir() or held):
        raise ConfigError(
            S_("{} already exists and is not an empty folder").format(root),
            path=root,
            hint=S_("give a new folder to record into (a recording is never mixed with other files)"),
        )
    (root / PAGES).mkdir(parents=True, exist_ok=True)


class Recorder:
    """The recording folder of one run.

    Args:
        root: the folder (created; must be new or empty).
        made_by: ``register`` or ``survey`` (``fixture`` for the checked-in one).
        site: the portal's origin; only scheme, host and port are kept.
        names: the cohort's candidate names, masked in every page.
        dedup: ``"run"`` or ``"row"`` (see the module docstring).
        shrink_to: scale screenshots down to this width (pixels) and fewer colours, for fixtures.
    """

    def __init__(
        self,
        root: Path,
        *,
        made_by: Literal["register", "survey", "fixture"],
        site: str,
        names: Iterable[str] = (),
        dedup: Literal["run", "row"] = "run",
        shrink_to: int | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now().astimezone(),
    ) -> None:
        prepare_folder(root)
        self.root = root
        self.made_by = made_by
        self.site = origin(site)
        self.names = [n for n in names if n]
        self.dedup = dedup
        self.shrink_to = shrink_to
        self.created = clock()
        self._entries: list[_Entry] = []
        self._keys: dict[str, _Entry] = {}
        self._last_key: str | None = None

    @property
    def pages(self) -> int:
        return sum(1 for e in self._entries if e.written)

    def watch(self, page: AsyncPage) -> PageWatch:
        """The watcher of one candidate's page, for ``FlowRunner(watcher=…)``."""
        return PageWatch(self, page)

    async def record(
        self,
        page: AsyncPage,
        *,
        reason: Reason,
        steps: Iterable[str] = (),
        failed_step: str | None = None,
    ) -> _Entry | None:
        """Snapshot ``page`` and save it, unless it is a page already recorded (see ``dedup``).

        Returns:
            The page's entry (an earlier one when de-duplicated); None when no snapshot could be
            taken (the page closed or navigated away meanwhile).
        """
        if not page.url.startswith(("http://", "https://")):
            return None  # about:blank before the first goto, a browser's own page: not the site's
        try:
            snap = await asyncio.wait_for(take_snapshot(page, names=self.names), SNAPSHOT_AT_MOST)
        except Exception as exc:  # a page gone, or stuck (TimeoutError): recording never holds up a run
            logger.debug("no snapshot of {}: {!r}", getattr(page, "url", "?"), exc)
            return None
        key = snap.key()
        if reason != "failed":
            earlier = self._keys.get(key) if self.dedup == "run" else None
            if earlier is None and self.dedup == "row" and key == self._last_key:
                earlier = self._entries[-1]
            if earlier is not None:
                earlier.steps.extend(steps)
                return earlier
        # numbered and listed before the first await below: concurrent snapshots never share a number
        n = len(self._entries) + 1
        entry = _Entry(n, f"{n:03d}-{slug(snap.path)}", snap, reason, list(steps), failed_step)
        self._entries.append(entry)
        self._keys.setdefault(key, entry)
        self._last_key = key
        await asyncio.to_thread(self._write_page, entry)
        self.save()  # here, in the loop's thread: two pages' threads never race to write the list
        return entry

    def _write_page(self, entry: _Entry) -> None:
        png = entry.snap.png
        if self.shrink_to is not None:
            from portal_bot.documents.images import shrink_png

            png = shrink_png(png, self.shrink_to)
        atomic_write_text(self.root / PAGES / f"{entry.name}.html", entry.snap.html)
        atomic_write_bytes(self.root / PAGES / f"{entry.name}.png", png)
        entry.written = True

    def recording(self) -> Recording:
        """What ``recording.json`` says now: every page whose files are written, in order."""
        return Recording(
            made_by=self.made_by,
            site=self.site,
            created=self.created,
            pages=tuple(e.page() for e in self._entries if e.written),
        )

    def save(self) -> Path:
        """Write ``index.html`` and ``recording.json`` (atomically); returns the folder."""
        recording = self.recording()
        atomic_write_text(self.root / "index.html", render_index(recording))
        save_recording(self.root, recording)
        return self.root


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: the only part of the site's address a recording keeps."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return f"{parts.scheme}://{host}" if parts.scheme else host


def render_index(recording: Recording) -> str:
    """The recording's ``index.html``: every page in order with its screenshot and controls."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    with_gettext(env)
    return env.from_string(_INDEX.read_text(encoding="utf-8")).render(recording=recording, lang=html_lang())


async def wait_settled(page: AsyncPage, at_most: float = SETTLE_AT_MOST) -> dict[str, Any]:
    """Wait until ``page`` is complete, quiet and unchanged (:func:`portal_bot.flows.settle.settled`),
    at most ``at_most`` seconds; returns its last :data:`STATE_JS` reading."""
    return await settle.settled(page, STATE_JS, at_most=at_most)


def _same(a: dict[str, Any] | None, b: dict[str, Any]) -> bool:
    return a is not None and all(a.get(k) == b.get(k) for k in ("doc", "path", "title", "fp"))


class PageWatch:
    """Records the pages one candidate's flows run on (the runner calls it around each step).

    A page is snapshotted once it has settled, whenever it differs from the last one recorded
    (another document, path, title or shape), before a step and after it. A step counts as run on
    the page shown when it ended, except a click that changed the page: it ran on the page before.
    """

    def __init__(self, recorder: Recorder, page: AsyncPage) -> None:
        self.recorder = recorder
        self.page = page
        self._state: dict[str, Any] | None = None
        self._entry: _Entry | None = None

    async def _look(self) -> bool:
        """Snapshot the page if it changed since the last look; True when it did."""
        try:
            now = await asyncio.wait_for(self.page.evaluate(STATE_JS), SETTLE_AT_MOST)
        except Exception as exc:  # mid-navigation, or stuck: the next look sees the new page
            logger.debug("cannot read the page's state: {}", exc)
            return False
        if _same(self._state, now):
            return False
        settled = await wait_settled(self.page)
        entry = await self.recorder.record(self.page, reason="visited")
        if entry is None:
            return False
        self._state, self._entry = settled or now, entry
        return True

    async def before(self, flow: Flow, step: RuntimeStep) -> None:
        await self._look()

    async def after(self, flow: Flow, step: RuntimeStep, error: PortalBotError | None) -> None:
        root = flow.path.parent
        where = step_name(step.where.path, step.where.line, root)
        if error is not None:
            failed = step_name(error.path, error.line, root) if error.path is not None else where
            await wait_settled(self.page)
            await self.recorder.record(self.page, reason="failed", steps=[where], failed_step=failed)
            return
        before = self._entry
        changed = await self._look()
        ran_on = before if changed and step.kind == "click" and before is not None else self._entry
        if ran_on is not None:
            ran_on.steps.append(where)
