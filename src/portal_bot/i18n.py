"""The language people read: Simplified Chinese or English, through gettext catalogs.

Every human-facing text is an English msgid wrapped in :func:`_` (or :func:`ngettext` where a count
appears); ``locale/zh_CN/LC_MESSAGES/portal_bot.po`` holds the Chinese, compiled to the ``.mo`` next
to it by ``make messages`` (Babel). The ``.mo`` is committed and read with the standard library's
``gettext``, so an editable install, a wheel and a Windows laptop all find it without a build step
or Babel at run time; ``tests/unit/test_catalog.py`` fails when it lags the ``.po``.

Texts defined at import time (tables of next steps, option help) are marked with :func:`N_` and
translated where they are shown, so switching the language later still takes effect.

Errors keep their English: a message that can end in the ledger (a candidate's failure, a step's
note) is built with :func:`S_` instead of :func:`_`: ``raise FlowError(S_("no flow {}").format(name))``.
``S_`` returns a :class:`Said`, a ``str`` whose value is the text in the current language and whose
``english`` is the msgid formatted with the same arguments (a :class:`Said` argument gives its own
English), so ``str(error)`` is what people read and :meth:`PortalBotError.english
<portal_bot.errors.PortalBotError.english>` what the ledger keeps, whatever ``--lang`` says.
``+`` keeps both sides; an f-string, ``%`` or ``join`` does not (the result is a plain ``str``, whose
English is itself): build such texts from two ``Said`` or with :class:`Said` directly.

Which language: ``--lang`` on the root command, else ``PORTAL_BOT_LANG``, else the system's
(``zh*`` → Chinese, anything else → English; on Windows the UI language or the GBK code page 936).
Machine interfaces (``--json``, exit codes, the ledger, file names) never depend on it.
"""

from __future__ import annotations

import gettext
import locale
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import jinja2

Language = Literal["zh", "en"]

DOMAIN = "portal_bot"
LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGES: tuple[Language, ...] = ("zh", "en")
_GETTEXT_LOCALE: dict[Language, str] = {"zh": "zh_CN", "en": "en"}

_translations: gettext.NullTranslations | None = None
_language: Language = "en"


def parse_language(value: str) -> Language | None:
    """``zh``, ``zh_CN``, ``zh-Hans``, ``zh_CN.UTF-8`` → "zh"; ``en``, ``en_US`` … → "en"; "" → None."""
    value = value.strip().lower()
    if not value:
        return None
    return "zh" if value.startswith("zh") or value.startswith("chinese") else "en"


def _windows_language() -> Language | None:
    """The Windows display language (``GetUserDefaultUILanguage``), else the ANSI code page."""
    try:
        import ctypes

        lang_id = int(ctypes.windll.kernel32.GetUserDefaultUILanguage())  # type: ignore[attr-defined]
        return "zh" if lang_id & 0x3FF == 0x04 else "en"  # LANG_CHINESE is primary language 0x04
    except (AttributeError, OSError, ValueError):
        pass
    return "zh" if locale.getencoding().lower() in ("cp936", "gbk", "gb2312", "gb18030") else None


def system_language(environ: Mapping[str, str] | None = None) -> Language:
    """The language of the machine: POSIX locale variables, then Windows, then Python's locale."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        if env.get(name):
            first = env[name].split(":")[0]
            if first not in ("C", "POSIX", "C.UTF-8", "C.utf8"):
                return parse_language(first) or "en"
    if sys.platform == "win32" and (found := _windows_language()):
        return found
    try:
        name = locale.getlocale()[0] or ""
    except ValueError:
        name = ""
    return parse_language(name) or "en"


def choose_language(cli: str | None = None, environ: Mapping[str, str] | None = None) -> Language:
    """``--lang`` value, else ``PORTAL_BOT_LANG``, else :func:`system_language`."""
    env = os.environ if environ is None else environ
    for value in (cli, env.get("PORTAL_BOT_LANG")):
        if value and (found := parse_language(value)):
            return found
    return system_language(env)


def set_language(language: Language) -> None:
    """Switch every later :func:`_` to ``language`` (English: the msgids themselves)."""
    global _translations, _language
    _language = language
    _translations = gettext.translation(
        DOMAIN, LOCALE_DIR, languages=[_GETTEXT_LOCALE[language]], fallback=True
    )


def current_language() -> Language:
    """The language texts are shown in (chosen from the environment on first use)."""
    if _translations is None:
        set_language(choose_language())
    return _language


def _active() -> gettext.NullTranslations:
    if _translations is None:
        set_language(choose_language())
    assert _translations is not None
    return _translations


def _(message: str) -> str:
    """``message`` (an English msgid) in the current language."""
    return _active().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for ``n`` (Chinese has one: "{n} 位考生"); format ``n`` in yourself."""
    return _active().ngettext(singular, plural, n)


class Said(str):
    """A text in the language people read that keeps its English (what the machine outputs carry).

    Made by :func:`S_` (or directly, ``Said(text, english)``); :func:`english` reads the English of
    any text (a plain ``str`` is its own). ``format`` and ``+`` keep both languages.
    """

    english: str

    def __new__(cls, text: str, english: str) -> Said:
        self = super().__new__(cls, text)
        self.english = english
        return self

    def __reduce__(self) -> tuple[type[Said], tuple[str, str]]:
        return Said, (str(self), self.english)

    def format(self, *args: object, **kwargs: object) -> Said:
        """Both texts formatted: the arguments as they are, then each :class:`Said` in its English."""
        return Said(
            str.format(self, *args, **kwargs),
            self.english.format(*map(_english_arg, args), **{k: _english_arg(v) for k, v in kwargs.items()}),
        )

    def __add__(self, other: str) -> Said:
        return Said(str.__add__(self, other), self.english + english(other))

    def __radd__(self, other: str) -> Said:
        return Said(other + str(self), english(other) + self.english)


def english(text: str) -> str:
    """The English of ``text``: a :class:`Said`'s, else the text itself."""
    return text.english if isinstance(text, Said) else str(text)


def _english_arg(value: object) -> object:
    return value.english if isinstance(value, Said) else value


def S_(message: str) -> Said:
    """``message`` (an English msgid) in the current language, keeping the English: see :class:`Said`."""
    return Said(_(message), message)


def nS_(singular: str, plural: str, n: int) -> Said:
    """:func:`ngettext` keeping the English form for ``n``; format ``n`` in yourself."""
    return Said(ngettext(singular, plural, n), singular if n == 1 else plural)


def N_(message: str) -> str:
    """Mark ``message`` for extraction only; translate it with :func:`_` where it is shown."""
    return message


def html_lang() -> str:
    """The ``lang`` attribute of a page in the current language."""
    return "zh-CN" if current_language() == "zh" else "en"


def with_gettext(env: jinja2.Environment) -> jinja2.Environment:
    """``env`` with ``_()`` and ``ngettext()`` in its templates (``jinja2.ext.i18n``, new style).

    New style: ``{{ _("run %(run)s", run=n) }}`` escapes ``n`` and trusts the catalog's text.
    """
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext=_, ngettext=ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def in_language(language: Language, message: str) -> str:
    """``message`` in ``language`` whatever the current one: for texts whose language is fixed (the
    group-robot notifications and ``--json``'s texts are Chinese for everyone)."""
    return gettext.translation(
        DOMAIN, LOCALE_DIR, languages=[_GETTEXT_LOCALE[language]], fallback=True
    ).gettext(message)
