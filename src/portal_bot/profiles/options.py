"""The site's option lists and fixed texts, in one place.

Every choice a profile can make (性别, 身份证件类型, 文化程度, 考生类别, 申报方式, 申报科目, 原证书类型, 等级)
is the portal's own Chinese option text, listed here and nowhere else: the models, the roster import,
the flows and the mock portal all read these tuples. This module holds data only; it must never
import anything from the rest of portal-bot.
"""

from __future__ import annotations

SEX: tuple[str, ...] = ("男", "女")

#: 身份证件类型. The first two carry a GB 11643 number (birth date, sex and check digit inside).
ID_TYPES: tuple[str, ...] = (
    "身份证",
    "港澳台居民居住证",
    "外国人永久居留身份证",
    "护照",
    "港澳居民来往内地通行证",
    "台湾居民来往大陆通行证",
)
ID_TYPE_RESIDENT = "身份证"
ID_TYPE_HMT_PERMIT = "港澳台居民居住证"
GB11643_ID_TYPES: frozenset[str] = frozenset({ID_TYPE_RESIDENT, ID_TYPE_HMT_PERMIT})

#: 文化程度
EDUCATION: tuple[str, ...] = ("小学", "初中", "高中", "中专", "职高", "技校", "大专", "大学", "研究生")

#: What people write for a 文化程度 → the site's option text.
EDUCATION_ALIASES: dict[str, str] = {
    "本科": "大学",
    "大学本科": "大学",
    "专科": "大专",
    "大学专科": "大专",
    "高职": "大专",
    "硕士": "研究生",
    "博士": "研究生",
    "硕士研究生": "研究生",
    "博士研究生": "研究生",
    "中技": "技校",
    "高中及以下": "高中",
    "初中及以下": "初中",
}

#: 考生类别
CATEGORIES: tuple[str, ...] = ("社会人员", "院校学生", "企业职工", "退役军人")
CATEGORY_STUDENT = "院校学生"
CATEGORY_ALIASES: dict[str, str] = {
    "学生": "院校学生",
    "在校生": "院校学生",
    "在校学生": "院校学生",
    "社会考生": "社会人员",
}
CATEGORY_PUBLIC = "社会人员"

#: 申报方式
APPLICATION_METHODS: tuple[str, ...] = ("常规申报", "破格申报")
DEFAULT_APPLICATION_METHOD = "常规申报"

#: 申报科目
SUBJECTS: tuple[str, ...] = ("理论考试", "实操考试")

#: 原证书类型
CERTIFICATE_TYPES: tuple[str, ...] = ("职业资格证书", "技能等级认定证书")

#: 等级: canonical text (as the site shows it in 报考职业等级) → the other ways people write it.
LEVELS: dict[str, tuple[str, ...]] = {
    "初级工": ("五级", "五级/初级工", "初级", "5", "5级"),
    "中级工": ("四级", "四级/中级工", "中级", "4", "4级"),
    "高级工": ("三级", "三级/高级工", "高级", "3", "3级"),
    "技师": ("二级", "二级/技师", "2", "2级"),
    "高级技师": ("一级", "一级/高级技师", "1", "1级"),
}
#: 等级 number (五级 = 5 … 一级 = 1) of each canonical level.
LEVEL_NUMBER: dict[str, int] = {"初级工": 5, "中级工": 4, "高级工": 3, "技师": 2, "高级技师": 1}
LEVEL_5 = "初级工"

#: 符合申报条件 for a level-4 (中级工) plan, as the guide prints them.
ELIGIBILITY_CONDITIONS: dict[int, str] = {
    1: "累计从事本职业或相关职业工作满5年。",
    2: "取得本职业或相关职业五级/初级工职业资格（职业技能等级）证书后，累计从事本职业或相关职业工作满3年。",
    3: (
        "取得本专业或相关专业的技工院校或中等及以上职业院校、专科及以上普通高等学校毕业证书"
        "（含在读应届毕业生）。"
    ),
}
ELIGIBILITY_YEARS: dict[int, int] = {1: 5, 2: 3}

#: The 所在单位 texts that mean "no employer".
NO_EMPLOYER_TEXTS: frozenset[str] = frozenset({"无工作单位", "无", "-", "—", "无单位"})
NO_POST = "无"

YES_TEXTS: frozenset[str] = frozenset({"是", "y", "yes", "true", "1", "有"})
NO_TEXTS: frozenset[str] = frozenset({"否", "n", "no", "false", "0", "无"})


def canonical_level(text: str) -> str | None:
    """The canonical 等级 text for any accepted spelling (``五级`` → ``初级工``), or None."""
    cleaned = text.strip().replace(" ", "")
    for canonical, aliases in LEVELS.items():
        if cleaned == canonical or cleaned in aliases:
            return canonical
    return None
