"""Step 2 of the wizard (填写报名信息): the fields, their generic ``columnN`` names, and validation.

Field names say nothing (``column17``) and their numbering differs per plan and per ``--variant``,
like the real site's; flows must find fields by their visible labels. Validation returns the
site's Chinese messages per field. This module never touches the database or the request.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from portal_bot.mock_portal import rules
from portal_bot.mock_portal.db import Account
from portal_bot.mock_portal.seed import Plan

Options = tuple[tuple[str, str], ...]

YES_NO: Options = (("1", "是"), ("0", "否"))
SUBJECTS: Options = (("1", "理论考试"), ("2", "实操考试"))
CATEGORIES: Options = (("1", "社会人员"), ("2", "院校学生"), ("3", "企业职工"), ("4", "退役军人"))
SEXES: Options = (("1", "男"), ("2", "女"))
ID_TYPES: Options = (
    ("1", "身份证"),
    ("2", "港澳居民来往内地通行证"),
    ("3", "台湾居民来往大陆通行证"),
    ("4", "护照"),
)
EDUCATION: Options = (
    ("71", "初中及以下"),
    ("61", "高中"),
    ("41", "中专"),
    ("44", "技工学校"),
    ("31", "大专"),
    ("21", "大学"),
    ("14", "硕士研究生"),
    ("11", "博士研究生"),
)
CERT_TYPES: Options = (("1", "职业资格证书"), ("2", "技能等级认定证书"))
CERT_LEVELS: Options = (
    ("5", "五级/初级工"),
    ("4", "四级/中级工"),
    ("3", "三级/高级工"),
    ("2", "二级/技师"),
    ("1", "一级/高级技师"),
)
TITLES: Options = (
    ("0", "无"),
    ("1", "初级职称"),
    ("2", "中级职称"),
    ("3", "副高级职称"),
    ("4", "正高级职称"),
)
METHODS: Options = (("1", "常规申报"), ("2", "破格申报"))


@dataclass(frozen=True)
class Field:
    """One labelled row of the form. ``kind`` picks the control the template draws."""

    key: str
    label: str
    kind: str  # fixed | text | select | xselect | radio | checks | conditions | file | employer | years
    section: str
    options: Options = ()
    required: bool = True
    readonly: bool = False


FIELDS: tuple[Field, ...] = (
    Field("occupation", "报考职业名称", "fixed", "apply", readonly=True),
    Field("work_type", "报考工种名称", "fixed", "apply", readonly=True),
    Field("occupation_code", "报考职业工种编码", "fixed", "apply", readonly=True),
    Field("level", "报考职业等级", "fixed", "apply", readonly=True),
    Field("subjects", "申报科目", "checks", "apply", SUBJECTS),
    Field("category", "考生类别", "xselect", "person", CATEGORIES),
    Field("name", "姓名", "text", "person", readonly=True),
    Field("sex", "性别", "select", "person", SEXES, readonly=True),
    Field("id_type", "身份证件类型", "select", "person", ID_TYPES, readonly=True),
    Field("id_number", "身份证件号码", "text", "person", readonly=True),
    Field("birth_date", "出生日期", "text", "person", readonly=True),
    Field("education", "文化程度", "xselect", "person", EDUCATION),
    Field("address", "通讯地址", "text", "person"),
    Field("phone", "手机号码", "text", "person"),
    Field("employer", "所在单位", "employer", "work"),
    Field("credit_code", "统一社会信用代码", "text", "work"),
    Field("years_in_occupation", "本职业工作年限", "years", "work"),
    Field("post", "从事岗位", "text", "work"),
    Field("dispatched", "是否人力资源派遣员工", "radio", "work", YES_NO),
    Field("technical_school_student", "是否省内技工学校在籍生", "radio", "work", YES_NO),
    Field("promotion", "是否晋级申报", "radio", "work", YES_NO),
    Field("orig_cert_type", "原证书类型", "radio", "promotion", CERT_TYPES),
    Field("orig_occupation", "原职业(工种)", "text", "promotion"),
    Field("orig_cert_number", "原证书编号", "text", "promotion"),
    Field("orig_level", "原证书等级", "xselect", "promotion", CERT_LEVELS),
    Field("orig_date", "原证书取得时间", "text", "promotion"),
    Field("orig_issuer", "原证书发证机构", "text", "promotion"),
    Field("orig_evidence", "原证书佐证材料", "file", "promotion"),
    Field("title_certificate", "专业技术职称证书", "select", "other", TITLES),
    Field("application_method", "申报方式", "select", "other", METHODS),
    Field("eligibility", "符合申报条件", "conditions", "other"),
    Field("materials", "其他材料PDF扫描件", "file", "other", required=False),
)
FIELD = {f.key: f for f in FIELDS}
SECTIONS = ("apply", "person", "work", "promotion", "other")
#: Every posted name: the fields, the 无工作单位 checkbox and the photo of step 1.
NAMES = (*(f.key for f in FIELDS), "no_employer", "photo")
#: Uploads of step 2 and their file kinds in the store.
FILE_KINDS = {"orig_evidence": "evidence_pdf", "materials": "materials_pdf"}


def columns(plan: Plan, variant: int) -> dict[str, str]:
    """key → ``columnN``: a different, stable numbering per plan and variant."""
    rng = random.Random(f"{plan.plan_no}/{variant}")
    numbers = rng.sample(range(3, 3 + 3 * len(NAMES)), len(NAMES))
    return {key: f"column{n}" for key, n in zip(NAMES, numbers, strict=True)}


def layout(section: str, variant: int, plan: Plan) -> str:
    """``table`` or ``div`` for a section; both are always in use on one page, and which section
    gets which differs between plans and flips with every variant."""
    flip = random.Random(plan.plan_no).randrange(2)
    return "table" if (SECTIONS.index(section) + variant + flip) % 2 == 0 else "div"


def text_of(options: Options, value: str) -> str:
    return dict(options).get(value, "")


def value_of(options: Options, text: str) -> str:
    return {t: v for v, t in options}.get(text, "")


def fixed_values(plan: Plan, account: Account) -> dict[str, Any]:
    """The values the candidate cannot change: from the plan and the account's real-name data."""
    # The guide's step 2 for 碳排放管理员（碳排放核算员）shows 报考职业名称 = 碳排放核算员 and
    # 报考工种名称 = "-": the 工种 (when the plan has one) is shown as the occupation.
    has_work_type = plan.work_type != "-"
    return {
        "occupation": plan.work_type if has_work_type else plan.occupation,
        "work_type": "-",
        "occupation_code": plan.code,
        "level": plan.level,
        "name": account.name,
        "sex": account.sex,
        "id_type": account.id_type,
        "id_number": account.id_number,
        "birth_date": account.birth_date,
    }


def raw_from_data(data: dict[str, Any], account: Account) -> dict[str, Any]:
    """Saved values → the form's raw option values, to draw the form again."""
    raw: dict[str, Any] = {"address": account.address, "phone": account.phone}
    if not data:
        return raw
    promo = data.get("promotion")
    raw.update(
        subjects=[value_of(SUBJECTS, s) for s in data.get("subjects", [])],
        category=value_of(CATEGORIES, data.get("category", "")),
        education=value_of(EDUCATION, data.get("education", "")),
        address=data.get("address", ""),
        phone=data.get("phone", ""),
        no_employer=data.get("employer") is None,
        employer=data.get("employer") or "",
        credit_code=data.get("credit_code") or "",
        years_in_occupation=str(data.get("years_in_occupation", "")),
        post=data.get("post", ""),
        dispatched="1" if data.get("dispatched") else "0",
        technical_school_student="1" if data.get("technical_school_student") else "0",
        promotion="1" if promo else "0",
        title_certificate=value_of(TITLES, data.get("title_certificate", "")),
        application_method=value_of(METHODS, data.get("application_method", "")),
        eligibility=[str(n) for n in data.get("eligibility", [])],
    )
    if promo:
        raw.update(
            orig_cert_type=value_of(CERT_TYPES, promo["cert_type"]),
            orig_occupation=promo["occupation"],
            orig_cert_number=promo["cert_number"],
            orig_level=value_of(CERT_LEVELS, promo["level"]),
            orig_date=promo["date"],
            orig_issuer=promo["issuer"],
        )
    return raw


def validate(
    raw: dict[str, Any],
    *,
    plan: Plan,
    account: Account,
    uploaded: set[str],
    today: date,
    on_record: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check a posted step-2 form. Returns (values to save, errors by field key).

    ``on_record``: numbers of the account's certificates the site holds (系统提取的证书); the guide
    asks for 原证书佐证材料 only for certificates not among them.
    """
    errors: dict[str, str] = {}
    data: dict[str, Any] = fixed_values(plan, account)

    def text(key: str) -> str:
        value = raw.get(key, "")
        return value.strip() if isinstance(value, str) else ""

    def pick(key: str, options: Options, message: str) -> str:
        label = text_of(options, text(key))
        if not label:
            errors[key] = message
        return label

    subjects = [text_of(SUBJECTS, v) for v in raw.get("subjects", []) if text_of(SUBJECTS, v)]
    if not subjects:
        errors["subjects"] = "请选择申报科目"
    data["subjects"] = [t for _, t in SUBJECTS if t in subjects]
    data["category"] = pick("category", CATEGORIES, "请选择考生类别")
    data["education"] = pick("education", EDUCATION, "请选择文化程度")
    data["address"] = text("address")
    if not data["address"]:
        errors["address"] = "请填写通讯地址"
    try:
        data["phone"] = rules.check_phone(text("phone"))
    except rules.RuleError as exc:
        errors["phone"] = str(exc)
        data["phone"] = text("phone")

    no_employer = bool(raw.get("no_employer"))
    data["employer"] = None if no_employer else text("employer")
    data["credit_code"] = None if no_employer else text("credit_code")
    if not no_employer:
        if not data["employer"]:
            errors["employer"] = "请填写所在单位或勾选无工作单位"
        if not data["credit_code"]:
            errors["credit_code"] = "请填写统一社会信用代码"
        else:
            try:
                data["credit_code"] = rules.check_credit_code(data["credit_code"])
            except rules.RuleError as exc:
                errors["credit_code"] = str(exc)
    years = text("years_in_occupation")
    if not years:
        errors["years_in_occupation"] = "请填写本职业工作年限"
    elif not re.fullmatch(r"\d{1,2}", years) or int(years) > 60:
        errors["years_in_occupation"] = "本职业工作年限应为0到60之间的整数"
    data["years_in_occupation"] = int(years) if years.isdigit() else years
    data["post"] = text("post")
    if not data["post"]:
        errors["post"] = "请填写从事岗位"
    data["dispatched"] = pick("dispatched", YES_NO, "请选择是否人力资源派遣员工") == "是"
    data["technical_school_student"] = (
        pick("technical_school_student", YES_NO, "请选择是否省内技工学校在籍生") == "是"
    )
    promotion = pick("promotion", YES_NO, "请选择是否晋级申报")
    data["promotion"] = None
    if promotion == "是":
        data["promotion"] = _promotion(raw, text, pick, errors, uploaded, today, on_record)
    data["title_certificate"] = pick("title_certificate", TITLES, "请选择专业技术职称证书")
    data["application_method"] = pick("application_method", METHODS, "请选择申报方式")
    conditions = sorted({int(v) for v in raw.get("eligibility", []) if v in {"1", "2", "3"}})
    if not conditions:
        errors["eligibility"] = "请选择符合的申报条件"
    data["eligibility"] = conditions
    _condition_rules(data, plan, errors)
    if "materials" not in uploaded:
        errors["materials"] = "请上传其他材料PDF扫描件"

    if data["category"] == "院校学生":
        _student_rules(data, errors)
    return data, errors


def _promotion(
    raw: dict[str, Any],
    text: Any,
    pick: Any,
    errors: dict[str, str],
    uploaded: set[str],
    today: date,
    on_record: frozenset[str],
) -> dict[str, Any]:
    promo = {
        "cert_type": pick("orig_cert_type", CERT_TYPES, "请选择原证书类型"),
        "occupation": text("orig_occupation"),
        "cert_number": text("orig_cert_number"),
        "level": pick("orig_level", CERT_LEVELS, "请选择原证书等级"),
        "date": text("orig_date"),
        "issuer": text("orig_issuer"),
    }
    for key, field, message in (
        ("occupation", "orig_occupation", "请填写原职业(工种)"),
        ("cert_number", "orig_cert_number", "请填写原证书编号"),
        ("date", "orig_date", "请填写原证书取得时间"),
        ("issuer", "orig_issuer", "请填写原证书发证机构"),
    ):
        if not promo[key]:
            errors[field] = message
    if promo["date"]:
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", promo["date"]):
                raise ValueError(promo["date"])
            if date.fromisoformat(promo["date"]) > today:
                errors["orig_date"] = "原证书取得时间不能晚于今天"
        except ValueError:
            errors["orig_date"] = "原证书取得时间格式不正确（yyyy-mm-dd）"
    if "orig_evidence" not in uploaded and promo["cert_number"] not in on_record:
        errors["orig_evidence"] = "请上传原证书佐证材料"
    return promo


_YEARS = re.compile(r"满(\d+)年")


def _condition_rules(data: dict[str, Any], plan: Plan, errors: dict[str, str]) -> None:
    """Each ticked 申报条件 against the other answers: the years it names, and a certificate "取得…证书后"
    needs 是否晋级申报 = 是 with a certificate of the level the condition names. Conditions about a
    school certificate cannot be checked from the form and are accepted."""
    years = data["years_in_occupation"]
    promo = data["promotion"]
    problems: list[str] = []
    for number in data["eligibility"]:
        text = plan.conditions[number - 1]
        needs_cert = text.startswith("取得本职业或相关职业") and "证书后" in text
        if needs_cert and promo is None:
            problems.append(f"申报条件({number})需取得原证书，请选择是否晋级申报为“是”并填写原证书信息")
            continue
        if needs_cert and promo is not None and promo["level"] and promo["level"] not in text:
            problems.append(f"申报条件({number})所需的原证书等级与所填原证书等级（{promo['level']}）不符")
        found = _YEARS.search(text)
        if found and isinstance(years, int) and years < int(found.group(1)):
            problems.append(
                f"申报条件({number})要求累计从事本职业或相关职业工作满{found.group(1)}年，"
                f"所填本职业工作年限为{years}年"
            )
    if problems:
        errors.setdefault("eligibility", "；".join(problems))


def _student_rules(data: dict[str, Any], errors: dict[str, str]) -> None:
    """The guide: students fill 无工作单位, 0 years, 从事岗位 无, not dispatched."""
    if data["employer"] is not None:
        errors.setdefault("employer", "院校学生请勾选无工作单位")
    if data["years_in_occupation"] != 0:
        errors.setdefault("years_in_occupation", "院校学生本职业工作年限应填0")
    if data["post"] != "无":
        errors.setdefault("post", "院校学生从事岗位应填无")
    if data["dispatched"]:
        errors.setdefault("dispatched", "院校学生应选择非人力资源派遣员工")


def preview_rows(data: dict[str, Any], plan: Plan) -> list[tuple[str, str]]:
    """(label, shown value) for step 4 and the application page, in form order."""
    promo = data.get("promotion")
    rows: list[tuple[str, str]] = []
    for f in FIELDS:
        if f.section == "promotion" and not promo:
            continue
        if f.kind == "file":
            continue
        value = data.get(f.key)
        shown: str
        if f.key == "employer":
            shown = "无工作单位" if value is None else str(value)
        elif f.key == "credit_code":
            shown = "-" if value is None else str(value)
        elif f.key == "years_in_occupation":
            shown = f"{value} 年"
        elif f.key in ("dispatched", "technical_school_student"):
            shown = "是" if value else "否"
        elif f.key == "promotion":
            shown = "是" if promo else "否"
        elif f.section == "promotion" and promo:
            shown = str(promo[_PROMO_KEYS[f.key]])
        elif f.key == "subjects":
            shown = "、".join(value or [])
        elif f.key == "eligibility":
            shown = "；".join(f"({n}) {preview_condition(plan.conditions[n - 1])}" for n in value or [])
        else:
            shown = "" if value is None else str(value)
        rows.append((PREVIEW_LABELS.get(f.key, f.label), shown))
    return rows


#: Where the guide's preview (四、(四) 确认报名信息) words a label differently from the form.
PREVIEW_LABELS = {"technical_school_student": "省内技工学校在籍生"}


def preview_condition(text: str) -> str:
    """A 申报条件 as the preview words it: the guide's preview shows condition (1) as
    ``累计从事本职业或相关职业工作5年(含)以上。`` where the form says ``…满5年。``; the same rewording
    is applied to every condition that counts years (the guide shows no other)."""
    return _YEARS.sub(lambda m: f"{m.group(1)}年(含)以上", text)


_PROMO_KEYS = {
    "orig_cert_type": "cert_type",
    "orig_occupation": "occupation",
    "orig_cert_number": "cert_number",
    "orig_level": "level",
    "orig_date": "date",
    "orig_issuer": "issuer",
}
