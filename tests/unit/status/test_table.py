from collections.abc import Callable
from datetime import datetime, timedelta

from rich.console import Console

from portal_bot.cohortrun.states import State
from portal_bot.i18n import set_language
from portal_bot.status.changes import Observation, diff
from portal_bot.status.table import changes_view, status_table

Obs = Callable[..., Observation]


def _render(renderable: object) -> str:
    console = Console(width=160, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_table_groups_by_action_most_urgent_first_and_masks(obs: Obs) -> None:
    set_language("zh")  # one language now (issue 16): the Chinese headings are checked in Chinese
    current = [
        obs("a", State.PAID, name="王五"),
        obs("b", State.RETURNED, name="[bold]张三[/bold]", reason="手机13812345678停机"),
        obs("c", State.NEEDS_LOGIN, name="李四", note="session expired"),
        obs("d", State.UNKNOWN, name="赵六", text="审核中（复审）"),
    ]
    out = _render(status_table(current))
    order = [out.index(s) for s in ("修改后重新提交", "重新登录", "人工核对状态", "无需操作")]
    assert order == sorted(order)
    assert "[bold]张三[/bold]" in out  # markup in a name is shown, not obeyed
    assert "138****5678" in out and "13812345678" not in out
    assert "未知状态 (审核中（复审）)" in out and "session expired" in out
    assert "保存的登录已过期" not in out and "fix and resubmit" not in out


def test_table_in_english_keeps_the_sites_words(obs: Obs) -> None:
    current = [obs("b", State.RETURNED, name="张三"), obs("c", State.NEEDS_LOGIN, name="李四")]
    out = _render(status_table(current))
    assert "fix and resubmit (1)" in out and "驳回修改 (returned for changes)" in out
    assert "needs login" in out and "需要重新登录" not in out and "修改后重新提交" not in out


def test_changes_view(obs: Obs, t0: datetime) -> None:
    before = {"a": obs("a", State.PENDING_REVIEW, name="张三")}
    after = {"a": obs("a", State.TO_PAY, name="张三", at=t0 + timedelta(days=1))}
    changes = diff(before, after)
    assert "张三: 待审核 (pending review) → 待缴费 (fee to pay)" in _render(changes_view(changes))
    assert "1 change since the last run" in _render(changes_view(changes))
    assert "no changes" in _render(changes_view([]))
    assert changes[0].describe() == "张三: 待审核 → 待缴费"  # notifications and --json: Chinese
    set_language("zh")
    assert "张三: 待审核 → 待缴费" in _render(changes_view(changes))
    assert "与上次运行相比有 1 项变化" in _render(changes_view(changes))
