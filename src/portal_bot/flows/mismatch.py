"""A site mismatch: which of the page's offers a missing label, button or text most likely became.

Three reasons to suggest a text, each stated in the message:

* **similar text**: rapidfuzz's ratio of the two texts compared by
  :func:`~portal_bot.flows.labels.label_key` (马上报名 → 立即报名 scores 50);
* **elimination**: the page has exactly one control of the same kind (a text field, a select,
  a button …) that no step of the flow claims, read-only fields left out; failing that, exactly one
  such control marked required (``*``): a form cannot be sent with a required field no step fills.
  手机号码 → 联系电话 share no character, but on a page where every other editable text field is
  one the flow fills (or is optional), the one left over is the candidate;
* **appeared after** (an expected text only, :func:`appeared`): a text the page shows after the
  step's action (the click before it) and did not show before, ranked by similarity: the site's
  answer to that action in its own words (照片上传成功 → 照片已保存 are only 36 % alike).

"Claimed" means by a step of the flow itself, not by a flow it runs: ``run_flow`` works on pages of
its own (个人基本信息), so once basic-info.yaml fills 联系电话 there, 联系电话 on 填写报名信息 is
still free. A text another step of the flow uses is never suggested: it is that step's.

At most :data:`MAX_SUGGESTIONS`, appeared and elimination first, then by score; no similar text
below :data:`CUTOFF`.

A reason is a :class:`Reason`, its kind and arguments: :func:`say_why` says it in the language people
read (the message, the ``flows check --against`` table); the machine outputs (the flow patch's
comments, ``--json``) carry its English, which is also its value as a string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

from rapidfuzz import fuzz

from portal_bot.errors import SiteMismatchError
from portal_bot.flows.labels import label_key
from portal_bot.flows.settle import Absent
from portal_bot.flows.steps import (
    Click,
    Expect,
    Extract,
    FieldAction,
    FillForm,
    Flow,
    Retry,
    RuntimeStep,
    Tick,
)
from portal_bot.i18n import N_, S_, Said, _
from portal_bot.privacy import mask_text

MAX_SUGGESTIONS = 3
CUTOFF = 40

#: The hint every site mismatch ends with (docs/flows.md has the section); translated where raised.
HINT = N_("the site differs from the flows: see docs/flows.md, 'When the real site differs'")

#: The sorts of control a reason names (``kind`` + " field" for a form control), said where shown.
_NOUNS = {
    "button": N_("button"),
    "link": N_("link"),
    "button or link": N_("button or link"),
    "text": N_("text"),
    "field": N_("field"),
    "text field": N_("text field"),
    "select field": N_("select field"),
    "xselect field": N_("select field"),
    "choose field": N_("radio field"),
    "radio field": N_("radio field"),
    "check field": N_("checkbox field"),
    "checkbox field": N_("checkbox field"),
    "upload field": N_("file field"),
    "file field": N_("file field"),
}


def _noun(what: str) -> str:
    return _(_NOUNS[what]) if what in _NOUNS else what


ReasonKind = Literal["similar_text", "elimination", "appeared_after", "by_hand"]


class Reason(str):
    """Why a text is suggested: a kind and its arguments, rendered by :func:`say_why`.

    Kinds and arguments:

    * ``similar_text``: ``what`` (the sort of control, ``button``, ``text field`` …), ``score``;
    * ``elimination``: ``what``, ``required`` (the only one marked required, not the only one);
    * ``appeared_after``: ``click``, the text of the click before the expected text (None: a click
      by CSS);
    * ``by_hand``: ``role``, what a person used in a takeover (:mod:`portal_bot.flows.takeover`).

    The value of the string is the reason in English, exactly as the machine outputs have always
    carried it: the flow patch's comments and ``flows check --against --json``. So those outputs,
    and the error's ``suggestions``, stay byte for byte what they were while people read the reason
    in their language from the kind and the arguments, never from the English sentence.
    """

    kind: ReasonKind
    args: Mapping[str, str | int | bool | None]

    def __new__(cls, kind: ReasonKind, args: Mapping[str, str | int | bool | None]) -> Reason:
        self = super().__new__(cls, _say(kind, args, machine=True))
        self.kind, self.args = kind, MappingProxyType(dict(args))
        return self

    def __reduce__(self) -> tuple[type[Reason], tuple[ReasonKind, dict[str, str | int | bool | None]]]:
        return Reason, (self.kind, dict(self.args))

    @classmethod
    def similar_text(cls, what: str, score: int) -> Reason:
        return cls("similar_text", {"what": what, "score": score})

    @classmethod
    def elimination(cls, what: str, *, required: bool) -> Reason:
        return cls("elimination", {"what": what, "required": required})

    @classmethod
    def appeared_after(cls, click: str | None) -> Reason:
        return cls("appeared_after", {"click": click})

    @classmethod
    def by_hand(cls, role: str) -> Reason:
        return cls("by_hand", {"role": role})


def _say(kind: ReasonKind, args: Mapping[str, Any], *, machine: bool) -> str:
    """The one rendering of a reason: for people in their language, or (``machine``) in the English
    the patch and ``--json`` carry, where the sort of control keeps its own name (``xselect field``)."""
    say = N_ if machine else _
    noun = str if machine else _noun
    if kind == "similar_text":
        return say(N_("similar text ({what}, {score}%)")).format(what=noun(args["what"]), score=args["score"])
    if kind == "elimination":
        if args["required"]:
            return say(N_("elimination: the only required {} here no step of the flow uses")).format(
                noun(args["what"])
            )
        return say(N_("elimination: the only {} here no step of the flow uses")).format(noun(args["what"]))
    if kind == "appeared_after":
        if args["click"] is None:
            return say(N_("appeared after click a control on the page"))
        return say(N_("appeared after click {}")).format(args["click"])
    return say(N_("done by hand in the browser ({})")).format(noun(args["role"]))


class Suggestion(NamedTuple):
    """A suggested text: the page's text, its similarity 0-100 to the missing one, and why."""

    text: str
    score: int
    why: str  # a Reason; a plain text (an older caller's) is shown as it is


def say_why(why: str) -> str:
    """A suggestion's reason in the language people read (any other text is shown as it is)."""
    return _say(why.kind, why.args, machine=False) if isinstance(why, Reason) else why


def claims(flow: Flow) -> set[str]:
    """The label keys of every field and button text the flow's own steps name (not the flows it
    runs: they work on pages of their own, see the module docstring)."""
    out: set[str] = set()

    def walk(steps: tuple[RuntimeStep, ...]) -> None:
        for step in steps:
            a = step.args
            if isinstance(a, FieldAction | Extract) and a.target.field:
                out.add(label_key(a.target.field))
            elif isinstance(a, Click) and a.target.text is not None:
                out.add(label_key(a.target.text.source))
            elif isinstance(a, Tick) and a.field:
                out.add(label_key(a.field))
            elif isinstance(a, Expect) and a.expect.field:
                out.add(label_key(a.expect.field))
            elif isinstance(a, FillForm):
                out.update(label_key(e.label) for e in a.fields)
            elif isinstance(a, Retry):
                walk(a.steps)

    walk(flow.steps)
    return out


def _pool(absent: Absent) -> tuple[list[tuple[str, str]], str]:
    """The page's offers of the same sort as the missing target, as ``(text, kind)``, and its noun.

    Read-only fields are left out of a field's pool: a flow step fills, picks or ticks.
    """
    o = absent.offers
    kind = absent.kind
    buttons = [(t, "button") for t in o.get("buttons", [])]
    links = [(t, "link") for t in o.get("links", [])]
    if kind == "button":
        return buttons, "button"
    if kind == "link":
        return links, "link"
    if kind == "any":
        return buttons + links, "button or link"
    if kind == "visible":
        return [(t, "text") for t in o.get("texts", [])], "text"
    want = "text" if kind == "date" else kind
    labels = [(lab["text"], lab["kind"]) for lab in o.get("labels", []) if not lab.get("fixed")]
    if want == "value":
        return [(t, k + " field") for t, k in labels], "field"
    return [(t, want + " field") for t, k in labels if k == want], want + " field"


def shown(text: str) -> str:
    """A label as the message quotes it: without the required mark and the colon."""
    return re.sub(r"^[\s*＊]+|[\s:：]+$", "", text)


def _required(text: str) -> bool:
    return "*" in text or "＊" in text


def suggest(absent: Absent, claimed: set[str]) -> list[Suggestion]:
    """Up to three of the page's texts the missing one may have become, with why."""
    pool, noun = _pool(absent)
    want = label_key(absent.want)
    out: list[Suggestion] = []
    seen: set[str] = set()
    if absent.kind != "visible":
        free = {label_key(t): t for t, _kind in pool if label_key(t) not in claimed and label_key(t) != want}
        required_free = {k: t for k, t in free.items() if _required(t)}
        for among, required in ((free, False), (required_free, True)):
            if len(among) == 1:
                key, text = next(iter(among.items()))
                score = round(fuzz.ratio(want, key))
                out.append(Suggestion(shown(text), score, Reason.elimination(noun, required=required)))
                seen.add(key)
                break
    taken = seen | claimed  # another step's text is that step's, still there
    scored = sorted(
        ((round(fuzz.ratio(want, label_key(t))), t, k) for t, k in pool if label_key(t) not in taken),
        key=lambda x: -x[0],
    )
    for score, text, what in scored:
        if len(out) >= MAX_SUGGESTIONS or score < CUTOFF:
            break
        if label_key(text) in seen:
            continue
        seen.add(label_key(text))
        out.append(Suggestion(shown(text), score, Reason.similar_text(what, score)))
    return out


def appeared(
    want: str, before: Iterable[str], offers: dict[str, Any], claimed: set[str], click: str | None
) -> list[Suggestion]:
    """The texts the page shows after a click and did not before it: what an expected text became.

    Only plain texts (``offers["texts"]``) of the kind an expected message is: not a button's or a
    link's text, not one another step of the flow uses, not figures alone. (Field labels are not
    left out: pageOffers reads a short text beside a control as its label, and a message shown
    next to the file input it is about, 照片已保存, is read so.)
    Ranked by similarity to ``want`` (no cutoff: the appearance is the reason); none when nothing
    appeared, so nothing is guessed.

    Args:
        want: the missing expected text.
        before: the page's texts before the click (``pageTexts`` / ``offers["texts"]``).
        offers: the page's offers after it (settled, without ``want``).
        claimed: :func:`claims` of the step's flow.
        click: the text the click clicked (``上传照片``; None for a click by CSS).
    """
    was = {label_key(t) for t in before}
    other = {label_key(t) for t in [*offers.get("buttons", []), *offers.get("links", [])]}
    key = label_key(want)
    new = [
        t
        for t in dict.fromkeys(offers.get("texts", []))
        if label_key(t) not in was | other | claimed and re.search(r"[^\W\d_]", t)
    ]
    ranked = sorted(new, key=lambda t: -fuzz.ratio(key, label_key(t)))  # stable: page order on ties
    why = Reason.appeared_after(click)
    return [Suggestion(shown(t), round(fuzz.ratio(key, label_key(t))), why) for t in ranked[:MAX_SUGGESTIONS]]


def merged(first: Sequence[Suggestion], then: Sequence[Suggestion]) -> list[Suggestion]:
    """``first``, then those of ``then`` that name another text, at most :data:`MAX_SUGGESTIONS`."""
    out: list[Suggestion] = []
    for s in [*first, *then]:
        if len(out) < MAX_SUGGESTIONS and all(label_key(s[0]) != label_key(o[0]) for o in out):
            out.append(s)
    return out


def site_mismatch(
    absent: Absent, step: RuntimeStep, flow: Flow, before: Sequence[Suggestion] = ()
) -> SiteMismatchError:
    """The error a step whose target is absent raises: where, what, the page, and suggestions
    (``before``: suggestions with a reason found outside the page, :func:`appeared`'s, put first)."""
    where = absent.where or step.where
    found = merged(before, suggest(absent, claims(flow)))
    suggestions = tuple(Suggestion(mask_text(t), s, why) for t, s, why in found)
    o = absent.offers
    page = o.get("path", "?") + (f" ({mask_text(o['title'])})" if o.get("title") else "")
    what = {
        "visible": N_("the text"),
        "any": N_("a button or link"),
        "button": N_("a button"),
        "link": N_("a link"),
    }
    if absent.kind in what:
        looked = S_(what[absent.kind])
    else:
        noun = f"{'text' if absent.kind == 'date' else absent.kind} field"
        looked = S_("a {} labelled").format(Said(_noun(noun), _NOUNS.get(noun, noun)))
    message = S_("site mismatch: {step}: {looked} '{want}' is not on {page}").format(
        step=step.said, looked=looked, want=absent.want, page=page
    )
    if suggestions:  # a Reason's value is its English
        offers = Said(
            ", ".join(f"'{t}' ({say_why(why)})" for t, _score, why in suggestions),
            ", ".join(f"'{t}' ({why})" for t, _score, why in suggestions),
        )
        message += S_("; the page has {}").format(offers)
    else:
        message += S_("; nothing on the page is close to it")
    field = absent.want if absent.kind not in ("any", "button", "link", "visible") else None
    return SiteMismatchError(
        message, path=where.path, line=where.line, field=field, hint=S_(HINT), suggestions=suggestions
    )
