"""The status vocabulary in both languages: a state the site shows is the site's own word in both
(not a translation, not in the catalog); portal-bot's own labels are catalog messages, whose Chinese
is also the label the notifications and ``--json`` use, so nothing is called two names."""

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from portal_bot.cohortrun.states import KNOWN_TEXTS, Action, State
from portal_bot.i18n import in_language, set_language
from portal_bot.status.changes import Observation, diff

Obs = Callable[..., Observation]

SITE_WORDS = {"待审核", "驳回修改", "审核不通过", "审核通过", "待缴费", "已缴费", "已生成准考证"}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_sites_state_words_are_its_own_in_both_languages(language: str) -> None:
    set_language("zh" if language == "zh" else "en")
    on_site = [s for s in State if s.on_site]
    assert {s.label for s in on_site} == SITE_WORDS
    for state in on_site:
        assert KNOWN_TEXTS[state.label] is state
        assert state.shown == (state.label if language == "zh" else f"{state.label} ({state.english})")
        assert in_language("zh", state.english) == state.english  # a meaning, not a catalog message


@pytest.mark.parametrize("language", ["zh", "en"])
def test_our_own_labels_are_the_catalogs_chinese_whatever_the_language(language: str) -> None:
    set_language("zh" if language == "zh" else "en")
    assert State.NEEDS_LOGIN.label == "需要重新登录" and State.DRAFT.label == "草稿/未提交"
    assert Action.PAY.label == "缴费" and Action.NOTHING.advice == "等待即可 / nothing to do for now"
    set_language("zh")
    for state in State:
        if not state.on_site:
            assert state.shown == state.label, state
    for action in Action:
        assert action.shown == action.label, action
        assert action.advice.startswith(f"{action.shown_advice} / "), action


def test_english_keeps_the_sites_own_words_and_translates_the_rest() -> None:
    assert State.RETURNED.shown == "驳回修改 (returned for changes)"
    assert State.NEEDS_LOGIN.shown == "needs login"  # portal-bot's own word, not the site's
    assert Action.PAY.shown == "pay" and "审核" not in Action.PAY.shown_advice


@pytest.mark.parametrize("language", ["zh", "en"])
def test_describe_is_chinese_for_the_notifications_in_both_languages(
    obs: Obs, t0: datetime, language: str
) -> None:
    set_language("zh" if language == "zh" else "en")
    before = {"a": obs("a", State.PENDING_REVIEW, name="张三"), "gone": obs("gone", State.PAID, name="李四")}
    after = {
        "a": obs("a", State.RETURNED, name="张三", at=t0 + timedelta(days=1), reason="照片不合格"),
        "new": obs("new", State.NEEDS_LOGIN, name="王五", note="the saved login expired"),
    }
    texts = sorted(c.describe() for c in diff(before, after))
    assert texts == [
        "张三: 待审核 → 驳回修改（原因: 照片不合格）",
        "李四: 不再出现在报名列表中（上次: 已缴费）",
        "王五: 首次记录，需要重新登录（保存的登录已过期）",
    ]
    shown = sorted(c.describe(shown=True) for c in diff(before, after))
    if language == "zh":
        assert shown == texts
    else:
        assert "王五: first seen, needs login (the saved login expired)" in shown
        assert "李四: no longer in the list of applications (last: 已缴费 (fee paid))" in shown


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("zh", "重新登录失败：no password here"), ("en", "logging in again failed: no password here")],
)
def test_a_failed_relogin_says_so_in_the_runs_language(
    lang: str, expected: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from portal_bot.cohortrun import accounts
    from portal_bot.errors import ConfigError
    from portal_bot.portal._sync import run_sync
    from portal_bot.status.run import Person, _Reader

    def no_password(*_args: object, **_kw: object) -> str:
        raise ConfigError("no password here")

    monkeypatch.setattr(accounts, "password_for", no_password)
    reader = _Reader(None, None, None, "http://127.0.0.1:1", "2024-S-000911", None, relay=object())  # type: ignore[arg-type]
    person = Person("001", "张三", "330102200001011234", 1, candidate=object())  # type: ignore[arg-type]
    set_language(lang)  # type: ignore[arg-type]
    try:
        # run_sync, not asyncio.run: a browser test earlier in the session leaves a running loop
        seen = run_sync(lambda: reader._log_in_and_read(person, tmp_path / "session.json"))
    finally:
        set_language("en")
    assert seen.state is State.NEEDS_LOGIN
    assert seen.note == expected
