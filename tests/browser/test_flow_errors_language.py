"""What a flow's errors and step descriptions say in Chinese (issue 16), on the fixture pages the
English tests in test_steps.py use: the same runs, with ``--lang zh`` in effect.

The ledger keeps English: a step event's ``description`` (what the ledger's steps table records)
stays the English one while ``said`` (the progress line) follows the language.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from portal_bot.browser import AsyncPage
from portal_bot.errors import FlowError, HumanStepTimeoutError, PortalTimeoutError
from portal_bot.flows.runner import FlowRunner, StepEvent
from portal_bot.flows.steps import Context, load_flow
from portal_bot.i18n import set_language

from .conftest import Aio

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    set_language("zh")  # before the flows load: their descriptions are worded when compiled
    yield
    set_language("en")


def _flow(tmp_path: Path, body: str, name: str = "flow.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def _run(aio: Aio, page: AsyncPage, site: str, path: Path, **kwargs: Any) -> Context:
    async def go() -> Context:
        runner = FlowRunner(page, base_url=site, timeout=kwargs.pop("timeout", 3), **kwargs)
        return await runner.run(load_flow(path), Context())

    return aio.run(go())


def test_a_label_the_page_lacks_and_a_missing_option_in_chinese(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    path = _flow(
        tmp_path,
        "name: a\nsteps:\n  - goto: form_div.html\n  - fill: {field: 学历, value: x, timeout: 0.3}\n",
    )
    with pytest.raises(FlowError) as err:
        _run(aio, apage, site, path)
    assert str(err.value).endswith(f"flow.yaml:4: 学历: {site}form_div.html 上没有带这个标签的字段")
    path = _flow(
        tmp_path, "name: a\nsteps:\n  - goto: form_table.html\n  - select: {field: 性别, option: 博士}\n"
    )
    with pytest.raises(FlowError, match="没有选项“博士”；可选项：.*男"):
        _run(aio, apage, site, path)
    path = _flow(
        tmp_path, "name: a\nsteps:\n  - goto: form_table.html\n  - select: {field: 姓名, option: x}\n"
    )
    with pytest.raises(FlowError, match="带这个标签的控件不是下拉选择框"):
        _run(aio, apage, site, path)


def test_an_ambiguous_label_and_button_in_chinese(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    path = _flow(
        tmp_path, "name: a\nsteps:\n  - goto: ambiguous.html\n  - fill: {field: 手机号码, value: x}\n"
    )
    with pytest.raises(FlowError) as err:
        _run(aio, apage, site, path)
    assert "上有 2 个不同的控件带这个标签" in err.value.message
    assert err.value.hint == "请使用更长的标签文字，或在不得已时使用 css:"
    path = _flow(tmp_path, "name: a\nsteps:\n  - goto: ambiguous.html\n  - click: 下一步\n")
    with pytest.raises(FlowError, match="点击 下一步：有多个元素匹配"):
        _run(aio, apage, site, path)


def test_a_timeout_names_the_step_in_chinese_and_the_ledger_keeps_english(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    path = _flow(
        tmp_path, "name: a\nsteps:\n  - goto: plan.html\n  - expect: {visible: 报名成功, timeout: 0.3}\n"
    )
    events: list[StepEvent] = []
    with pytest.raises(PortalTimeoutError) as err:
        _run(aio, apage, site, path, observer=events.append)
    assert "检查 报名成功：" in str(err.value) and "0.3 秒内没有出现任何内容" in str(err.value)
    failed = next(e for e in events if e.status == "failed")
    assert failed.said == "检查 报名成功"  # the progress line
    assert failed.description == "expect 报名成功"  # the ledger's steps table


def test_human_steps_and_env_in_chinese(aio: Aio, apage: AsyncPage, site: str, tmp_path: Path) -> None:
    sign = """
        name: sign
        steps:
          - goto: sign.html
          - human: {kind: signature, until: {visible: 签名成功}, timeout: 0.5}
        """
    with pytest.raises(FlowError, match="本人签名 需要本人操作，但没有设置人工处理方式"):
        _run(aio, apage, site, _flow(tmp_path, sign))

    async def never(request: Any) -> None:  # waits less than the step allows: its own timeout says what
        await request.wait_until_done(0.2)

    with pytest.raises(HumanStepTimeoutError, match=r"签名 未在 0.2 秒内完成（等待 签名成功 出现）"):
        _run(aio, apage, site, _flow(tmp_path, sign), human=never)
    needs = _flow(tmp_path, "name: child\nenv:\n  page:\nsteps:\n  - goto: plan.html\n", "child.yaml")
    main = _flow(tmp_path, f"name: main\nsteps:\n  - run_flow: {needs.name}\n")
    with pytest.raises(FlowError, match="流程 child 需要 env page"):
        _run(aio, apage, site, main)
