"""Observations of candidates' states, what changed since the last run, and the run's exit code.

Plain data in, plain data out: this module never reads the portal or the ledger. The wiring reads
the site, builds one :class:`Observation` per candidate, loads the previous ones (see
:func:`baseline`), and calls :func:`diff`, :func:`group_by_action`, :func:`exit_code` and
:func:`status_document` (the ``--json`` output and the generic webhook body).

Exit codes: ``0`` nothing to do · ``3`` someone must act · ``1`` errors (an observation in state
ERROR, or errors of the run itself). Errors win over actions: when a candidate could not be read the
picture is incomplete, and a scheduled job must not report "all fine, only actions".

Personal data: every text leaving this module through :meth:`Observation.to_dict` with
``masked=True`` or :func:`status_document` passes through :func:`portal_bot.privacy.mask_text`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from portal_bot.cohortrun.states import Action, State, action_for
from portal_bot.i18n import N_, _, in_language
from portal_bot.privacy import mask_text

EXIT_NOTHING_TO_DO = 0
EXIT_ERRORS = 1
EXIT_ACTION_NEEDED = 3


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


@dataclass(frozen=True)
class Observation:
    """What one status run saw for one candidate.

    Attributes:
        key: stable candidate key (the profile's file stem); never an ID number.
        name: display name; pass it masked where the cohort wants that.
        plan_code: the plan (计划编号) the application belongs to, when known.
        state: the parsed state (see :func:`portal_bot.cohortrun.states.parse_state`).
        state_text: the site's own text, as read (empty for pseudo-states).
        reason: the site's reason (驳回/不通过 原因), when it shows one.
        observed_at: when it was seen; timezone-aware.
        note: what went wrong for NEEDS_LOGIN / ERROR, in one line.
    """

    key: str
    name: str
    plan_code: str | None
    state: State
    state_text: str
    reason: str | None
    observed_at: datetime
    note: str | None = None

    def __post_init__(self) -> None:
        if self.observed_at.tzinfo is None:
            raise ValueError("observed_at must be timezone-aware")

    @property
    def action(self) -> Action:
        return action_for(self.state)

    def masked(self) -> Observation:
        """A copy with ID and phone numbers masked in every text field."""
        return replace(
            self,
            key=mask_text(self.key),
            name=mask_text(self.name),
            state_text=mask_text(self.state_text),
            reason=mask_text(self.reason) if self.reason is not None else None,
            note=mask_text(self.note) if self.note is not None else None,
        )

    def to_dict(self, *, masked: bool = True) -> dict[str, Any]:
        """JSON-ready dict (masked by default); :meth:`from_dict` reads it back."""
        obs = self.masked() if masked else self
        return {
            "key": obs.key,
            "name": obs.name,
            "plan_code": obs.plan_code,
            "state": obs.state.value,
            "state_label": obs.state.label,
            "state_text": obs.state_text,
            "reason": obs.reason,
            "action": obs.action.value,
            "observed_at": obs.observed_at.isoformat(),
            "note": obs.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Observation:
        return cls(
            key=str(data["key"]),
            name=str(data["name"]),
            plan_code=data.get("plan_code"),
            state=State(data["state"]),
            state_text=str(data.get("state_text") or ""),
            reason=data.get("reason"),
            observed_at=datetime.fromisoformat(str(data["observed_at"])),
            note=data.get("note"),
        )


class ChangeKind(StrEnum):
    NEW = "new"
    STATE = "state"
    REASON = "reason"
    DISAPPEARED = "disappeared"


@dataclass(frozen=True)
class Change:
    """One difference between the previous run and this one, for one candidate."""

    kind: ChangeKind
    key: str
    before: Observation | None
    after: Observation | None

    @property
    def name(self) -> str:
        obs = self.after or self.before
        assert obs is not None
        return obs.name

    @property
    def action(self) -> Action:
        """What to do now; a candidate that disappeared from the list must be checked by hand."""
        return self.after.action if self.after is not None else Action.CHECK_UNKNOWN

    def describe(self, *, shown: bool = False) -> str:
        """One masked line: ``张三: 待审核 → 驳回修改（原因: 照片不合格）``.

        Chinese by default, whatever the current language: the group-robot notifications and
        ``--json``'s ``text`` are the same for everyone. ``shown=True`` is the current language (the
        terminal).
        """

        def say(text: str) -> str:
            return _(text) if shown else in_language("zh", text)

        def label(state: State) -> str:
            return state.shown if shown else state.label

        name = mask_text(self.name)
        if self.kind is ChangeKind.DISAPPEARED:
            assert self.before is not None
            return say(N_("{name}: no longer in the list of applications (last: {state})")).format(
                name=name, state=label(self.before.state)
            )
        assert self.after is not None
        reason, note = _clean(self.after.reason), _clean(self.after.note)
        reason = say(N_(" (reason: {reason})")).format(reason=mask_text(reason)) if reason else ""
        note = say(N_(" ({note})")).format(note=mask_text(say(note))) if note else ""
        state = label(self.after.state)
        if self.kind is ChangeKind.NEW:
            return say(N_("{name}: first seen, {state}")).format(name=name, state=state) + reason + note
        if self.kind is ChangeKind.REASON:
            return say(N_("{name}: {state}, the reason changed")).format(name=name, state=state) + reason
        assert self.before is not None
        return f"{name}: {label(self.before.state)} → {label(self.after.state)}{reason}{note}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready and masked."""
        return {
            "kind": self.kind.value,
            "key": mask_text(self.key),
            "name": mask_text(self.name),
            "before": self.before.to_dict() if self.before is not None else None,
            "after": self.after.to_dict() if self.after is not None else None,
            "action": self.action.value,
            "text": self.describe(),
        }


def baseline(history: Iterable[Observation]) -> dict[str, Observation]:
    """The observation to compare against, per candidate: the latest one that is not an ERROR.

    An error teaches nothing about the application, so comparing against it would report the same
    change twice (``待审核 → error → 待审核``). NEEDS_LOGIN is kept: "the login expired" is news
    once, not on every run while it stays expired.
    """
    latest: dict[str, Observation] = {}
    for obs in history:
        if obs.state is State.ERROR:
            continue
        current = latest.get(obs.key)
        if current is None or obs.observed_at >= current.observed_at:
            latest[obs.key] = obs
    return latest


def diff(previous: Mapping[str, Observation], current: Mapping[str, Observation]) -> list[Change]:
    """What changed between two runs, sorted by action (most urgent first), then name.

    Args:
        previous: per candidate key, the observation to compare against (see :func:`baseline`).
        current: per candidate key, this run's observation.

    A current ERROR observation is never a change (nothing was learnt; :func:`exit_code` reports
    it). A reason change counts only when the state stayed the same.
    """
    changes: list[Change] = []
    for key, after in current.items():
        before = previous.get(key)
        if after.state is State.ERROR:
            continue
        if before is None:
            changes.append(Change(ChangeKind.NEW, key, None, after))
        elif before.state is not after.state:
            changes.append(Change(ChangeKind.STATE, key, before, after))
        elif after.state.seen and _clean(before.reason) != _clean(after.reason):
            changes.append(Change(ChangeKind.REASON, key, before, after))
    for key, before in previous.items():
        if key not in current:
            changes.append(Change(ChangeKind.DISAPPEARED, key, before, None))
    changes.sort(key=lambda c: (c.action.order, c.name, c.key))
    return changes


def group_by_action(observations: Iterable[Observation]) -> dict[Action, list[Observation]]:
    """Observations grouped by what to do, most urgent group first, names sorted within a group.

    Groups with nobody in them are left out.
    """
    groups: dict[Action, list[Observation]] = {}
    for obs in observations:
        groups.setdefault(obs.action, []).append(obs)
    return {
        action: sorted(groups[action], key=lambda o: (o.name, o.key))
        for action in sorted(groups, key=lambda a: a.order)
    }


def summary(observations: Iterable[Observation]) -> dict[Action, int]:
    """How many candidates fall under each action (every action present, zero included)."""
    counts = dict.fromkeys(Action, 0)
    for obs in observations:
        counts[obs.action] += 1
    return counts


def exit_code(observations: Iterable[Observation], *, run_errors: int = 0) -> int:
    """``1`` when anything failed, else ``3`` when someone must act, else ``0``.

    Args:
        observations: this run's observations.
        run_errors: errors outside any one candidate (e.g. the cohort could not be read fully).
    """
    observations = list(observations)
    if run_errors or any(o.state is State.ERROR for o in observations):
        return EXIT_ERRORS
    if any(o.action.needs_attention for o in observations):
        return EXIT_ACTION_NEEDED
    return EXIT_NOTHING_TO_DO


def _arg(value: str) -> str:
    """A command-line argument as typed in any shell (quoted only when it holds a space or quote)."""
    if value and not any(ch.isspace() or ch in "\"'" for ch in value):
        return value
    return '"' + value.replace('"', '\\"') + '"'


def next_command(obs: Observation, cohort: str, *, portal: str | None = None) -> str | None:
    """The portal-bot command that does the coordinator's next step for ``obs``, or None.

    A return (驳回修改) or an unfinished registration is ``portal-bot register COHORT --only NAME``
    (register reopens a returned application and resubmits it); a login to renew is
    ``portal-bot status COHORT --interactive``. Other actions happen on the site or need a person.

    Args:
        obs: the candidate's current observation.
        cohort: the cohort folder as the command should name it.
        portal: ``--portal URL`` to add (None when the run used the default address).
    """
    where = f" --portal {_arg(portal)}" if portal else ""
    if obs.action in (Action.FIX_AND_RESUBMIT, Action.FINISH_REGISTRATION):
        return f"portal-bot register {_arg(cohort)} --only {_arg(obs.name)}{where}"
    if obs.action is Action.LOG_IN_AGAIN:
        return f"portal-bot status {_arg(cohort)} --interactive{where}"
    return None


def status_document(
    current: Iterable[Observation],
    changes: Iterable[Change],
    *,
    generated_at: datetime,
    cohort: str | None = None,
    run_errors: Iterable[str] = (),
    commands: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The ``--json`` output (and the generic webhook's body minus ``event``); masked throughout.

    ``commands`` maps a candidate's key to its :func:`next_command`; each candidate has
    ``next_command`` (null when there is none).
    """
    current = list(current)
    commands = commands or {}
    errors = [mask_text(e) for e in run_errors]
    groups = group_by_action(current)
    return {
        "cohort": mask_text(cohort) if cohort else None,
        "generated_at": generated_at.isoformat(),
        "exit_code": exit_code(current, run_errors=len(errors)),
        "summary": {action.value: count for action, count in summary(current).items()},
        "groups": [
            {
                "action": action.value,
                "label": action.label,
                "advice": action.advice,
                "candidates": [
                    {**o.to_dict(), "next_command": mask_text(commands[o.key]) if o.key in commands else None}
                    for o in members
                ],
            }
            for action, members in groups.items()
        ],
        "changes": [c.to_dict() for c in changes],
        "errors": errors,
    }
