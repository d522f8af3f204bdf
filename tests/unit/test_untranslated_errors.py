"""No error of ours is built from a bare English literal (issue 16: every text people read is in
their language): its message and hint go through ``S_()`` / ``_()`` (or ``nS_()`` / ``ngettext()``),
so ``--lang zh`` shows them in Chinese and the catalog check sees them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "portal_bot"

#: Python's own errors: programming errors, never shown to people as ours, stay English.
BUILTIN = {
    "RuntimeError",
    "ValueError",
    "TypeError",
    "KeyError",
    "AssertionError",
    "NotImplementedError",
    "OSError",
    "SystemExit",
    # pydantic's: its first argument is an error *type* code ("profile"), not a text; the message
    # it carries is our already-translated text passed through "{message}".
    "PydanticCustomError",
}

#: "file:line" of literals that are really not for people. Empty: every one so far was a text.
ALLOWED: set[str] = set()

LETTERS = re.compile(r"[A-Za-z]")


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _bare_english(node: ast.expr) -> bool:
    """``node`` is a literal (or f-string, ``"…".format()``, ``"…" + x``) with English letters in it."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(LETTERS.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_bare_english(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _bare_english(node.func.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _bare_english(node.left) or _bare_english(node.right)
    return False


def untranslated(path: Path) -> list[int]:
    """Lines of ``path`` where an ``…Error(…)`` of ours gets a bare English message or hint."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if not name.endswith("Error") or name in BUILTIN:
            continue
        texts = [*node.args[:1], *(k.value for k in node.keywords if k.arg in ("message", "hint"))]
        if any(_bare_english(text) for text in texts):
            lines.append(node.lineno)
    return lines


def find_untranslated(src: Path = SRC) -> list[str]:
    found = []
    for path in sorted(src.rglob("*.py")):
        rel = path.relative_to(src).as_posix()
        if rel.startswith("mock_portal/"):
            continue  # the site's replica speaks the site's words, not ours
        found += [f"{rel}:{line}" for line in untranslated(path) if f"{rel}:{line}" not in ALLOWED]
    return found


def test_no_error_of_ours_is_raised_with_bare_english() -> None:
    found = find_untranslated()
    assert not found, (
        f"{len(found)} error(s) built from an English literal; wrap the message and hint in S_() "
        f"(or _() where it never reaches the ledger), then `make messages`: " + ", ".join(found)
    )


def test_the_check_sees_literals_f_strings_format_and_hints(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "raise ProfileError('does not exist', path=p)\n"
        "raise _RowError(f'{v!r} is not a date')\n"
        "raise StateError('no {} here'.format(x))\n"
        "raise ConfigError(S_('fine'), hint='log in again')\n"
        "raise ConfigError(S_('fine'), hint=S_('fine'))\n"
        "raise FlowError(message)\n"
        "raise PortalError(f'{a} ({b})')\n"
        "raise ValueError(f'programming error {x}')\n"
        "err = NotificationError(f'notifier {n}: {w}')\n",
        encoding="utf-8",
    )
    assert untranslated(sample) == [1, 2, 3, 4, 9]


def test_a_converted_error_is_chinese_for_people_and_english_for_the_ledger(tmp_path: Path) -> None:
    from portal_bot.documents.files import read_input
    from portal_bot.errors import DocumentError
    from portal_bot.i18n import set_language

    set_language("zh")
    try:
        with pytest.raises(DocumentError) as caught:
            read_input(tmp_path / "照片.jpg")
    finally:
        set_language("en")
    assert str(caught.value).endswith("照片.jpg: 找不到文件"), str(caught.value)
    assert caught.value.english().endswith("照片.jpg: file not found")
