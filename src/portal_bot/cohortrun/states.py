"""The one vocabulary of application states: what the portal shows in 我的技能评价报名, which of
those mean "submitted" (``register`` never submits again), and what a coordinator must do.

:func:`parse_state` maps the site's state text to a :class:`State` after normalising whitespace,
full-width forms and wrapping punctuation. It maps only the exact known texts and the few aliases in
:data:`ALIASES`, each with the reason it is safe; any other text is :attr:`State.UNKNOWN`. This module
must never guess a state from a partial match ("驳回" alone could be a final rejection or a request
to fix, so it stays unknown).

:func:`action_for` says what the coordinator must do for a state; the wording is shown in tables,
reports and notifications in Chinese and English.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from portal_bot.i18n import N_, _, current_language, in_language


class State(StrEnum):
    """One candidate's application state; the value is the stable identifier used in JSON."""

    # Texts shown by the portal.
    PENDING_REVIEW = "pending_review"
    RETURNED = "returned"
    REJECTED = "rejected"
    APPROVED = "approved"
    TO_PAY = "to_pay"
    PAID = "paid"
    TICKET_ISSUED = "ticket_issued"
    # Pseudo-states: what portal-bot saw (or could not see) rather than a text on the site.
    DRAFT = "draft"
    NOT_SUBMITTED = "not_submitted"
    NEEDS_LOGIN = "needs_login"
    UNKNOWN = "unknown"
    ERROR = "error"

    @property
    def label(self) -> str:
        """The Chinese label, the machine's word (``--json``'s ``state_label``, the notifications)
        whatever the language: the site's own text for a state it shows, else the catalog's Chinese."""
        if self in _SITE_WORDS:
            return _SITE_WORDS[self][0]
        return in_language("zh", _OWN_WORDS[self])

    @property
    def english(self) -> str:
        return _SITE_WORDS[self][1] if self in _SITE_WORDS else _OWN_WORDS[self]

    @property
    def shown(self) -> str:
        """The state as a person reads it in the current language.

        A state the site shows is the site's own text in both languages (it is what people see on
        the site), with its meaning after it in English; portal-bot's pseudo-states are translated.
        """
        if not self.on_site:
            return _(_OWN_WORDS[self])
        if current_language() == "zh":
            return self.label
        return f"{self.label} ({self.english})"

    @property
    def on_site(self) -> bool:
        """True for the states whose label is a text the portal itself shows."""
        return self in _SITE_WORDS

    @property
    def seen(self) -> bool:
        """True when the state was read from the site (not a login or error pseudo-state)."""
        return self not in (State.NEEDS_LOGIN, State.ERROR)


#: The states the site shows: the site's own word, in every language (what people see on the site,
#: not a translation, so never in the catalog), and its meaning, shown after it to English readers.
_SITE_WORDS: dict[State, tuple[str, str]] = {
    State.PENDING_REVIEW: ("待审核", "pending review"),
    State.RETURNED: ("驳回修改", "returned for changes"),
    State.REJECTED: ("审核不通过", "rejected"),
    State.APPROVED: ("审核通过", "approved"),
    State.TO_PAY: ("待缴费", "fee to pay"),
    State.PAID: ("已缴费", "fee paid"),
    State.TICKET_ISSUED: ("已生成准考证", "admission ticket issued"),
}

#: portal-bot's own pseudo-states: catalog messages, whose Chinese is also their label.
_OWN_WORDS: dict[State, str] = {
    State.DRAFT: N_("draft, not submitted"),
    State.NOT_SUBMITTED: N_("no application for this plan"),
    State.NEEDS_LOGIN: N_("needs login"),
    State.UNKNOWN: N_("unknown state"),
    State.ERROR: N_("error while reading"),
}

#: The portal's own state texts, after normalisation (a draft is shown as 草稿 or 未提交).
KNOWN_TEXTS: dict[str, State] = {
    **{word: state for state, (word, _meaning) in _SITE_WORDS.items()},
    "草稿": State.DRAFT,
    "未提交": State.DRAFT,
}

#: Variant wordings mapped only where they cannot mean anything else; each with why it is safe.
#: Texts that are merely *similar* ("驳回", "未缴费", "已提交") are deliberately absent: unknown.
ALIASES: dict[str, tuple[State, str]] = {
    "审核中": (State.PENDING_REVIEW, "under review: the same wait as 待审核, nothing to do"),
    "审核未通过": (State.REJECTED, "未 and 不 both negate 通过: the same final outcome"),
    "退回修改": (State.RETURNED, "sent back *for changes* (修改), exactly like 驳回修改"),
    "待交费": (State.TO_PAY, "交费 and 缴费 are the same word; the guide itself writes 交费"),
    "已交费": (State.PAID, "交费 and 缴费 are the same word; the guide itself writes 交费"),
}

# Wrapping brackets the site or a copy-paste may add around a state: 【待审核】, (待审核).
_WRAPPERS = {"(": ")", "[": "]", "【": "】", "「": "」", "〔": "〕", "《": "》", "<": ">", "{": "}"}
_TRAILING = "。.,，、:;!?" + "：；！？"
_SPACE_RE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Fold full-width forms (NFKC), drop whitespace and invisible characters, unwrap brackets."""
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")  # zero-width chars
    folded = _SPACE_RE.sub("", folded)
    changed = True
    while changed and folded:
        changed = False
        stripped = folded.strip(_TRAILING)
        if stripped != folded:
            folded, changed = stripped, True
        if len(folded) >= 2 and _WRAPPERS.get(folded[0]) == folded[-1]:
            folded, changed = folded[1:-1], True
    return folded


def parse_state(text: str | None) -> State:
    """The state for a text shown by the portal; :attr:`State.UNKNOWN` for any text it does not know.

    Args:
        text: the state cell as read from 我的技能评价报名 (any whitespace or full-width forms).
    """
    if text is None:
        return State.UNKNOWN
    key = normalise(text)
    if key in KNOWN_TEXTS:
        return KNOWN_TEXTS[key]
    if key in ALIASES:
        return ALIASES[key][0]
    return State.UNKNOWN


#: States of an application the candidate has submitted: ``register`` must never submit again.
#: 驳回修改 is here too: a returned application is reopened and resubmitted (继续提交审核, see
#: ``register.walk``), never entered as a new one.
SUBMITTED_STATES = frozenset(
    {
        State.PENDING_REVIEW,
        State.RETURNED,
        State.REJECTED,
        State.APPROVED,
        State.TO_PAY,
        State.PAID,
        State.TICKET_ISSUED,
    }
)


def is_submitted(text: str | None) -> bool:
    """True when the portal's state text says the application was submitted (see SUBMITTED_STATES)."""
    return parse_state(text) in SUBMITTED_STATES


class Action(StrEnum):
    """What the coordinator must do; the members are in the order tables and messages list them."""

    FIX_AND_RESUBMIT = "fix_and_resubmit"
    PAY = "pay"
    LOG_IN_AGAIN = "log_in_again"
    FINISH_REGISTRATION = "finish_registration"
    READ_REJECTION = "read_rejection"
    CHECK_UNKNOWN = "check_unknown"
    CHECK_ERROR = "check_error"
    NOTHING = "nothing"

    @property
    def label(self) -> str:
        """Short Chinese heading, whatever the language (the notifications, ``--json``): the catalog's."""
        return in_language("zh", self.english)

    @property
    def english(self) -> str:
        return _ACTIONS[self].english

    @property
    def advice(self) -> str:
        """One sentence in Chinese and English: what to do (``--json``'s ``advice``)."""
        text = _ACTIONS[self].advice
        return f"{in_language('zh', text)} / {text}"

    @property
    def shown(self) -> str:
        """The heading in the current language."""
        return _(self.english)

    @property
    def shown_advice(self) -> str:
        """What to do, in the current language."""
        return _(_ACTIONS[self].advice)

    @property
    def needs_attention(self) -> bool:
        """True when a person must do something (exit code 3 unless there were errors)."""
        return self is not Action.NOTHING

    @property
    def order(self) -> int:
        return list(Action).index(self)


@dataclass(frozen=True)
class _ActionText:
    """The heading and the advice: catalog messages (their Chinese is the notifications' and
    ``--json``'s words, whatever the language)."""

    english: str
    advice: str


_ACTIONS: dict[Action, _ActionText] = {
    Action.FIX_AND_RESUBMIT: _ActionText(
        N_("fix and resubmit"),
        N_("fix the profile as the reason says, then run portal-bot register: it resubmits"),
    ),
    Action.PAY: _ActionText(
        N_("pay"),
        N_("approved: pay the fee on the site in time"),
    ),
    Action.LOG_IN_AGAIN: _ActionText(
        N_("log in again"),
        N_("the saved login expired: log in again, then rerun"),
    ),
    Action.FINISH_REGISTRATION: _ActionText(
        N_("finish registration"),
        N_("not submitted yet: run portal-bot register"),
    ),
    Action.READ_REJECTION: _ActionText(
        N_("read the rejection"),
        N_("rejected: read the reason, contact the organisation"),
    ),
    Action.CHECK_UNKNOWN: _ActionText(
        N_("check the state by hand"),
        N_("the site shows a state portal-bot does not know: look"),
    ),
    Action.CHECK_ERROR: _ActionText(
        N_("check the error"),
        N_("reading the state failed: see the error, then rerun"),
    ),
    Action.NOTHING: _ActionText(
        N_("nothing to do"),
        N_("nothing to do for now"),
    ),
}

_ACTION_FOR: dict[State, Action] = {
    State.PENDING_REVIEW: Action.NOTHING,
    State.RETURNED: Action.FIX_AND_RESUBMIT,
    State.REJECTED: Action.READ_REJECTION,
    # The guide: "报名审核通过后，请按照网站要求及时足量缴纳认定缴费" — approval means pay now.
    State.APPROVED: Action.PAY,
    State.TO_PAY: Action.PAY,
    State.PAID: Action.NOTHING,
    # The fee is no longer refundable; printing the ticket is the candidate's own step.
    State.TICKET_ISSUED: Action.NOTHING,
    State.DRAFT: Action.FINISH_REGISTRATION,
    State.NOT_SUBMITTED: Action.FINISH_REGISTRATION,
    State.NEEDS_LOGIN: Action.LOG_IN_AGAIN,
    State.UNKNOWN: Action.CHECK_UNKNOWN,
    State.ERROR: Action.CHECK_ERROR,
}


def action_for(state: State) -> Action:
    """What the coordinator must do for a candidate in ``state``."""
    return _ACTION_FOR[state]
