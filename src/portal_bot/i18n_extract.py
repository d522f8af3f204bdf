"""Babel extraction (``make messages``): Babel's Python extractor, plus the commands' docstrings.

A command's docstring is its ``--help`` (typer reads it with :func:`inspect.getdoc`), so it is a
text people read, but no ``_()`` can wrap a docstring. This extractor yields the cleaned docstring
of every function a module makes a command: decorated with ``@<app>.command(…)`` or
``@<app>.callback(…)``, or registered as ``<app>.command("name")(function)``.
:func:`portal_bot.clihelp.translate_help` looks the same text up when help is shown.
Used from ``babel.cfg``; Babel is a dev dependency, imported only here.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

_REGISTERS = ("command", "callback")


def _registered(tree: ast.AST) -> set[str]:
    """Names of the functions ``tree`` registers as commands."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for deco in node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                if isinstance(target, ast.Attribute) and target.attr in _REGISTERS:
                    names.add(node.name)
        # app.command("name")(function)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Call)
            and isinstance(node.func.func, ast.Attribute)
            and node.func.func.attr in _REGISTERS
            and node.args
            and isinstance(node.args[0], ast.Name)
        ):
            names.add(node.args[0].id)
    return names


def command_docstrings(source: str) -> Iterator[tuple[int, str]]:
    """(line, help text) of each command function defined in ``source``."""
    tree = ast.parse(source)
    commands = _registered(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in commands:
            doc = ast.get_docstring(node, clean=False)
            if doc:
                yield node.lineno, inspect.cleandoc(doc)


def extract(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str], options: Mapping[str, Any]
) -> Iterator[tuple[Any, ...]]:
    """Babel extraction method: ``extract_python``'s messages, then the commands' docstrings.

    Yields (line, function name or None, message, comments), as Babel's own methods do.
    """
    from babel.messages.extract import extract_python

    yield from extract_python(fileobj, keywords, comment_tags, options)  # type: ignore[arg-type]
    fileobj.seek(0)
    source = fileobj.read().decode(str(options.get("encoding", "utf-8")))
    for line, text in command_docstrings(source):
        yield line, None, text, []
