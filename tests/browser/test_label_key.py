"""The label rule is written twice, in Python (flows/labels.py) and in the page (locate.js): the two
must give the same key for every label, or the locator and the preview check disagree about a field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from portal_bot.browser import AsyncPage
from portal_bot.flows import locate
from portal_bot.flows.labels import label_key
from portal_bot.flows.runner import FlowRunner
from portal_bot.flows.steps import Context, load_flow

from .conftest import Aio

pytestmark = pytest.mark.browser

TRICKY = [
    ("姓名", "姓名"),
    (" * 姓名： ", "姓名"),
    ("＊姓名:", "姓名"),
    ("*姓名*：", "姓名"),
    ("姓\u3000名", "姓名"),  # ideographic space, as the site pads two-character labels
    ("姓\u00a0名", "姓名"),  # NBSP from &nbsp;
    ("\ufeff姓名", "姓名"),  # a BOM pasted with the label
    ("\x1c姓名\x85", "姓名"),  # separators Python calls whitespace and JavaScript does not
    ("姓名\t\r\n", "姓名"),
    ("姓\u2003名\u202f", "姓名"),  # em space, narrow NBSP
    ("联系电话（手机）", "联系电话(手机)"),  # 全角 brackets fold to ASCII ones
    ("联系电话(手机)", "联系电话(手机)"),
    ("【必填】证件号码", "【必填】证件号码"),  # lenticular brackets have no ASCII form: kept
    ("ＡＢＣ１２３", "ABC123"),
    ("（1）", "(1)"),
    ("①", "1"),
    ("ﾃｽﾄ", "テスト"),  # half-width katakana → full-width
    ("e\u0301cole", "école"),  # decomposed accent composes
    ("\u200b姓名", "\u200b姓名"),  # zero-width space is not whitespace to either side: kept
    ("", ""),
    ("：：**", ""),
]


def test_python_and_javascript_label_keys_agree(aio: Aio, apage: AsyncPage) -> None:
    labels = [raw for raw, _ in TRICKY]
    in_page = aio.run(apage.evaluate(locate.page_function("((ls) => ls.map(labelKey))"), labels))
    in_python = [label_key(raw) for raw in labels]
    assert in_page == in_python
    assert in_python == [key for _, key in TRICKY]


def test_the_locator_finds_a_label_written_with_full_width_forms(
    aio: Aio, apage: AsyncPage, tmp_path: Path
) -> None:
    html = """
        <table>
          <tr><td class="tit">＊ 联系电话（手机）：</td><td><input id="phone"></td></tr>
          <tr><td class="tit">姓\u3000名</td><td><input id="name"></td></tr>
        </table>"""
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        textwrap.dedent("""\
            name: fill
            steps:
              - fill: {field: 联系电话(手机), value: "13800000000"}
              - fill: {field: 姓名, value: 张三}
            """),
        encoding="utf-8",
    )

    async def go() -> tuple[str, str]:
        await apage.set_content(html)
        runner = FlowRunner(apage, timeout=3)
        await runner.run(load_flow(flow), Context())
        return await apage.input_value("#phone"), await apage.input_value("#name")

    assert aio.run(go()) == ("13800000000", "张三")
