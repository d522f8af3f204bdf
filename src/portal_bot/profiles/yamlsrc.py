"""YAML loading that remembers where every key is, so errors can say ``file:line``.

The document is composed once with PyYAML's SafeLoader; the same node tree gives both the plain data
(safe constructors only: no Python objects) and a map from key path (``("promotion", "number")``,
``("materials", 1)``) to its 1-based line. Duplicate keys, which ``yaml.safe_load`` silently lets the
last one win, are reported. This module must never construct anything but plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from portal_bot.errors import ProfileError
from portal_bot.yamlguard import ShapeProblem, check_shape

KeyPath = tuple[str | int, ...]

#: LibYAML's safe loader when PyYAML was built with it (several times faster), else the pure one.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


def _walk(node: yaml.Node, prefix: KeyPath, lines: dict[KeyPath, int], path: Path) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise ProfileError(f"duplicate key {key!r}", path=path, line=line, hint="keep one of them")
            seen.add(key)
            lines[(*prefix, key)] = line
            _walk(value_node, (*prefix, key), lines, path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*prefix, index)] = item.start_mark.line + 1
            _walk(item, (*prefix, index), lines, path)


def parse_yaml(text: str, path: Path) -> LoadedYaml:
    """Parse YAML text; ``path`` is only used in messages and in the result.

    Raises:
        ProfileError: not YAML, an alias, nesting too deep, or a duplicate key; with ``file:line``.
    """
    try:
        check_shape(text)
    except ShapeProblem as exc:
        raise ProfileError(exc.message, path=path, line=exc.line) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "syntax error"
        raise ProfileError(f"not valid YAML: {problem}", path=path, line=line) from exc
    except yaml.YAMLError as exc:
        raise ProfileError(f"not valid YAML: {exc}", path=path) from exc
    finally:
        loader.dispose()
    lines: dict[KeyPath, int] = {}
    if node is not None:
        _walk(node, (), lines, path)
    return LoadedYaml(path=path, data=data, lines=lines)


def load_yaml(path: Path) -> LoadedYaml:
    """Read and parse a UTF-8 YAML file (a BOM is fine).

    Raises:
        ProfileError: unreadable, not UTF-8, not YAML, or a duplicate key; with ``file:line``.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProfileError("is not UTF-8 text", path=path, hint="save it as UTF-8") from exc
    except OSError as exc:
        raise ProfileError(f"cannot be read: {exc.strerror}", path=path) from exc
    return parse_yaml(text, path)
