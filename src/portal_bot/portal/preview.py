"""Step 4 of the wizard (预览确认提交): read what the site shows, derive what it must show, compare.

The expectation comes from the SAME entries the form was filled from: the ``fill_form`` steps of the
register flow (``flows/fields/registration.yaml`` as shipped), so a new field is one YAML entry and
the preview check follows, and a flow pointed at another field map is checked against that one.
Values are turned into the site's display form (是/否, 无工作单位, (1)(3), ``6 年``); comparing
ignores whitespace and full-width forms.
This module never clicks, fills or submits anything: reading the preview must not change it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from portal_bot.browser import AsyncPage
from portal_bot.errors import FlowError
from portal_bot.flows.labels import label_key
from portal_bot.flows.steps import Flow, compile_field_map_for_check, fill_form_entries
from portal_bot.flows.values import Context, Template
from portal_bot.i18n import S_
from portal_bot.profiles.models import Candidate

#: What compare_preview reports as "shown" for a label the page does not have.
MISSING = "(not on the page)"

#: Labels the site shows with a unit after the value (本职业工作年限: ``6 年``).
UNITS: dict[str, str] = {"本职业工作年限": "年"}

_NUMBERED = re.compile(r"(\(\d+\))+")

# The preview by what a person sees, never by class or id (the guide shows a two-column table:
# label, value): in every table but data tables (a first row of column headers only), each pair of
# cells whose first is a header cell or a short text cell without a control, read as label → value;
# then label/value pairs outside tables (a short text ending in a colon beside its value).
_READ_JS = """
() => {
  const text = (el) => (el.innerText || el.textContent || '').trim();
  const shown = (el) => el.offsetParent !== null || getComputedStyle(el).position === 'fixed';
  const CTRL = 'input, select, textarea, img, canvas';
  const short = (c) => text(c).length > 0 && text(c).length <= 30;
  const labelLike = (c) => c.tagName === 'TH' || (!c.matches(CTRL) && !c.querySelector(CTRL) && short(c));
  const out = [];
  for (const table of document.querySelectorAll('table')) {
    const rows = [...table.rows].filter((tr) => tr.closest('table') === table);
    const first = rows.length ? [...rows[0].cells] : [];
    const dataTable = rows.length > 1 && first.length > 2 && first.every((c) => c.tagName === 'TH');
    if (dataTable) continue;
    for (const tr of rows) {
      const cells = [...tr.cells];
      for (let i = 0; i + 1 < cells.length; i += 2) {
        const label = cells[i];
        if (!labelLike(label) || !shown(label)) continue;
        out.push([text(label), text(cells[i + 1])]);
      }
    }
  }
  for (const row of document.querySelectorAll('div, li, p')) {
    if (row.childElementCount !== 2 || row.closest('table')) continue;
    const [label, value] = row.children;
    const t = text(label);
    if (label.childElementCount > 1 || !/[:\uff1a]$/.test(t) || t.length > 30 || !shown(label)) continue;
    if (!label.querySelector(CTRL)) out.push([t, text(value)]);
  }
  return out;
}
"""


def normalize(text: str) -> str:
    """Full-width → ASCII forms (NFKC), whitespace runs → one space, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


normalize_label = label_key
"""A label as the flows find it (one rule for the locator and the preview: flows/labels.py)."""


async def read_preview(page: AsyncPage) -> dict[str, str]:
    """Step 4 as shown: visible label → displayed value, both normalised (first occurrence wins)."""
    rows: list[list[str]] = await page.evaluate(_READ_JS)
    shown: dict[str, str] = {}
    for label, value in rows:
        key = normalize_label(label)
        if key and key not in shown:
            shown[key] = normalize(value)
    return shown


def _display(label: str, value: Any) -> str:
    """A flow value in the site's display form."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, list | tuple):
        if value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            text = "".join(f"({v})" for v in value)  # 符合申报条件 [1, 3] → (1)(3)
        else:
            text = "、".join(_display(label, v) for v in value)
    else:
        text = str(value)
    unit = UNITS.get(normalize_label(label))
    if unit and text:
        text = f"{text} {unit}"
    return normalize(text)


def _value(template: Template | tuple[Template, ...], ctx: Context) -> Any:
    if isinstance(template, tuple):
        return [t.value(ctx) for t in template]
    return template.value(ctx)


def expected_preview(candidate: Candidate, plan: Mapping[str, str], source: Flow | Path) -> dict[str, str]:
    """What step 4 must show for ``candidate``: label → display text, from the entries the form was
    filled from.

    ``source`` is the flow that fills the form (its ``fill_form`` steps, wherever their field maps
    are), or a field map file on its own. Entries whose ``when`` does not hold, uploads (the preview
    shows a file name, not a value) and empty checkbox entries (they only clear a draft's ticks) are
    left out; for a label listed twice the last entry that applies wins (所在单位: the 无工作单位 box
    or the employer's name).

    Raises:
        FlowError: the field map is broken, the flow fills no form, or a value names a key the
            candidate does not have.
    """
    if isinstance(source, Flow):
        entries = fill_form_entries(source)
        if not entries:
            raise FlowError(
                S_("flow {} has no fill_form step: nothing to check the preview against").format(source.name),
                path=source.path,
            )
    else:
        entries, problems = compile_field_map_for_check(Path(source))
        if problems:
            raise problems[0]
    ctx = Context(candidate=candidate, plan=dict(plan), prepared={})
    expected: dict[str, str] = {}
    for entry in entries:
        if entry.kind == "upload":
            continue
        if entry.when is not None and not entry.when.holds(ctx):
            continue
        value = _value(entry.value, ctx)
        if entry.kind == "check" and isinstance(value, list) and not value:
            continue
        expected[normalize_label(entry.label)] = _display(entry.label, value)
    return expected


def _numbers(text: str) -> list[int]:
    """The item numbers a 符合申报条件 cell lists: ``(1) 累计…;(3) 取得…`` → [1, 3]."""
    return [int(n) for n in re.findall(r"(?:^|[;；、])\s*\((\d+)\)", text)]


def _same(expected: str, shown: str) -> bool:
    e, s = "".join(normalize(expected).split()), "".join(normalize(shown).split())
    if e == s:
        return True
    if _NUMBERED.fullmatch(e):
        return [int(n) for n in re.findall(r"\d+", e)] == _numbers(normalize(shown))
    return False


def compare_preview(expected: Mapping[str, str], actual: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(label, expected, shown) for every expected label the page shows differently or not at all
    (shown is :data:`MISSING` then). Labels only on the page are not differences."""
    shown_by_label = {normalize_label(k): v for k, v in actual.items()}
    differences: list[tuple[str, str, str]] = []
    for label, want in expected.items():
        key = normalize_label(label)
        if key not in shown_by_label and key.startswith("是否") and key[2:] in shown_by_label:
            key = key[2:]  # the guide's preview drops the 是否 of a question (省内技工学校在籍生)
        if key not in shown_by_label:
            differences.append((label, want, MISSING))
        elif not _same(want, shown_by_label[key]):
            differences.append((label, want, shown_by_label[key]))
    return differences
