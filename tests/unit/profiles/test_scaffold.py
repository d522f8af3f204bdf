"""``portal-bot init``'s cohort.yaml: its comments in the chosen language, its data the same in both
(issue 16). No browser: the plan row is given as the search would find it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime

import pytest
import yaml

from portal_bot.i18n import set_language
from portal_bot.portal.plans import PORTAL_TZ, PlanRow
from portal_bot.profiles.scaffold import Category, cohort_yaml

ROW = PlanRow(
    plan_code="2024-S-000911",
    name="2024年碳排放管理员职业技能等级认定",
    organization="浙江省生态与环境修复技术协会",
    occupation="碳排放管理员",
    work_type="碳排放核算员",
    level="中级工",
    start=datetime(2026, 4, 1, 9, 0, tzinfo=PORTAL_TZ),
    end=datetime(2026, 5, 1, 17, 0, tzinfo=PORTAL_TZ),
    exam_date=date(2026, 6, 1),
    url="http://127.0.0.1/pj/plan/911",
)
CATEGORIES: tuple[Category, ...] = ("院校学生", "社会人员")

#: English a Chinese cohort.yaml's comments keep: the keys and values a person types, the command.
KEYS_AND_COMMAND = {
    "portal", "bot", "init", "profiles", "import", "ROSTER", "xlsx", "cohort", "yaml", "out", "THIS_FOLDER",
    "YAML", "App", "employer", "null", "credit_code", "years_in_occupation", "post", "eligibility",
}  # fmt: skip


@pytest.fixture
def in_chinese() -> Iterator[None]:
    set_language("zh")
    yield
    set_language("en")


def _comments(text: str) -> str:
    return "\n".join(line.split("#", 1)[1] for line in text.splitlines() if "#" in line)


@pytest.mark.parametrize("category", CATEGORIES)
def test_the_comments_are_chinese_and_the_data_the_same(category: Category, in_chinese: None) -> None:
    zh = cohort_yaml(ROW, category)
    set_language("en")
    en = cohort_yaml(ROW, category)
    assert yaml.safe_load(zh) == yaml.safe_load(en)  # only the comments change
    assert zh != en
    assert "下一步：" in zh and "\n#   portal-bot profiles import ROSTER.xlsx" in zh
    assert "扫码登录" in zh
    english = set(re.findall(r"[A-Za-z_][A-Za-z_]+", _comments(zh))) - KEYS_AND_COMMAND
    assert not english, sorted(english)


def test_english_keeps_its_words() -> None:
    student = cohort_yaml(ROW, "院校学生")
    assert (
        "# Every candidate gets these unless their own file says otherwise (院校学生, as the guide" in student
    )
    assert "# 是否晋级申报: 否 (direct level-4 candidates)" in student
    assert "# each student logs in by scanning with the 浙里办 app\n" in student
    worker = cohort_yaml(ROW, "社会人员")
    assert "Per candidate, give\n# employer (or null for 无工作单位), credit_code" in worker
    assert (
        "# Written by `portal-bot init`; next: put one YAML file per candidate here, or run\n#   portal-bot"
        in worker
    )
    assert "give the original certificate's details when 是" in worker
