"""YAML that remembers where every key is: the one loader for the files people write.

Profiles, cohort defaults, flows and field maps are all YAML that a coordinator edits by hand, and
every problem in them must be reported as ``file:line``. This module composes the text once with
PyYAML's safe loader; the same node tree gives the plain data (safe constructors only: never a
Python object) and a map from key path (``("promotion", "number")``, ``("steps", 3, "fill")``) to
its 1-based line. Duplicate keys, which ``yaml.safe_load`` silently lets the last one win, are
reported.

Problems are raised as :class:`YamlProblem`; each caller turns it into its own error class
(:class:`~portal_bot.errors.ProfileError`, :class:`~portal_bot.errors.FlowError`), since the same
broken file means a different thing to fix in each place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from portal_bot.i18n import N_, _
from portal_bot.yamlguard import ShapeProblem, check_shape

KeyPath = tuple[str | int, ...]

#: LibYAML's safe loader when PyYAML was built with it (several times faster), else the pure one.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: PyYAML's and LibYAML's commonest syntax problems, said in the current language (any other is
#: shown as the library says it).
_PROBLEMS = (
    N_("mapping values are not allowed here"),
    N_("mapping values are not allowed in this context"),
    N_("could not find expected ':'"),
    N_("did not find expected key"),
    N_("did not find expected '-' indicator"),
    N_("did not find expected node content"),
    N_("found character '\\t' that cannot start any token"),
    N_("found a tab character that violates indentation"),
    N_("found unexpected end of stream"),
    N_("found unexpected ':'"),
    N_("found undefined alias"),
    N_("found duplicate anchor; first occurrence"),
    N_("while scanning a quoted scalar"),
    N_("while scanning a simple key"),
    N_("while parsing a block mapping"),
    N_("while parsing a block collection"),
    N_("while parsing a flow sequence"),
    N_("while parsing a flow mapping"),
    N_("expected ',' or ']', but got '<stream end>'"),
    N_("expected ',' or '}', but got '<stream end>'"),
)


class YamlProblem(Exception):
    """A file that cannot be read or is not valid YAML; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.line, self.hint = message, line, hint


def read_text(path: Path, unreadable: str = N_("cannot be read")) -> str:
    """A UTF-8 file's text (a BOM is fine).

    Raises:
        YamlProblem: ``unreadable: <reason>``, or the file is not UTF-8.
    """
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlProblem(_("is not UTF-8 text"), hint=_("save it as UTF-8")) from exc
    except OSError as exc:
        raise YamlProblem(f"{_(unreadable)}: {exc.strerror or exc}") from exc


def parse(text: str, invalid: str = N_("invalid YAML")) -> tuple[list[Any], dict[KeyPath, int]]:
    """Every non-empty document of ``text`` as plain data, and the lines of their keys.

    With several documents, the line map of the second is under ``(1, ...)`` and so on; with one,
    its paths start at its own keys. Callers decide how many documents a file may have.
    ``invalid`` starts the message of a syntax error (the wording each kind of file has always used;
    an English msgid, translated here).

    Raises:
        YamlProblem: not valid YAML, an alias or nesting too deep (see :mod:`portal_bot.yamlguard`),
            a duplicate key, or a key that is not a plain value.
    """
    try:
        check_shape(text)  # before composing: an alias bomb or deep nesting never reaches PyYAML
    except ShapeProblem as exc:
        raise YamlProblem(exc.message, exc.line) from None
    try:
        return _parse(text, _Loader, invalid)
    except YamlProblem:
        if _Loader is yaml.SafeLoader:
            raise
    # LibYAML's messages are terser than PyYAML's ("did not find expected ','" against "expected ','
    # or ']', but got '<stream end>'"): a broken file is rare, so it is read again for the clearer one.
    return _parse(text, yaml.SafeLoader, invalid)


def _parse(
    text: str, loader: type[yaml.SafeLoader], invalid: str = N_("invalid YAML")
) -> tuple[list[Any], dict[KeyPath, int]]:
    try:
        nodes = [n for n in yaml.compose_all(text, Loader=loader) if n is not None]
        lines: dict[KeyPath, int] = {}
        constructor = loader("")
        try:
            for i, node in enumerate(nodes):
                _walk(node, (i,) if len(nodes) > 1 else (), lines, constructor)
            data = [constructor.construct_document(node) for node in nodes]
        finally:
            constructor.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = str(exc.problem or exc.context or exc)
        raise YamlProblem(f"{_(invalid)}: {_(problem)}", line, hint=_syntax_hint()) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(f"{_(invalid)}: {exc}", hint=_syntax_hint()) from exc
    return data, lines


def _syntax_hint() -> str:
    return _("check the indentation, the colons and the quotes on this line and the one before")


def _walk(node: yaml.Node, at: KeyPath, lines: dict[KeyPath, int], constructor: yaml.SafeLoader) -> None:
    lines.setdefault(at, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem(_("a mapping key must be a plain value"), line)
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # a merge (<<: *defaults): its keys are the anchor's, already walked there
            key = constructor.construct_object(key_node, deep=True)
            if key in seen:
                raise YamlProblem(_("duplicate key {!r}").format(key), line, hint=_("keep one of them"))
            seen.add(key)
            lines[(*at, key)] = line
            _walk(value_node, (*at, key), lines, constructor)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*at, index), lines, constructor)
