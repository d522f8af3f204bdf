"""Seed plans of the mock portal (``plans.yaml``) and the texts every plan page shows.

Registration windows in the seed are days relative to an anchor day (the day the store was
seeded), so a fresh replica always has open, closed and not-yet-open plans. This module only
reads the packaged seed file; it never writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml

from portal_bot.mock_portal.clock import CST

PLAN_TYPES = ("职业技能等级认定", "专项职业能力考核")
LEVELS = ("初级工", "中级工", "高级工", "技师", "高级技师", "专项能力")

#: 符合申报条件 rows per level: (number, text). 中级工 are the guide's own three.
CONDITIONS: dict[str, tuple[str, ...]] = {
    "初级工": (
        "累计从事本职业或相关职业工作满1年。",
        "本职业或相关职业学徒期满。",
        "取得本专业或相关专业的技工院校或中等及以上职业院校、专科及以上普通高等学校毕业证书（含在读应届毕业生）。",
    ),
    "中级工": (
        "累计从事本职业或相关职业工作满5年。",
        "取得本职业或相关职业五级/初级工职业资格（职业技能等级）证书后，累计从事本职业或相关职业工作满3年。",
        "取得本专业或相关专业的技工院校或中等及以上职业院校、专科及以上普通高等学校毕业证书（含在读应届毕业生）。",
    ),
    "高级工": (
        "累计从事本职业或相关职业工作满10年。",
        "取得本职业或相关职业四级/中级工职业资格（职业技能等级）证书后，累计从事本职业或相关职业工作满4年。",
        "取得本专业或相关专业的技工院校高级工班及以上毕业证书（含在读应届毕业生）。",
    ),
    "技师": (
        "取得本职业或相关职业三级/高级工职业资格（职业技能等级）证书后，累计从事本职业或相关职业工作满5年。",
        "取得本专业或相关专业的技工院校预备技师班、技师班毕业证书，并取得三级/高级工证书。",
        "取得本职业或相关职业三级/高级工证书的高级技工学校、技师学院毕业生，累计从事本职业或相关职业工作满2年。",
    ),
    "专项能力": (
        "具备从事本专项职业能力相应的基本能力。",
        "参加本专项职业能力培训并取得结业证明。",
        "从事本专项职业能力相关工作。",
    ),
}
CONDITIONS["高级技师"] = CONDITIONS["技师"]


@dataclass(frozen=True)
class Plan:
    """One registration plan (技能评价报名计划) with its window fixed against the anchor day."""

    id: int
    plan_no: str
    year: int
    org: str
    name: str
    occupation: str
    work_type: str
    code: str
    level: str
    plan_type: str
    city: str
    district: str
    start: datetime
    end: datetime
    exam: date
    contact: str
    phone: str

    @property
    def occupation_label(self) -> str:
        """``碳排放管理员（碳排放核算员）`` or just the occupation when there is no 工种."""
        return self.occupation if self.work_type == "-" else f"{self.occupation}（{self.work_type}）"

    @property
    def conditions(self) -> tuple[str, ...]:
        return CONDITIONS[self.level]

    def window_state(self, now: datetime) -> str:
        """``open``, ``closed`` or ``not_open``."""
        if now < self.start:
            return "not_open"
        if now > self.end:
            return "closed"
        return "open"

    @property
    def scope(self) -> str:
        return (
            f"本计划面向{self.city}及全省范围内从事{self.occupation_label}相关工作的人员，"
            f"认定等级为{self.level}，认定方式为理论知识考试和操作技能考核。"
        )

    @property
    def instructions(self) -> tuple[str, ...]:
        return (
            "1. 考生须在报名时间内完成网上报名、扫码在线签名和确认提交。",
            "2. 证件照须为近期白底1寸或2寸证件照，JPG或JPEG格式。",
            "3. 其他材料请合并为一个PDF文件上传（身份证正反面、学历证明），后上传的文件会覆盖先上传的文件。",
            f"4. 报名审核通过后请及时缴费，认定考试日期为{self.exam.isoformat()}。生成准考证后费用不予退还。",
            f"5. 咨询电话：{self.phone}（{self.contact}）。",
        )


@cache
def _raw() -> dict[str, Any]:
    text = resources.files("portal_bot.mock_portal").joinpath("plans.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def occupation_tree() -> dict[str, dict[str, str]]:
    """职业名称 → 工种名称 → 职业工种编码, as in the seed file."""
    raw = _raw()["occupations"]
    return {str(k): {str(w): str(c) for w, c in v.items()} for k, v in raw.items()}


def load_plans(anchor: date) -> list[Plan]:
    """Every seed plan, windows resolved against ``anchor`` (the day the store was seeded)."""
    tree = occupation_tree()
    plans = []
    for row in _raw()["plans"]:
        start_day = anchor + timedelta(days=int(row["start"]))
        end_day = anchor + timedelta(days=int(row["end"]))
        plans.append(
            Plan(
                id=int(row["id"]),
                plan_no=str(row["number"]),
                year=int(row["year"]),
                org=str(row["org"]),
                name=str(row["name"]),
                occupation=str(row["occ"]),
                work_type=str(row["work"]),
                code=tree[str(row["occ"])][str(row["work"])],
                level=str(row["level"]),
                plan_type=str(row.get("type", PLAN_TYPES[0])),
                city=str(row["city"]),
                district=str(row["district"]),
                start=datetime.combine(start_day, time(0, 0, 0), CST),
                end=datetime.combine(end_day, time(23, 59, 59), CST),
                exam=anchor + timedelta(days=int(row["exam"])),
                contact=str(row["contact"]),
                phone=str(row["phone"]),
            )
        )
    return plans


def regions(plans: list[Plan]) -> dict[str, list[str]]:
    """市 → 区县 in seed order."""
    out: dict[str, list[str]] = {}
    for plan in plans:
        districts = out.setdefault(plan.city, [])
        if plan.district not in districts:
            districts.append(plan.district)
    return out
