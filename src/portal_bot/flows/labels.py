"""The one rule for comparing label texts, in Python; ``labelKey`` in ``locate.js`` is its twin.

A flow names a field by the text a person sees (``姓名``); the page writes it ``* 姓名：``, a
preview row ``姓名:`` or ``姓　名``. Both sides are reduced to a key before comparing: compatibility
forms folded (NFKC turns full-width ``＊：（）`` and the ideographic space into ``* : ( )`` and a
space), then every whitespace character, ``*`` and ``:`` dropped.

The locator compares in the page (JavaScript), the preview check and error reports in Python; a
label must mean the same thing to both, so ``tests/browser/test_label_key.py`` runs the two on a
table of awkward labels in Chromium. Change one, change the other.
"""

from __future__ import annotations

import re
import unicodedata

# Python's \s already has \x1c-\x1f and \x85, which JavaScript's lacks; \ufeff is the other way round.
_JUNK = re.compile(r"[\s\ufeff*:]")


def label_key(text: str) -> str:
    """The form labels are compared in: ``" * 姓名： "`` → ``"姓名"``, ``"（1）"`` → ``"(1)"``."""
    return _JUNK.sub("", unicodedata.normalize("NFKC", text))
