"""The message catalogs: every text has its Chinese, and none of the three files lags the code.

Run ``make messages`` after adding or changing a text in ``_()``/``N_()``/``ngettext()`` (or a
template's ``_()``), then translate the new entries in the .po and run it again to compile the .mo.
"""

from __future__ import annotations

import gettext
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

babel = pytest.importorskip("babel", reason="Babel is a dev dependency (make setup installs it)")
from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
LOCALE = REPO / "src" / "portal_bot" / "locale"
POT = LOCALE / "portal_bot.pot"
PO = LOCALE / "zh_CN" / "LC_MESSAGES" / "portal_bot.po"
MO = PO.with_suffix(".mo")


def _read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale="zh_CN")


def _ids(catalog: Catalog) -> set[object]:
    return {(m.id, m.context) for m in catalog if m.id}


def test_the_pot_is_what_the_code_says_now(tmp_path: Path) -> None:
    """The committed .pot equals a fresh extraction (messages only: the header's date is ignored)."""
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "--quiet", "extract", "-F", "babel.cfg"]
        + ["--no-location", "--sort-output", "-o", str(fresh), "src/portal_bot"],
        cwd=REPO,
        check=True,
    )
    now, committed = _ids(_read(fresh)), _ids(_read(POT))
    assert now == committed, (
        f"stale catalog: new {sorted(map(str, now - committed))[:5]}, "
        f"gone {sorted(map(str, committed - now))[:5]}: run `make messages` and translate"
    )


def test_every_message_has_its_chinese() -> None:
    po = _read(PO)
    assert _ids(po) >= _ids(_read(POT)), "the .po lacks messages of the .pot: run `make messages`"
    untranslated = [m.id for m in po if m.id and not (all(m.string) if m.pluralizable else m.string)]
    fuzzy = [m.id for m in po if m.id and m.fuzzy]
    assert not untranslated, f"no Chinese for {untranslated[:5]}"
    assert not fuzzy, f"fuzzy (unchecked) translations: {fuzzy[:5]}"


def _fields(text: str) -> list[str]:
    """The ``{}``/``{name}`` and ``%(name)s`` placeholders, which a translation must keep."""
    return sorted(re.findall(r"\{[^{}]*\}|%\(\w+\)[-#0 +.\d]*\w", text))


def test_translations_keep_the_placeholders() -> None:
    for m in _read(PO):
        if not m.id:
            continue
        source = m.id[-1] if isinstance(m.id, tuple) else m.id
        for text in m.string if isinstance(m.string, tuple) else (m.string,):
            assert _fields(text) == _fields(source), f"{m.id!r} → {text!r}"


def test_the_shipped_mo_is_the_po_compiled() -> None:
    """The .mo is what the program reads; it must say what the .po says."""
    with MO.open("rb") as f:
        shipped = gettext.GNUTranslations(f)
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, _read(PO))
    buffer.seek(0)
    compiled = gettext.GNUTranslations(buffer)
    assert shipped._catalog == compiled._catalog, "the .mo lags the .po: run `make messages`"  # type: ignore[attr-defined]
