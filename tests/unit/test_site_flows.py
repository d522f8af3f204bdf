"""The shipped flows and the preview comparison without a browser: lint, where the flows are, and
what expected_preview/compare_preview make of the sample cohort's candidates."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from portal_bot.cli import app
from portal_bot.errors import ConfigError, FlowError
from portal_bot.portal import flows as shipped
from portal_bot.portal.preview import MISSING, compare_preview, expected_preview, normalize_label
from portal_bot.profiles.models import Candidate
from portal_bot.profiles.validate import validate_cohort

REPO = Path(__file__).resolve().parents[2]
FIELD_MAP = REPO / "flows" / "fields" / "registration.yaml"
PLAN = {"plan_code": "2024-S-000911"}


def _candidates() -> dict[str, Candidate]:
    results = validate_cohort(REPO / "profiles" / "sample-cohort")
    return {r.candidate.name: r.candidate for r in results if r.candidate is not None}


def test_flows_check_passes_on_the_shipped_flows_and_field_map() -> None:
    result = CliRunner().invoke(app, ["flows", "check", str(REPO / "flows"), str(FIELD_MAP)])
    assert result.exit_code == 0, result.output
    assert "6 flows OK" in result.output


def test_shipped_flows_dir_is_the_checkout_folder_or_the_installed_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert shipped.shipped_flows_dir() == REPO / "flows"
    package = tmp_path / "site-packages" / "portal_bot"
    (package / "shipped_flows").mkdir(parents=True)
    monkeypatch.setattr(shipped, "_PACKAGE", package)
    with pytest.raises(ConfigError, match="shipped flows are missing"):
        shipped.shipped_flows_dir()
    (package / "shipped_flows" / "login.yaml").write_text("name: login\nsteps: []\n", encoding="utf-8")
    assert shipped.shipped_flows_dir() == package / "shipped_flows"


def test_expected_preview_in_the_sites_display_form() -> None:
    people = _candidates()
    employed = expected_preview(people["赵静"], PLAN, FIELD_MAP)
    assert employed["所在单位"] == "杭州示例环境科技有限公司"
    assert employed["统一社会信用代码"] == "91330106MA2H3K5L7J"
    assert employed["本职业工作年限"] == "6 年"
    assert employed["是否人力资源派遣员工"] == "否"
    assert employed["是否晋级申报"] == "否"
    assert employed["符合申报条件"] == "(1)"
    assert employed["申报科目"] == "理论考试、实操考试"
    assert employed["出生日期"] == "1990-06-07" and employed["性别"] == "女"
    assert employed["专业技术职称证书"] == "无"
    assert "其他材料PDF扫描件" not in employed and "原证书编号" not in employed

    student = expected_preview(people["王小明"], PLAN, FIELD_MAP)
    assert student["所在单位"] == "无工作单位" and "统一社会信用代码" not in student
    assert student["考生类别"] == "院校学生" and student["本职业工作年限"] == "0 年"

    promoted = expected_preview(people["孙浩然"], PLAN, FIELD_MAP)
    assert promoted["是否晋级申报"] == "是"
    assert promoted["原证书等级"] == "五级/初级工"
    assert promoted["原证书取得时间"] == "2020-06-30"
    assert promoted["原职业(工种)"] == "碳排放管理员(碳排放核算员)"  # full-width brackets normalised


def test_compare_preview_normalises_and_reports_each_difference() -> None:
    expected = {
        "通讯地址": "杭州市 西湖区",
        "符合申报条件": "(1)(3)",
        "手机号码": "13800000000",
        "姓名": "张三",
    }
    shown = {
        "通讯地址：": "杭州市西湖区",  # label colon, whitespace
        "符合申报条件": "(1) 累计从事本职业工作满4年；(3) 取得技工学校毕业证书",
        "姓名": "李四",
        "考生类别": "社会人员",  # only on the page: not a difference
    }
    assert compare_preview(expected, shown) == [
        ("手机号码", "13800000000", MISSING),
        ("姓名", "张三", "李四"),
    ]
    assert compare_preview({"符合申报条件": "(1)(3)"}, {"符合申报条件": "(1) 累计…"}) == [
        ("符合申报条件", "(1)(3)", "(1) 累计…")
    ]
    assert normalize_label(" * 姓名： ") == "姓名"


def test_a_broken_field_map_is_a_flow_error_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "fields.yaml"
    bad.write_text("fields:\n  - {label: 姓名, vaule: x}\n", encoding="utf-8")
    with pytest.raises(FlowError) as caught:
        expected_preview(_candidates()["赵静"], PLAN, bad)
    assert caught.value.line == 2


def test_compare_preview_reads_the_guides_preview_wording() -> None:
    """The guide's preview says 省内技工学校在籍生 (no 是否) and words condition (1) 5年(含)以上."""
    expected = {"是否省内技工学校在籍生": "否", "符合申报条件": "(1)", "是否晋级申报": "否"}
    shown = {
        "省内技工学校在籍生": "否",
        "符合申报条件": "(1) 累计从事本职业或相关职业工作5年(含)以上。",
        "是否晋级申报": "否",
    }
    assert compare_preview(expected, shown) == []
    assert compare_preview(expected, {**shown, "省内技工学校在籍生": "是"}) == [
        ("是否省内技工学校在籍生", "否", "是")
    ]
    assert compare_preview(expected, {**shown, "符合申报条件": "(3) 取得…"}) == [
        ("符合申报条件", "(1)", "(3) 取得…")
    ]
