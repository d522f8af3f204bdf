"""Flow patches: a unified diff that changes texts in the flow files (issue 10).

Flows and the field map are data, so fixing them after the site changed is a text change: replace
the text a step looked for, on the line that names it, with the text the site has now.
``flows check --against --write-patch`` and a person's takeover (``register --headed``) both write
one; ``git apply FILE`` or ``patch -p1 < FILE`` in the project folder applies it.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from portal_bot.errors import FlowError
from portal_bot.i18n import S_


@dataclass(frozen=True)
class Edit:
    """Replace ``old`` with ``new`` on line ``line`` (1-based) of ``path``.

    Attributes:
        path: the flow or field-map file.
        line: the line that holds ``old`` (a step's or field map entry's line).
        old: the text the step looked for, as written in the file.
        new: the text the site has.
        why: one line the patch carries as a comment in its header (why this suggestion).
    """

    path: Path
    line: int
    old: str
    new: str
    why: str = ""


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def unified_patch(edits: list[Edit], root: Path) -> str:
    """One unified diff (``a/…`` ``b/…`` paths relative to ``root``) applying every edit.

    Edits of the same file are applied together; an edit whose line does not hold ``old`` (the
    file changed since the check) raises rather than guessing.

    Raises:
        FlowError: a file cannot be read, or its line does not hold the old text.
    """
    by_file: dict[Path, list[Edit]] = defaultdict(list)
    for edit in edits:
        by_file[edit.path].append(edit)
    out: list[str] = []
    for path in sorted(by_file, key=lambda p: p.as_posix()):
        try:
            before = path.read_text(encoding="utf-8").splitlines(keepends=True)
        except OSError as exc:
            raise FlowError(
                S_("{path}: cannot read it: {why}").format(path=path, why=exc.strerror), path=path
            ) from None
        after = list(before)
        for edit in sorted(by_file[path], key=lambda e: e.line):
            index = edit.line - 1
            if not 0 <= index < len(after) or edit.old not in after[index]:
                raise FlowError(
                    S_("{path}:{line} does not hold '{old}' any more").format(
                        path=path, line=edit.line, old=edit.old
                    ),
                    path=path,
                    line=edit.line,
                    hint=S_("run the check again on the current flows"),
                )
            after[index] = after[index].replace(edit.old, edit.new, 1)
        name = _display(path, root)
        for edit in sorted(by_file[path], key=lambda e: e.line):
            if edit.why:
                out.append(f"# {name}:{edit.line}: {edit.old} -> {edit.new}: {edit.why}\n")
        out.extend(difflib.unified_diff(before, after, f"a/{name}", f"b/{name}"))
    return "".join(out)
