import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal_bot.cohortrun.states import (
    ALIASES,
    KNOWN_TEXTS,
    Action,
    State,
    action_for,
    normalise,
    parse_state,
)

SITE_TEXTS = {
    "待审核": State.PENDING_REVIEW,
    "驳回修改": State.RETURNED,
    "审核不通过": State.REJECTED,
    "审核通过": State.APPROVED,
    "待缴费": State.TO_PAY,
    "已缴费": State.PAID,
    "已生成准考证": State.TICKET_ISSUED,
    "草稿": State.DRAFT,
    "未提交": State.DRAFT,
}


@pytest.mark.parametrize(("text", "state"), SITE_TEXTS.items())
def test_every_known_text_maps_to_its_state(text: str, state: State) -> None:
    assert parse_state(text) is state


def test_the_known_table_is_exactly_the_documented_one() -> None:
    assert KNOWN_TEXTS == SITE_TEXTS


@pytest.mark.parametrize(
    "text",
    [
        " 待审核 ",
        "待\u3000审核",  # ideographic space
        "待 审\n核",
        "【待审核】",
        "（待审核）",  # full-width parentheses
        "[待审核]",
        "待审核。",
        "待审核：",
        "\u200b待审核\u200b",  # zero-width spaces from copy-paste
    ],
)
def test_whitespace_full_width_forms_and_wrappers_are_normalised(text: str) -> None:
    assert parse_state(text) is State.PENDING_REVIEW


@pytest.mark.parametrize(
    "text",
    [
        "",
        "驳回",  # could be final or a request to fix: never guessed
        "未缴费",  # may be shown before approval: PAY would be wrong
        "已提交",
        "审核",
        "通过",
        "待审核（已退回）",
        "审核通过待缴费",
        "Pending",
        "待审核x",
        "已生成准考证号码",
    ],
)
def test_texts_it_does_not_know_stay_unknown(text: str) -> None:
    assert parse_state(text) is State.UNKNOWN


def test_none_is_unknown() -> None:
    assert parse_state(None) is State.UNKNOWN


@pytest.mark.parametrize(("text", "entry"), ALIASES.items())
def test_aliases_map_to_their_documented_state(text: str, entry: tuple[State, str]) -> None:
    state, why = entry
    assert parse_state(text) is state
    assert why  # every alias says why it is safe


def test_aliases_never_shadow_a_known_text() -> None:
    assert not set(ALIASES) & set(KNOWN_TEXTS)


@given(st.text(max_size=12))
def test_parse_state_never_guesses_from_arbitrary_text(text: str) -> None:
    state = parse_state(text)
    key = normalise(text)
    if state is State.UNKNOWN:
        assert key not in KNOWN_TEXTS and key not in ALIASES
    else:
        assert KNOWN_TEXTS.get(key, ALIASES.get(key, (None,))[0]) is state


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (State.PENDING_REVIEW, Action.NOTHING),
        (State.RETURNED, Action.FIX_AND_RESUBMIT),
        (State.REJECTED, Action.READ_REJECTION),
        (State.APPROVED, Action.PAY),
        (State.TO_PAY, Action.PAY),
        (State.PAID, Action.NOTHING),
        (State.TICKET_ISSUED, Action.NOTHING),
        (State.DRAFT, Action.FINISH_REGISTRATION),
        (State.NOT_SUBMITTED, Action.FINISH_REGISTRATION),
        (State.NEEDS_LOGIN, Action.LOG_IN_AGAIN),
        (State.UNKNOWN, Action.CHECK_UNKNOWN),
        (State.ERROR, Action.CHECK_ERROR),
    ],
)
def test_action_for_each_state(state: State, action: Action) -> None:
    assert action_for(state) is action


def test_only_nothing_needs_no_attention() -> None:
    assert [a for a in Action if not a.needs_attention] == [Action.NOTHING]


@pytest.mark.parametrize("action", list(Action))
def test_every_action_has_chinese_and_english_wording(action: Action) -> None:
    assert action.label and action.english and " / " in action.advice


def test_fix_and_resubmit_names_the_sites_button() -> None:
    assert "继续提交审核" in Action.FIX_AND_RESUBMIT.advice


@pytest.mark.parametrize("state", list(State))
def test_every_state_has_labels(state: State) -> None:
    assert state.label and state.english
    assert state.seen is (state not in (State.NEEDS_LOGIN, State.ERROR))


def test_submitted_means_exactly_the_texts_register_stopped_at_before() -> None:
    from portal_bot.cohortrun.states import is_submitted

    before = {
        "待审核",
        "驳回修改",
        "审核不通过",
        "审核通过",
        "待缴费",
        "已缴费",
        "已生成准考证",
    }  # SUBMITTED_TEXTS
    assert {t for t in KNOWN_TEXTS if is_submitted(t)} == before
    assert not is_submitted("草稿") and not is_submitted("未提交") and not is_submitted(None)
    assert not is_submitted("驳回")  # an unknown text is not "submitted", as before
