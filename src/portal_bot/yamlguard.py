"""The shape check every YAML file from a user passes before it is composed: no aliases, bounded depth.

A profile, a cohort file or a flow never needs YAML aliases (``*name``), and they are how a few
hundred bytes expand into millions of entries (the "billion laughs"); deep nesting makes PyYAML's
recursive composer raise RecursionError. This module reads the file as a stream of parser events (no
recursion, no expansion) and stops at the first alias or at the nesting limit, naming the line. It
must never build the document itself: callers do that afterwards, knowing it is small and shallow.
"""

from __future__ import annotations

import yaml

from portal_bot.i18n import _

#: Deeper than any profile (3 levels) or flow (about 6) could sensibly be, far below the recursion limit.
MAX_DEPTH = 50

#: LibYAML's event parser when PyYAML was built with it, else the pure one (both iterate, not recurse).
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ShapeProblem(Exception):
    """Why the file is refused, and the 1-based line where that was seen."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _line(event: yaml.Event) -> int:
    return event.start_mark.line + 1 if event.start_mark is not None else 1


def check_shape(text: str, *, max_depth: int = MAX_DEPTH) -> None:
    """Refuse aliases and nesting deeper than ``max_depth``; syntax errors are left to the real load.

    Raises:
        ShapeProblem: the first alias or too-deep collection, with its line.
    """
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                raise ShapeProblem(
                    _(
                        "uses the YAML alias *{}; aliases are not allowed here, write the value out in full"
                    ).format(event.anchor),
                    _line(event),
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > max_depth:
                    raise ShapeProblem(
                        _("is nested more than {} levels deep").format(max_depth), _line(event)
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return  # the caller's own load reports syntax errors with its usual wording
