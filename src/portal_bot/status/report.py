"""Reports of a cohort's application states: an HTML page with a chart, and an .xlsx workbook.

Input is plain data, a list of :class:`~portal_bot.status.changes.Observation` over time (every run),
so the reports do not depend on the ledger. The HTML page is self-contained: an inline SVG stacked-bar
chart of the cohort's states over time, the counts per action and a table of current states; a
Content-Security-Policy forbids loading anything and running any script. The workbook holds the same
table, the full history and the chart's numbers.

This module must never write a value unescaped into HTML, never let a cell become a formula, never
show an unmasked ID or phone number, and never leave a half-written file: it writes beside the
target and renames.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from portal_bot.cohortrun.states import Action, State
from portal_bot.errors import StateError
from portal_bot.fileio import atomic_write
from portal_bot.i18n import N_, _, html_lang, ngettext
from portal_bot.privacy import mask_text
from portal_bot.spreadsheet import Sheet, write_workbook
from portal_bot.status.changes import Observation, summary

MAX_POINTS = 60
DEFAULT_TITLE = N_("Application status report")

#: One colour per state, in the order the chart stacks them (bottom first).
STATE_COLOURS: dict[State, str] = {
    State.TICKET_ISSUED: "#1b7837",
    State.PAID: "#5aae61",
    State.APPROVED: "#a6dba0",
    State.TO_PAY: "#fdb863",
    State.PENDING_REVIEW: "#92c5de",
    State.RETURNED: "#e66101",
    State.REJECTED: "#b2182b",
    State.DRAFT: "#d9d9d9",
    State.NOT_SUBMITTED: "#bdbdbd",
    State.NEEDS_LOGIN: "#8073ac",
    State.UNKNOWN: "#fee090",
    State.ERROR: "#4d4d4d",
}


@dataclass(frozen=True)
class TimelinePoint:
    """The cohort at one moment: per state, how many candidates were last seen in it."""

    label: str
    at: datetime
    counts: dict[State, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def current_states(history: Iterable[Observation]) -> list[Observation]:
    """The latest observation per candidate, most urgent action first, then by name."""
    latest: dict[str, Observation] = {}
    for obs in history:
        if obs.key not in latest or obs.observed_at >= latest[obs.key].observed_at:
            latest[obs.key] = obs
    return sorted(latest.values(), key=lambda o: (o.action.order, o.name, o.key))


def _last_seen(history: Sequence[Observation]) -> dict[str, Observation]:
    seen: dict[str, Observation] = {}
    for obs in history:
        if obs.state.seen and (obs.key not in seen or obs.observed_at >= seen[obs.key].observed_at):
            seen[obs.key] = obs
    return seen


def timeline(history: Iterable[Observation], *, max_points: int = MAX_POINTS) -> list[TimelinePoint]:
    """The cohort's states over time: one point per day, or per hour when the history is short.

    At each point every candidate counts in the state of their latest observation up to then.
    More than ``max_points`` points are thinned evenly; the last point is always kept.
    """
    ordered = sorted(history, key=lambda o: o.observed_at)
    if not ordered:
        return []
    span = ordered[-1].observed_at - ordered[0].observed_at
    by_day = span.days >= 2
    fmt = "%m-%d" if by_day else "%m-%d %H:00"

    def bucket(obs: Observation) -> str:
        return obs.observed_at.strftime("%Y-" + fmt)

    latest: dict[str, State] = {}
    points: list[TimelinePoint] = []
    for i, obs in enumerate(ordered):
        latest[obs.key] = obs.state
        if i + 1 == len(ordered) or bucket(ordered[i + 1]) != bucket(obs):
            counts = dict.fromkeys(STATE_COLOURS, 0)
            for state in latest.values():
                counts[state] += 1
            points.append(TimelinePoint(obs.observed_at.strftime(fmt), obs.observed_at, counts))
    if len(points) > max_points:
        step = (len(points) - 1) / (max_points - 1)
        points = [points[round(i * step)] for i in range(max_points)]
    return points


# -- HTML --------------------------------------------------------------------------------------


def _e(value: object) -> str:
    """Masked and HTML-escaped: the only way a value reaches the page."""
    return html.escape(mask_text("" if value is None else str(value)), quote=True)


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


def chart_svg(points: Sequence[TimelinePoint], *, width: int = 860, height: int = 320) -> str:
    """An inline SVG stacked-bar chart of the points; hover titles carry the numbers."""
    if not points:
        return '<p class="empty">' + _e(_("no observations yet")) + "</p>"
    left, right, top, bottom = 40, 10, 10, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(1, max(p.total for p in points))
    slot = plot_w / len(points)
    bar = max(1.0, slot * 0.75)
    label = _e(_("states over time"))
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{label}" class="chart">']
    for tick in sorted({0, peak // 2, peak}):
        y = top + plot_h - tick / peak * plot_h
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    every = max(1, round(len(points) / 10))
    for i, point in enumerate(points):
        x = left + i * slot + (slot - bar) / 2
        y = top + plot_h
        for state, count in point.counts.items():
            if not count:
                continue
            h = count / peak * plot_h
            y -= h
            tip = f"{point.label} {state.shown}: {count}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{STATE_COLOURS[state]}"><title>{_e(tip)}</title></rect>'
            )
        if i % every == 0 or i == len(points) - 1:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle">'
                f"{_e(point.label)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


_STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:2em;color:#222}
h1{font-size:1.4em} h2{font-size:1.15em;margin-top:1.6em}
.cards{display:flex;flex-wrap:wrap;gap:.6em}
.card{border:1px solid #ccc;border-radius:6px;padding:.5em .9em;min-width:8em}
.card b{font-size:1.4em;display:block} .card.attention{border-color:#e66101;background:#fff4ec}
.chart{width:100%;max-width:860px;height:auto} .chart text{font-size:11px;fill:#444}
.chart .grid{stroke:#ddd}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.8em;font-size:.9em}
.legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle}
table{border-collapse:collapse;font-size:.92em;margin-top:.5em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3} tr.group td{background:#fafafa;font-weight:bold}
td.name{white-space:nowrap}
.muted{color:#777}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def render_html(
    history: Iterable[Observation],
    *,
    title: str | None = None,
    cohort: str | None = None,
    generated_at: datetime | None = None,
    commands: Mapping[str, str] | None = None,
) -> str:
    """The whole report page as a string (masked and escaped); ``commands`` maps a candidate's key to
    the command of its next step (:func:`~portal_bot.status.changes.next_command`)."""
    history = list(history)
    title = title or _(DEFAULT_TITLE)
    commands = commands or {}
    generated_at = generated_at or datetime.now(UTC)
    current = current_states(history)
    last_seen = _last_seen(history)
    counts = summary(current)
    points = timeline(history)
    generated, what_to_do = _("generated {}").format(_when(generated_at)), _("What to do")
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{html_lang()}"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted">{_e(cohort or "")} · {_e(generated)} · '
        f"{_e(_count(len(current), len(history)))}</p>",
        f'<h2>{_e(what_to_do)}</h2><div class="cards">',
    ]
    for action, n in counts.items():
        if n:
            cls = "card attention" if action.needs_attention else "card"
            out.append(f'<div class="{cls}"><b>{n}</b>{_e(action.shown)}</div>')
    out.append("</div>")
    out.append("<h2>" + _e(_("States over time")) + "</h2>")
    out.append(chart_svg(points))
    out.append('<ul class="legend">')
    for state, colour in STATE_COLOURS.items():
        out.append(f'<li><i style="background:{colour}"></i>{_e(state.shown)}</li>')
    out.append("</ul>")
    out.append("<h2>" + _e(_("Current states")) + "</h2><table><thead><tr>")
    for head in _HTML_HEADER:
        out.append(f"<th>{_e(_(head))}</th>")
    out.append("</tr></thead><tbody>")
    group: Action | None = None
    for obs in current:
        if obs.action is not group:
            group = obs.action
            out.append(
                f'<tr class="group"><td colspan="8">{_e(group.shown)} · {_e(group.shown_advice)}</td></tr>'
            )
        out.append(
            f'<tr><td class="name">{_e(obs.name)}</td>'  # a name never wraps beside a long command
            + "".join(
                f"<td>{cell}</td>"
                for cell in (
                    _e(obs.plan_code or ""),
                    _e(obs.state.shown),
                    _e(obs.state_text),
                    _e(obs.reason or ""),
                    _e(_when(obs.observed_at)),
                    _e(_note(obs, last_seen)),
                    f"<code>{_e(commands[obs.key])}</code>" if obs.key in commands else "",
                )
            )
            + "</tr>"
        )
    out.append("</tbody></table></body></html>")
    return "\n".join(out)


_HTML_HEADER = (
    N_("Name"),
    N_("Plan"),
    N_("State"),
    N_("Site text"),
    N_("Reason"),
    N_("Seen"),
    N_("Note"),
    N_("Next step"),
)


def _count(candidates: int, observations: int) -> str:
    return "{} · {}".format(
        ngettext("{n} candidate", "{n} candidates", candidates).format(n=candidates),
        ngettext("{n} observation", "{n} observations", observations).format(n=observations),
    )


def _note(obs: Observation, last_seen: dict[str, Observation]) -> str:
    parts = [_(obs.note)] if obs.note else []
    seen = last_seen.get(obs.key)
    if not obs.state.seen and seen is not None:
        parts.append(
            _("last known: {state} ({when})").format(state=seen.state.shown, when=_when(seen.observed_at))
        )
    return "; ".join(parts)


# -- files -------------------------------------------------------------------------------------


def _atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """:func:`portal_bot.fileio.atomic_write`, with a failure said as a StateError naming the file."""
    try:
        return atomic_write(Path(path), write)
    except OSError as exc:
        raise StateError(_("cannot write the report: {}").format(exc.strerror or exc), path=path) from exc


def write_html(path: Path, history: Iterable[Observation], **options: Any) -> Path:
    """Write :func:`render_html` to ``path`` atomically (UTF-8) and return the path."""
    page = render_html(history, **options)
    return _atomic_write(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))


def _masked(row: Sequence[object]) -> list[object]:
    """Text masked once more before it reaches a cell (an ID or phone number in a site message)."""
    return [mask_text(v) if isinstance(v, str) else v for v in row]


#: The workbook's column titles (translated where written; the sheets' names never are).
CURRENT_HEADER = (N_("Action"), *_HTML_HEADER[:-1])
HISTORY_HEADER = (
    N_("Seen"),
    N_("Key"),
    N_("Name"),
    N_("Plan"),
    N_("State"),
    N_("State id"),
    N_("Site text"),
    N_("Reason"),
    N_("Note"),
)


def write_xlsx(path: Path, history: Iterable[Observation], *, generated_at: datetime | None = None) -> Path:
    """Write the workbook (sheets 当前状态, 历史记录, 统计) atomically and return the path."""
    history = sorted(history, key=lambda o: (o.observed_at, o.name, o.key))
    current = current_states(history)
    last_seen = _last_seen(history)
    points = timeline(history)
    current_rows = (
        _masked(
            (
                o.action.shown,
                o.name,
                o.plan_code,
                o.state.shown,
                o.state_text,
                o.reason,
                o.observed_at,
                _note(o, last_seen),
            )
        )
        for o in current
    )
    history_rows = (
        _masked(
            (
                o.observed_at,
                o.key,
                o.name,
                o.plan_code,
                o.state.shown,
                o.state.value,
                o.state_text,
                o.reason,
                _(o.note) if o.note else o.note,
            )
        )
        for o in history
    )
    sheets = [
        # the sheets' names stay the same in every language: scripts find the data by them
        Sheet("当前状态 Current", tuple(_(h) for h in CURRENT_HEADER), current_rows),
        Sheet("历史记录 History", tuple(_(h) for h in HISTORY_HEADER), history_rows),
        Sheet(
            "统计 Counts",
            (_("Time"), *(s.shown for s in STATE_COLOURS)),
            ((p.at, *(p.counts[s] for s in STATE_COLOURS)) for p in points),
        ),
    ]
    created = (generated_at or datetime.now(UTC)).astimezone(UTC)
    try:
        return write_workbook(path, sheets, created=created)
    except OSError as exc:
        raise StateError(_("cannot write the report: {}").format(exc.strerror or exc), path=path) from exc
