"""The whole error tree of portal-bot.

A bulk run must tell two kinds of failure apart: a *data* error means the candidate's data or files
are wrong (never retried; the coordinator is told which field and what to do), a *portal* error means
the site misbehaved (timeouts, 5xx, an expired session; retried with backoff).

    PortalBotError
    ├── DataError                  the candidate's data or files are wrong: do not retry
    │   ├── ProfileError           a YAML profile, cohort file, roster row or field is invalid
    │   ├── DocumentError          a photo or PDF cannot honestly be made compliant
    │   └── SiteRejectedError      the portal refused a value; carries the site's own message
    ├── PortalError                the site misbehaved: retry with jittered, capped backoff
    │   ├── PortalTimeoutError     a page or element did not come in time
    │   ├── PortalServerError      a 5xx answer or the site's error page
    │   ├── PortalUnreachableError no answer at all (offline, wrong address, DNS): one per run
    │   │   └── NotThePortalError  an answer, but pages that are not the portal's (a wrong --portal)
    │   └── SessionExpiredError    the login is gone ("非法请求 404！"): log in again
    ├── FlowError                  a flow file is invalid, or a step cannot run as written
    │   └── SiteMismatchError      a step's target is not on the loaded page: the site differs from the flows
    ├── HumanStepTimeoutError      a person did not log in / sign / confirm in time
    ├── BrowserUnavailableError    no Chromium could be found or launched
    ├── ConfigError                settings or command-line options that cannot work together
    ├── StateError                 the ledger or state directory is unusable or locked
    └── NotificationError          a notifier (webhook, group robot, SMTP) could not deliver

Every error carries an optional location (``path``, ``line``, ``row``, ``field``) and a ``hint``
(what to do); ``str(error)`` is the one line the CLI prints, in the language people read, and
``error.english()`` the same line in English, for the ledger (the machine's record never changes with
``--lang``; ``error.said()`` carries both, for an outcome people read and the ledger keeps). So
raise with a message made by :func:`~portal_bot.i18n.S_`, not ``_``:
``raise FlowError(S_("run_flow: {} was not loaded").format(name), hint=S_(...))``; a plain ``str``
message (a site's own text, a third-party error's) is the same in both. Third-party exceptions are
wrapped with ``raise ... from exc``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from portal_bot.i18n import N_, Said, _, english


class PortalBotError(Exception):
    """Base class of every error portal-bot raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        row: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.row = row
        self.field = field
        self.hint = hint

    @property
    def location(self) -> str:
        """``file:line``, ``file row N`` or ``''``: where the problem is."""
        return self._location(_)

    def _location(self, say: Callable[[str], str]) -> str:
        if self.path is None:
            return ""
        where = self.path.as_posix()
        if self.line is not None:
            where += f":{self.line}"
        if self.row is not None:
            where += say(N_(" row {}")).format(self.row)
        return where

    def _render(self, say: Callable[[str], str], text: Callable[[str], str]) -> str:
        """The one line: location, field, message, hint, worded by ``say`` with texts read by ``text``."""
        parts = []
        if location := self._location(say):
            parts.append(f"{location}:")
        if self.field:
            parts.append(f"{self.field}:")
        parts.append(text(self.message))
        line = " ".join(parts)
        if self.hint:
            line += say(N_(" ({})")).format(text(self.hint))
        return line

    def __str__(self) -> str:
        return self._render(_, str)

    def said(self) -> Said:
        """``str(self)`` keeping :meth:`english`: a text people read that the ledger keeps in English."""
        return Said(str(self), self.english())

    def english(self) -> str:
        """The line in English whatever the language: what the ledger keeps (messages made with
        :func:`~portal_bot.i18n.S_` give their English; a plain ``str`` is kept as it is)."""
        return self._render(N_, english)


class DataError(PortalBotError):
    """The candidate's data or files are wrong; retrying cannot help."""


class ProfileError(DataError):
    """A YAML profile, cohort file, roster row or field is invalid."""


class DocumentError(DataError):
    """A photo or PDF cannot honestly be made compliant."""


class SiteRejectedError(DataError):
    """The portal refused a value; the message is the site's own."""


class PortalError(PortalBotError):
    """The portal misbehaved; the operation may be retried with backoff."""


class PortalTimeoutError(PortalError):
    """A page or an element did not come in time."""


class ExplainedError(PortalTimeoutError):
    """A check failed and the flow says why in people's words; shown without the flow's file:line.

    The location stays on the error (``path``, ``line``) for the evidence.
    """

    def _render(self, say: Callable[[str], str], text: Callable[[str], str]) -> str:
        return text(self.message) + (f" ({text(self.hint)})" if self.hint else "")


class PortalServerError(PortalError):
    """The portal answered with a 5xx status or its error page."""


class PortalUnreachableError(PortalError):
    """The site did not answer at all: no network, a wrong address, a name that does not resolve."""


class NotThePortalError(PortalUnreachableError):
    """Something answers at the address, but its pages are not the portal's (a wrong ``--portal``)."""


class SessionExpiredError(PortalError):
    """The login session is gone; the candidate must log in again."""


class FlowError(PortalBotError):
    """A flow file is invalid, or one of its steps cannot run as written."""


class SiteMismatchError(FlowError):
    """A step's label, button or text is not on a page that finished loading: the site differs.

    Never retried (the page will not grow the text by waiting or reloading); a FlowError because
    the fix is in the flow. ``suggestions`` are the page's nearest offers, ``(text, score, why)``,
    best first; the message already names them.
    """

    def __init__(
        self, message: str, *, suggestions: tuple[tuple[str, int, str], ...] = (), **where: Any
    ) -> None:
        super().__init__(message, **where)
        self.suggestions = suggestions


class HumanStepTimeoutError(PortalBotError):
    """A person did not complete a login, signature or confirmation in time."""


class BrowserUnavailableError(PortalBotError):
    """No Chromium could be found or launched."""


class ConfigError(PortalBotError):
    """Settings or command-line options that cannot work together."""


class StateError(PortalBotError):
    """The ledger or the state directory is unusable or locked."""


class NotificationError(PortalBotError):
    """A notifier (webhook, group robot, e-mail) could not deliver a message."""
