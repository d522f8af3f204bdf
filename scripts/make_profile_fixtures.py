"""Regenerate fixtures/profiles/: one small cohort per rule, each with the problem it must produce.

Run: ``python scripts/make_profile_fixtures.py``. Each case folder holds ``cohort.yaml``, one or two
candidate files and ``_expected.yaml`` — either ``{ok, problems: [{field, severity, contains, line}]}``
or ``{cohort_error: {contains, line}}`` for a broken cohort.yaml. tests/unit/profiles/test_fixtures.py
checks every folder against its expectation. All people and numbers are fictional.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from portal_bot.profiles.checks import credit_check_char  # noqa: E402
from portal_bot.profiles.idcard import check_char  # noqa: E402

OUT = ROOT / "fixtures" / "profiles"
FILES = OUT / "_files"


def idn(first17: str) -> str:
    return first17 + check_char(first17)


MALE = idn("33010620040315031")  # born 2004-03-15, 男
SOCIAL = idn("33010219900607003")  # born 1990-06-07, 男
CREDIT = "91330106MA2H3K5L7" + credit_check_char("91330106MA2H3K5L7")

COHORT: dict[str, Any] = {
    "plan": {"organization": "浙江省生态与环境修复技术协会", "plan_code": "2024-S-000911", "level": "中级工"},
    "defaults": {
        "education": "大专",
        "category": "院校学生",
        "employer": None,
        "years_in_occupation": 0,
        "post": "无",
        "eligibility": [3],
        "photo": "../_files/photo.jpg",
        "materials": ["../_files/materials.pdf"],
    },
}
BASE: dict[str, Any] = {
    "name": "测试甲",
    "id_number": MALE,
    "phone": "13800000001",
    "address": "浙江省杭州市示例路1号",
}
SOCIAL_WORKER: dict[str, Any] = {
    "id_number": SOCIAL,
    "category": "社会人员",
    "employer": "杭州示例环境科技有限公司",
    "credit_code": CREDIT,
    "years_in_occupation": 6,
    "post": "核算员",
    "eligibility": [1],
}
PROMOTION: dict[str, Any] = {
    "certificate_type": "技能等级认定证书",
    "occupation": "碳排放管理员",
    "number": "S000000000000001",
    "level": "五级",
    "issued_on": "2020-06-30",
    "issuer": "示例认定中心",
    "evidence": "../_files/evidence.pdf",
}


def err(
    field: str, contains: str, severity: str = "error", line: bool = True, near: str | None = None
) -> dict[str, Any]:
    """An expected problem; its line is that of ``field`` (or of ``near``, where it is reported)."""
    return {"field": field, "severity": severity, "contains": contains, "line": line, "near": near or field}


# name → (candidate overrides (None deletes a key), expected problems, ok)
CASES: list[tuple[str, dict[str, Any], list[dict[str, Any]], bool]] = [
    (
        "bad_check_digit",
        {"id_number": MALE[:-1] + ("0" if MALE[-1] != "0" else "1")},
        [err("id_number", "check character")],
        False,
    ),
    ("id_wrong_length", {"id_number": MALE[:-1]}, [err("id_number", "must be 18 characters")], False),
    (
        "id_impossible_birth_date",
        {"id_number": idn("33010619990231031")},
        [err("id_number", "not a real date")],
        False,
    ),
    (
        "id_future_birth_date",
        {"id_number": idn("33010620990101031")},
        [err("id_number", "in the future")],
        False,
    ),
    ("id_bad_province", {"id_number": idn("99010620040315031")}, [err("id_number", "province code")], False),
    (
        "id_hmt_number_as_resident",
        {"id_number": idn("81000019950101001")},
        [err("id_number", "港澳台居民居住证")],
        False,
    ),
    (
        "id_hmt_permit_with_mainland_prefix",
        {"id_type": "港澳台居民居住证"},
        [err("id_number", "begins with 810000")],
        False,
    ),
    (
        "id_legacy_15_digits",
        {"id_number": "330106850315031"},
        [err("id_number", "15-digit", "warning")],
        True,
    ),
    ("sex_differs_from_id", {"sex": "女"}, [err("sex", "the file says 女 but the ID number says 男")], False),
    ("birth_date_differs_from_id", {"birth_date": "2004-03-16"}, [err("birth_date", "2004-03-15")], False),
    ("phone_bad_prefix", {"phone": "12800000001"}, [err("phone", "starts with 13–19")], False),
    ("phone_wrong_length", {"phone": "138 0000 001"}, [err("phone", "11 digits")], False),
    (
        "credit_code_bad_check",
        {**SOCIAL_WORKER, "credit_code": CREDIT[:-1] + ("0" if CREDIT[-1] != "0" else "1")},
        [err("credit_code", "check character")],
        False,
    ),
    (
        "credit_code_missing",
        {**SOCIAL_WORKER, "credit_code": None},
        [err("credit_code", "missing", near="employer")],
        False,
    ),
    (
        "student_with_employer",
        {"employer": "某公司", "credit_code": CREDIT},
        [err("employer", "无工作单位")],
        False,
    ),
    ("student_with_years", {"years_in_occupation": 2}, [err("years_in_occupation", "should be 0")], False),
    ("student_with_post", {"post": "学徒"}, [err("post", "should be 无")], False),
    ("student_dispatched", {"dispatched": "是"}, [err("dispatched", "should be 否")], False),
    (
        "promotion_incomplete",
        {
            **SOCIAL_WORKER,
            "promotion": {k: v for k, v in PROMOTION.items() if k not in ("number", "evidence")},
        },
        [err("promotion.number", "原证书编号"), err("promotion.evidence", "原证书佐证材料")],
        False,
    ),
    (
        "promotion_evidence_missing",
        {**SOCIAL_WORKER, "promotion": {**PROMOTION, "evidence": "../_files/no-such.pdf"}},
        [err("promotion.evidence", "does not exist")],
        False,
    ),
    (
        "promotion_evidence_not_pdf",
        {**SOCIAL_WORKER, "promotion": {**PROMOTION, "evidence": "../_files/fake.pdf"}},
        [err("promotion.evidence", "not a PDF")],
        False,
    ),
    (
        "condition_1_needs_5_years",
        {**SOCIAL_WORKER, "years_in_occupation": 3},
        [err("eligibility", "(1) needs at least 5 years")],
        False,
    ),
    (
        "condition_2_needs_certificate",
        {**SOCIAL_WORKER, "years_in_occupation": 4, "eligibility": [2]},
        [err("eligibility", "level-5")],
        False,
    ),
    (
        "condition_2_needs_3_years",
        {**SOCIAL_WORKER, "years_in_occupation": 1, "eligibility": [2], "promotion": PROMOTION},
        [err("eligibility", "(2) needs at least 3 years")],
        False,
    ),
    (
        "condition_2_needs_level_5",
        {**SOCIAL_WORKER, "eligibility": [2], "promotion": {**PROMOTION, "level": "三级"}},
        [err("eligibility", "promotion.level is 高级工")],
        False,
    ),
    ("student_without_condition_3", {"eligibility": [1]}, [err("eligibility", "condition (3)")], False),
    ("unknown_condition", {"eligibility": [4]}, [err("eligibility", "no condition (4)")], False),
    ("unknown_key", {"phon": "13800000001"}, [err("phon", "did you mean 'phone'")], False),
    (
        "password_in_file",
        {"account": {"username": "someone", "password": "hunter2"}},
        [err("account", "password_env")],
        False,
    ),
    ("bad_option", {"education": "大本"}, [err("education", "not a 文化程度 option")], False),
    ("photo_missing", {"photo": "no-such-photo.jpg"}, [err("photo", "does not exist")], False),
    (
        "material_wrong_type",
        {"materials": ["../_files/notes.txt"]},
        [err("materials[0]", "should be")],
        False,
    ),
    ("required_key_missing", {"phone": None}, [err("phone", "missing", line=False)], False),
    ("area_code_newer_than_birth", {"id_number": idn("33011219900101031")}, [], True),
    ("hmt_permit_valid", {"id_type": "港澳台居民居住证", "id_number": idn("81000020040315031")}, [], True),
]


def first_line(text: str, field: str) -> int:
    """Line of the key a field names (``promotion.number`` → the ``  number:`` under promotion); a
    missing nested key falls back to its parent's line, as the loader reports it."""
    parts = field.split("[")[0].split(".")
    lines = text.splitlines()
    start, found = 0, 0
    for depth, part in enumerate(parts):
        prefix = "  " * depth + part + ":"
        for index in range(start, len(lines)):
            if lines[index].startswith(prefix):
                start = found = index + 1
                break
        else:
            break
    if "[" in field and found:
        found += int(field.split("[")[1].rstrip("]")) + 1  # a block list item, one per line
    return found


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False)


def write_case(
    number: int, name: str, overrides: dict[str, Any], expected: list[dict[str, Any]], ok: bool
) -> None:
    folder = OUT / f"{number:03d}_{name}"
    folder.mkdir()
    (folder / "cohort.yaml").write_text(dump(COHORT), encoding="utf-8")
    data = dict(BASE)
    for key, value in overrides.items():
        if value is None and key in data:
            del data[key]
        else:
            data[key] = value
    if overrides.get("credit_code", "") is None:
        data.pop("credit_code", None)
    text = f"# fixture {number:03d}: {name}\n" + dump(data)
    (folder / "candidate.yaml").write_text(text, encoding="utf-8")
    problems = []
    for item in expected:
        entry = {k: v for k, v in item.items() if k not in ("line", "near")}
        entry["file"] = "candidate.yaml"
        if item["line"]:
            entry["line"] = first_line(text, item["near"])
        problems.append(entry)
    (folder / "_expected.yaml").write_text(dump({"ok": ok, "problems": problems}), encoding="utf-8")


def write_raw(number: int, name: str, files: dict[str, str], expected: dict[str, Any]) -> None:
    folder = OUT / f"{number:03d}_{name}"
    folder.mkdir()
    for filename, text in files.items():
        (folder / filename).write_text(text, encoding="utf-8")
    (folder / "_expected.yaml").write_text(dump(expected), encoding="utf-8")


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    FILES.mkdir(parents=True)
    photo = ROOT / "profiles" / "sample-cohort" / "photos" / "sun-haoran.jpg"
    shutil.copyfile(photo, FILES / "photo.jpg")
    pdf = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    (FILES / "materials.pdf").write_bytes(pdf)
    (FILES / "evidence.pdf").write_bytes(pdf)
    (FILES / "fake.pdf").write_bytes(b"this is a text file with a .pdf name\n")
    (FILES / "notes.txt").write_text("not a scan\n", encoding="utf-8")
    number = 0
    for number, (name, overrides, expected, ok) in enumerate(CASES, start=1):
        write_case(number, name, overrides, expected, ok)
    cohort = dump(COHORT)
    base = dump(BASE)
    raw_cases: list[tuple[str, dict[str, str], dict[str, Any]]] = [
        (
            "duplicate_key",
            {"cohort.yaml": cohort, "candidate.yaml": base + "phone: '13800000002'\n"},
            {
                "ok": False,
                "problems": [
                    {
                        "file": "candidate.yaml",
                        "field": "file",
                        "severity": "error",
                        "contains": "duplicate key 'phone'",
                        "line": 5,
                    }
                ],
            },
        ),
        (
            "not_yaml",
            {"cohort.yaml": cohort, "candidate.yaml": base + "materials: [a.pdf\n"},
            {
                "ok": False,
                "problems": [
                    {
                        "file": "candidate.yaml",
                        "field": "file",
                        "severity": "error",
                        "contains": "not valid YAML",
                    }
                ],
            },
        ),
        (
            "same_id_twice",
            {"cohort.yaml": cohort, "a.yaml": base, "b.yaml": base.replace("测试甲", "测试乙")},
            {
                "ok": False,
                "problems": [
                    {
                        "file": "a.yaml",
                        "field": "id_number",
                        "severity": "error",
                        "contains": "same ID number as b.yaml",
                    }
                ],
            },
        ),
        (
            "cohort_unknown_plan_key",
            {"cohort.yaml": cohort.replace("  level:", "  levle:"), "candidate.yaml": base},
            {"cohort_error": {"contains": "did you mean 'level'", "line": 4}},
        ),
        (
            "cohort_personal_default",
            {"cohort.yaml": cohort + "  id_number: '110105194912310021'\n", "candidate.yaml": base},
            {"cohort_error": {"contains": "belongs to one person", "line": cohort.count("\n") + 1}},
        ),
        (
            "cohort_bad_plan_code",
            {"cohort.yaml": cohort.replace("2024-S-000911", "S-911"), "candidate.yaml": base},
            {"cohort_error": {"contains": "looks like 2024-S-000911", "line": 3}},
        ),
        (
            "cohort_not_yaml",
            {"cohort.yaml": "plan: {organization: x\n", "candidate.yaml": base},
            {"cohort_error": {"contains": "not valid YAML"}},
        ),
    ]
    for offset, (name, files, expected) in enumerate(raw_cases, start=number + 1):
        write_raw(offset, name, files, expected)
    print(f"wrote {number + len(raw_cases)} cases to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
