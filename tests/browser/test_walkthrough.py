"""Whole flows against the fixture pages: both layouts, every kind of control, read back on the preview."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from portal_bot.browser import AsyncPage
from portal_bot.flows.runner import FlowRunner, StepEvent
from portal_bot.flows.steps import Context, load_flow

from .conftest import Aio

pytestmark = pytest.mark.browser

FLOWS = Path(__file__).resolve().parents[2] / "fixtures" / "flows" / "ok"
BUNDLE = Path(__file__).resolve().parents[2] / "fixtures" / "files" / "bundle.pdf"


def candidate(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "张三",
        "sex": "男",
        "id_type": "居民身份证",
        "id_number": "330102200001011234",
        "birth_date": "2000-01-01",
        "education": "大学",
        "category": "院校学生",
        "address": "杭州市西湖区文三路 1 号",
        "phone": "13800000000",
        "dispatched": False,
        "promotion": None,
        "subjects": ["理论考试", "实操考试"],
        "eligibility": [1, 3],
        "employer": None,
        "credit_code": None,
    }
    data.update(changes)
    return data


async def _run(
    page: AsyncPage, site: str, flow: str, ctx: Context, events: list[StepEvent]
) -> dict[str, str]:
    runner = FlowRunner(page, base_url=site, observer=events.append, timeout=5)
    await runner.run(load_flow(FLOWS / flow), ctx)
    values: dict[str, str] = json.loads(await page.evaluate("sessionStorage.getItem('values')"))
    return values


def test_table_layout_one_step_per_field(aio: Aio, apage: AsyncPage, site: str) -> None:
    events: list[StepEvent] = []
    ctx = Context(candidate=candidate(), prepared={"materials": str(BUNDLE)})
    values = aio.run(_run(apage, site, "register_table.yaml", ctx, events))
    assert ctx.vars["plan_code"] == "2024-S-000911"
    assert values == {
        "报考职业名称": "碳排放管理员",
        "姓名": "张三",
        "性别": "男",
        "身份证件类型": "居民身份证",
        "身份证件号码": "330102200001011234",
        "出生日期": "2000-01-01",
        "文化程度": "大学",
        "考生类别": "院校学生",
        "通讯地址": "杭州市西湖区文三路 1 号",
        "手机号码": "13800000000",
        "是否人力资源派遣员工": "否",
        "是否晋级申报": "否",
        "申报科目": "理论考试；实操考试",
        "符合申报条件": "(1)累计从事本职业或相关职业工作满4年。；(3)取得技工学校本专业或相关专业毕业证书。",
        "其他材料PDF扫描件": "bundle.pdf",
        "承诺": "我已阅读并同意",
    }
    statuses = {(e.index, e.status) for e in events}
    assert ("17", "finished") in statuses and ("17", "skipped") not in statuses  # 否 chosen
    assert ("16", "skipped") in statuses  # the 是 branch
    assert all(e.elapsed >= 0 for e in events)
    assert [e.status for e in events].count("failed") == 0


def test_table_layout_promotion_branch_reveals_fields(aio: Aio, apage: AsyncPage, site: str) -> None:
    promotion = {"number": "S000012345", "type": "技能等级认定证书"}
    ctx = Context(
        candidate=candidate(promotion=promotion, dispatched=True), prepared={"materials": str(BUNDLE)}
    )
    values = aio.run(_run(apage, site, "register_table.yaml", ctx, []))
    assert values["是否晋级申报"] == "是"
    assert values["原证书编号"] == "S000012345"
    assert values["原证书类型"] == "技能等级认定证书"
    assert values["是否人力资源派遣员工"] == "是"


@pytest.mark.parametrize(
    ("changes", "employer_shown"),
    [({}, "无工作单位"), ({"employer": "杭州某某科技有限公司", "credit_code": "91330100MA2XXXXX0X"}, None)],
)
def test_div_layout_from_a_field_map(
    aio: Aio, apage: AsyncPage, site: str, changes: dict[str, Any], employer_shown: str | None
) -> None:
    ctx = Context(candidate=candidate(category="社会人员", **changes), prepared={"materials": str(BUNDLE)})
    values = aio.run(_run(apage, site, "register_div.yaml", ctx, []))
    assert values["姓名"] == "张三"
    assert values["性别"] == "男"
    assert values["文化程度"] == "大学"
    assert values["考生类别"] == "社会人员"
    assert values["出生日期"] == "2000-01-01"
    assert values["申报科目"] == "理论考试；实操考试"
    assert values["其他材料PDF扫描件"] == "bundle.pdf"
    assert values["所在单位"] == (employer_shown or "杭州某某科技有限公司")
    # 所在单位统一社会信用代码 is a different label from 所在单位: no confusion between them
    assert values["统一社会信用代码"] == ("" if employer_shown else "91330100MA2XXXXX0X")
