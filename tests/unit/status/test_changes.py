import json
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from portal_bot.cohortrun.states import Action, State
from portal_bot.status.changes import (
    EXIT_ACTION_NEEDED,
    EXIT_ERRORS,
    EXIT_NOTHING_TO_DO,
    ChangeKind,
    Observation,
    baseline,
    diff,
    exit_code,
    group_by_action,
    status_document,
    summary,
)

Obs = Callable[..., Observation]


def by_key(*observations: Observation) -> dict[str, Observation]:
    return {o.key: o for o in observations}


def test_a_candidate_seen_for_the_first_time_is_new(obs: Obs) -> None:
    changes = diff({}, by_key(obs("zhang", State.PENDING_REVIEW)))
    assert [(c.kind, c.key) for c in changes] == [(ChangeKind.NEW, "zhang")]
    assert "首次记录" in changes[0].describe()


def test_a_state_change_is_reported_with_before_and_after(obs: Obs, t0: datetime) -> None:
    before = obs("zhang", State.PENDING_REVIEW)
    after = obs("zhang", State.RETURNED, at=t0 + timedelta(days=1), reason="照片不合格")
    [change] = diff(by_key(before), by_key(after))
    assert change.kind is ChangeKind.STATE
    assert change.before is before and change.after is after
    assert change.action is Action.FIX_AND_RESUBMIT
    assert change.describe() == "zhang: 待审核 → 驳回修改（原因: 照片不合格）"


def test_same_state_and_reason_is_no_change(obs: Obs, t0: datetime) -> None:
    before = obs("zhang", State.RETURNED, reason="照片  不合格")
    after = obs("zhang", State.RETURNED, at=t0 + timedelta(hours=6), reason="照片 不合格")
    assert diff(by_key(before), by_key(after)) == []


def test_a_new_reason_in_the_same_state_is_a_reason_change(obs: Obs) -> None:
    before = obs("zhang", State.RETURNED, reason="照片不合格")
    after = obs("zhang", State.RETURNED, reason="学历证明缺失")
    [change] = diff(by_key(before), by_key(after))
    assert change.kind is ChangeKind.REASON
    assert "学历证明缺失" in change.describe()


def test_a_candidate_missing_from_this_run_disappeared(obs: Obs) -> None:
    [change] = diff(by_key(obs("li", State.PAID)), {})
    assert change.kind is ChangeKind.DISAPPEARED
    assert change.action is Action.CHECK_UNKNOWN
    assert "已缴费" in change.describe()


def test_an_error_is_never_a_change(obs: Obs) -> None:
    previous = by_key(obs("zhang", State.PENDING_REVIEW))
    current = by_key(obs("zhang", State.ERROR, note="timeout"), obs("new", State.ERROR))
    assert diff(previous, current) == []


def test_an_expired_login_is_news_once(obs: Obs, t0: datetime) -> None:
    run1 = obs("zhang", State.PENDING_REVIEW)
    run2 = obs("zhang", State.NEEDS_LOGIN, at=t0 + timedelta(hours=6))
    run3 = obs("zhang", State.NEEDS_LOGIN, at=t0 + timedelta(hours=12))
    assert [c.kind for c in diff(baseline([run1]), by_key(run2))] == [ChangeKind.STATE]
    assert diff(baseline([run1, run2]), by_key(run3)) == []


def test_baseline_skips_errors_so_a_glitch_is_not_reported_twice(obs: Obs, t0: datetime) -> None:
    history = [
        obs("zhang", State.PENDING_REVIEW),
        obs("zhang", State.ERROR, at=t0 + timedelta(hours=6)),
    ]
    assert baseline(history)["zhang"].state is State.PENDING_REVIEW
    again = obs("zhang", State.PENDING_REVIEW, at=t0 + timedelta(hours=12))
    assert diff(baseline(history), by_key(again)) == []


def test_baseline_takes_the_latest_regardless_of_input_order(obs: Obs, t0: datetime) -> None:
    late = obs("zhang", State.PAID, at=t0 + timedelta(days=2))
    early = obs("zhang", State.TO_PAY, at=t0)
    assert baseline([late, early])["zhang"] is late


def test_changes_are_sorted_most_urgent_first(obs: Obs) -> None:
    current = by_key(
        obs("a", State.PENDING_REVIEW), obs("b", State.TO_PAY), obs("c", State.RETURNED), obs("d", State.PAID)
    )
    assert [c.key for c in diff({}, current)] == ["c", "b", "a", "d"]


def test_group_by_action_orders_groups_and_names(obs: Obs) -> None:
    groups = group_by_action(
        [
            obs("k1", State.PAID, name="王五"),
            obs("k2", State.TO_PAY, name="李四"),
            obs("k3", State.APPROVED, name="张三"),
            obs("k4", State.NEEDS_LOGIN, name="赵六"),
        ]
    )
    assert list(groups) == [Action.PAY, Action.LOG_IN_AGAIN, Action.NOTHING]
    assert [o.name for o in groups[Action.PAY]] == sorted(["李四", "张三"])


def test_summary_counts_every_action(obs: Obs) -> None:
    counts = summary([obs("a", State.TO_PAY), obs("b", State.APPROVED), obs("c", State.PAID)])
    assert counts[Action.PAY] == 2 and counts[Action.NOTHING] == 1
    assert set(counts) == set(Action) and sum(counts.values()) == 3


@pytest.mark.parametrize(
    ("states", "run_errors", "code"),
    [
        ([], 0, EXIT_NOTHING_TO_DO),
        ([State.PENDING_REVIEW, State.PAID, State.TICKET_ISSUED], 0, EXIT_NOTHING_TO_DO),
        ([State.PENDING_REVIEW, State.TO_PAY], 0, EXIT_ACTION_NEEDED),
        ([State.RETURNED], 0, EXIT_ACTION_NEEDED),
        ([State.NEEDS_LOGIN], 0, EXIT_ACTION_NEEDED),
        ([State.UNKNOWN], 0, EXIT_ACTION_NEEDED),
        ([State.TO_PAY, State.ERROR], 0, EXIT_ERRORS),
        ([State.PAID], 1, EXIT_ERRORS),
    ],
)
def test_exit_code(obs: Obs, states: list[State], run_errors: int, code: int) -> None:
    observations = [obs(f"k{i}", s) for i, s in enumerate(states)]
    assert exit_code(observations, run_errors=run_errors) == code


def test_exit_codes_are_the_documented_numbers() -> None:
    assert (EXIT_NOTHING_TO_DO, EXIT_ERRORS, EXIT_ACTION_NEEDED) == (0, 1, 3)


def test_observations_must_carry_a_time_zone() -> None:
    with pytest.raises(ValueError, match="timezone"):
        Observation("k", "n", None, State.PAID, "已缴费", None, datetime(2026, 1, 1))


def test_observation_round_trips_through_a_dict(obs: Obs) -> None:
    original = obs("zhang", State.RETURNED, reason="照片不合格", note="n")
    assert Observation.from_dict(original.to_dict(masked=False)) == original


def test_json_document_masks_personal_data(obs: Obs, t0: datetime) -> None:
    current = [
        obs("zhang", State.RETURNED, name="张三", reason="身份证330102199001011234与手机13812345678不符"),
        obs("li", State.PAID),
    ]
    doc = status_document(current, diff({}, by_key(*current)), generated_at=t0, cohort="2026春")
    text = json.dumps(doc, ensure_ascii=False)
    assert "330102199001011234" not in text and "13812345678" not in text
    assert "3301**********1234" in text and "138****5678" in text
    assert doc["exit_code"] == EXIT_ACTION_NEEDED
    assert doc["summary"]["fix_and_resubmit"] == 1
    assert [g["action"] for g in doc["groups"]] == ["fix_and_resubmit", "nothing"]
    assert len(doc["changes"]) == 2


def test_json_document_reports_run_errors_as_exit_1(obs: Obs, t0: datetime) -> None:
    doc = status_document([obs("a", State.PAID)], [], generated_at=t0, run_errors=["cohort.yaml unreadable"])
    assert doc["exit_code"] == EXIT_ERRORS and doc["errors"] == ["cohort.yaml unreadable"]
