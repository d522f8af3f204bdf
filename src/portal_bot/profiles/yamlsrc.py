"""Profile YAML with the line of every key, so errors can say ``file:line``.

The loading itself is :mod:`portal_bot.yamllines` (shared with flows); this module adds what
profiles need around it: one document per file, :class:`ProfileError`, and :class:`Source` for the
place a value came from. It must never construct anything but plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal_bot import yamllines
from portal_bot.errors import ProfileError
from portal_bot.i18n import N_, S_

KeyPath = yamllines.KeyPath


@dataclass(frozen=True)
class Source:
    """Where a value came from: a file and (when known) a line."""

    path: Path
    line: int | None = None

    def label(self, base: Path | None = None) -> str:
        """``name.yaml:7`` (relative to ``base`` when inside it)."""
        shown = self.path
        if base is not None:
            try:
                shown = self.path.relative_to(base)
            except ValueError:
                shown = self.path
        text = shown.as_posix()
        return f"{text}:{self.line}" if self.line is not None else text


@dataclass
class LoadedYaml:
    """A YAML file's data plus the line of each key."""

    path: Path
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def source(self, key: KeyPath) -> Source:
        """The source of ``key``: its own line, else its nearest parent's, else the file alone."""
        for end in range(len(key), 0, -1):
            line = self.lines.get(key[:end])
            if line is not None:
                return Source(self.path, line)
        return Source(self.path)


def parse_yaml(text: str, path: Path) -> LoadedYaml:
    """Parse YAML text; ``path`` is only used in messages and in the result."""
    try:
        docs, lines = yamllines.parse(text, invalid=N_("not valid YAML"))
    except yamllines.YamlProblem as exc:
        raise ProfileError(exc.message, path=path, line=exc.line, hint=exc.hint) from exc
    if len(docs) > 1:
        raise ProfileError(
            S_("holds several YAML documents (---); keep one"), path=path, line=lines.get((1,))
        )
    return LoadedYaml(path=path, data=docs[0] if docs else None, lines=lines)


def load_yaml(path: Path) -> LoadedYaml:
    """Read and parse a UTF-8 YAML file (a BOM is fine).

    Raises:
        ProfileError: unreadable, not UTF-8, not YAML, or a duplicate key; with ``file:line``.
    """
    try:
        text = yamllines.read_text(path)
    except yamllines.YamlProblem as exc:
        raise ProfileError(exc.message, path=path, hint=exc.hint) from exc
    return parse_yaml(text, path)
