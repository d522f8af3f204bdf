"""Reading the site by what a person sees, with no class, id or name to lean on: the preview's
label → value pairs (portal.preview) and the row a validation message sits in (locate.js)."""

from __future__ import annotations

import pytest

from portal_bot.browser import AsyncPage
from portal_bot.flows import locate
from portal_bot.portal.preview import read_preview

from .conftest import Aio

pytestmark = pytest.mark.browser

# No class or id anywhere: header cells, plain label cells, a two-pair row, div rows with a colon,
# and a data table (column headers, then records) whose cells are not label → value pairs.
PREVIEW = """
<table>
  <tr><th>姓名</th><td>赵静</td></tr>
  <tr><td>* 手机号码</td><td>13605710001</td></tr>
  <tr><td>性别</td><td>女</td><td>文化程度</td><td>大学</td></tr>
  <tr><td>通讯地址</td><td><input value="not a label"></td></tr>
</table>
<div><div>申报方式：</div><div>常规申报</div></div>
<table>
  <tr><th>报名计划</th><th>报名状态</th><th>操作</th></tr>
  <tr><td>某计划</td><td>待审核</td><td>查看</td></tr>
</table>
"""


def test_the_preview_is_read_by_its_cells_not_its_classes(aio: Aio, apage: AsyncPage) -> None:
    aio.run(apage.set_content(PREVIEW))
    shown = aio.run(read_preview(apage))
    assert shown == {
        "姓名": "赵静",
        "手机号码": "13605710001",
        "性别": "女",
        "文化程度": "大学",
        "通讯地址": "",
        "申报方式": "常规申报",
    }


ERRORS = """
<div role="alert"><ul><li>手机号码格式不正确</li><li>请填写通讯地址</li></ul></div>
<table>
  <tr><td>* 手机号码</td><td><input value="1360571000"><span role="alert">手机号码格式不正确</span></td></tr>
</table>
<div><div><i>*</i>通讯地址：</div><div><input value=""> <span role="alert">请填写通讯地址</span></div></div>
<span role="alert" hidden>not shown</span>
"""


def test_messages_are_split_per_line_and_named_by_their_row(aio: Aio, apage: AsyncPage) -> None:
    aio.run(apage.set_content(ERRORS))
    found = aio.run(locate.PAGE_ERRORS(apage, ["[role=alert]", []]))
    assert [(e["text"], e["field"]) for e in found["errors"]] == [
        ("手机号码格式不正确", None),  # the summary names no row
        ("请填写通讯地址", None),
        ("手机号码格式不正确", "手机号码"),
        ("请填写通讯地址", "通讯地址"),
    ]
